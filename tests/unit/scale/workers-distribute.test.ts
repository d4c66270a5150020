/**
 * Distribute with three workers on one run: the shares stay exact (round robin and weighted, to one
 * record), the persisted counters equal the records sent through each way out, and the caps hold per
 * flow — however the workers interleave, no target gets a record past its cap. The node's state is
 * read and committed under the shared lock (server/worker/shared-state-locks.ts).
 */
import { describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RunningWorker } from '../../../server/worker/worker.ts';
import { inProcessWorkers } from './in-process-workers.ts';

const RECORDS = 240;

type Target = { id: string; weight?: number; cap?: number; capWindow?: 'run' | 'total' | 'day' };

function distributeFlow(id: string, strategy: string, targets: Target[]): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: `Distribute ${strategy}`,
    description: '',
    settings: { concurrency: 8 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'dist', type: 'flow.distribute', position: { x: 200, y: 0 }, params: { strategy, targets: targets.map((t) => ({ account: `acc-${t.id}`, ...t })) } },
      { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e0', source: 'trigger', sourcePort: 'out', target: 'dist', targetPort: 'in' },
      ...targets.map((t) => ({ id: `e_${t.id}`, source: 'dist', sourcePort: t.id, target: 'done', targetPort: 'in' })),
    ],
  } as FlowDocument;
}

const w = inProcessWorkers('distribute');
let workers: RunningWorker[];

/** Runs the flow on the three workers; the records per way out, the node's counters, and how many workers took part. */
async function distributeOnWorkers(doc: FlowDocument) {
  workers ??= await w.start(3, { batch: 8, pollMs: 50 });
  const run = await w.studio().startRun(doc, { input: { records: Array.from({ length: RECORDS }, (_, n) => ({ n })) } });
  const walkers = new Set<string>();
  const offs = workers.map((worker) => worker.engine.on((e) => e.type === 'record' && e.runId === run.id && walkers.add(worker.id)));
  const summary = await w.until(run.id, 'completed', 120_000);
  offs.forEach((off) => off());
  const routed: Record<string, number> = {};
  for (const r of (await w.store().listRecords(run.id, { limit: RECORDS })).items) {
    if (r.status === 'success') routed[r.output!.accountTarget as string] = (routed[r.output!.accountTarget as string] ?? 0) + 1;
  }
  const counters: Record<string, number> = {};
  for (const { key, value } of await w.store().listNodeState(`flow:${doc.id}`, 'dist', 't:')) counters[key.slice(2)] = (value as { total: number }).total;
  const picks = await w.store().getNodeState(`flow:${doc.id}`, 'dist', 'picks');
  return { summary, routed, counters, picks, walkers: walkers.size, runId: run.id };
}

describe('Distribute with three workers', () => {
  it('round robin and weighted: shares exact to one record, counters equal the records per way out', async () => {
    for (const [strategy, weights] of [['round_robin', [1, 1, 1]], ['weighted', [1, 2, 3]]] as const) {
      const targets = weights.map((weight, i) => ({ id: `s${i + 1}`, weight }));
      const { summary, routed, counters, picks, walkers } = await distributeOnWorkers(distributeFlow(`flow_${strategy}`, strategy, targets));
      expect(summary.counts.success).toBe(RECORDS);
      expect(walkers).toBeGreaterThan(1);
      expect(counters).toEqual(routed);
      expect(picks).toBe(RECORDS);
      const total = weights.reduce((a, b) => a + b, 0);
      for (const t of targets) expect(Math.abs(routed[t.id] - (RECORDS * t.weight) / total), `${strategy} ${t.id}: ${routed[t.id]}`).toBeLessThanOrEqual(1);
    }
  }, 180_000);

  it('caps hold per flow across workers: exactly the cap per target, the rest fail E_DISTRIBUTE_CAPPED', async () => {
    const targets: Target[] = [
      { id: 'a', cap: 40, capWindow: 'run' },
      { id: 'b', cap: 70, capWindow: 'total' },
    ];
    const { summary, routed, counters, runId } = await distributeOnWorkers(distributeFlow('flow_capped', 'round_robin', targets));
    expect(routed).toEqual({ a: 40, b: 70 });
    expect(counters).toEqual({ a: 40, b: 70 });
    expect(summary.counts).toMatchObject({ success: 110, failed: RECORDS - 110 });
    const failed = (await w.store().listRecords(runId, { limit: RECORDS })).items.filter((r) => r.status === 'failed');
    expect(new Set(failed.map((r) => r.error?.code))).toEqual(new Set(['E_DISTRIBUTE_CAPPED']));
  }, 180_000);
});
