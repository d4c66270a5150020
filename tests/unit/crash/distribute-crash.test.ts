import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { distribute } from '../../../nodes/flow/distribute.ts';
import { MemoryState, runNode } from '../../../nodes/sdk/testing.ts';
import { api, kill, killAllStudios, startStudio } from './studio-process.ts';

/**
 * Distribute's counters are committed with its steps: a 2,000-record run through a seeded random
 * Distribute (flow-scoped counters) and a short delay, the studio killed with SIGKILL three times at
 * random moments and resumed each time. At the end the counters equal exactly the committed
 * distribute steps per target, and — the pick counter being exact — the very shares a run that
 * never crashed would have given.
 */
const RECORDS = 2_000;
const KILLS = 3;
const TARGETS = [
  { id: 'alice', label: 'Alice', account: 'alice-smtp', weight: 1 },
  { id: 'bob', label: 'Bob', account: 'bob-smtp', weight: 2 },
  { id: 'carol', label: 'Carol', account: 'carol-smtp', weight: 3 },
];
const DIST_PARAMS = { strategy: 'random', seed: 'crash-seed', targets: TARGETS, scope: 'flow' };

afterAll(killAllStudios);

function flow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_distribute_crash',
    name: 'Distribute crash test',
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'dist', type: 'flow.distribute', position: { x: 200, y: 0 }, params: DIST_PARAMS },
      { id: 'wait', type: 'core.delay', position: { x: 400, y: 0 }, params: { ms: 15 } },
      { id: 'done', type: 'core.end', position: { x: 600, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e0', source: 'trigger', sourcePort: 'out', target: 'dist', targetPort: 'in' },
      ...TARGETS.map((t) => ({ id: `e_${t.id}`, source: 'dist', sourcePort: t.id, target: 'wait', targetPort: 'in' })),
      { id: 'e9', source: 'wait', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  } as FlowDocument;
}

/** The shares an uninterrupted run gives: pick k always uses the seed and k. */
async function sharesWithoutCrash(): Promise<Record<string, number>> {
  const state = new MemoryState();
  const counts: Record<string, number> = {};
  for (let i = 0; i < RECORDS; i++) {
    const { result } = await runNode(distribute, DIST_PARAMS, {}, { state });
    state.apply(result);
    counts[result.emit[0].port] = (counts[result.emit[0].port] ?? 0) + 1;
  }
  return counts;
}

describe('Distribute counters after kill -9', () => {
  it(`stay exact across ${KILLS} kill -9 of the studio: every record ends once, counters = committed distribute steps per target`, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-distribute-crash-'));
    let studio = await startStudio(dataDir);
    expect((await api(`${studio.url}/api/flows/import`, 'POST', flow())).status).toBeLessThan(300);
    const records = Array.from({ length: RECORDS }, (_, i) => ({ n: i }));
    const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_distribute_crash', input: { records } })).body;
    expect(run.id).toMatch(/^run_/);

    let kills = 0;
    let status = 'running';
    for (let round = 1; round <= KILLS; round++) {
      await new Promise((r) => setTimeout(r, 400 + Math.floor(Math.random() * 1200)));
      await kill(studio.child);
      kills++;
      studio = await startStudio(dataDir);
      status = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status;
      if (status === 'completed') break;
      expect(status).toBe('interrupted');
      expect((await api(`${studio.url}/api/runs/${run.id}/resume`, 'POST')).status).toBe(200);
    }
    // Let the last resume finish.
    for (let i = 0; i < 1200 && status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status;
    }
    expect(status).toBe('completed');
    await kill(studio.child);
    expect(kills).toBe(KILLS);

    const store = await openSqlJsStore(path.join(dataDir, 'store'));
    try {
      const { items, total } = await store.listRecords(run.id, { limit: RECORDS });
      expect(total).toBe(RECORDS);
      expect(items.every((r) => r.status === 'success')).toBe(true);
      // Every record ended exactly once, as the audit trail shows.
      const finished = new Map<number, number>();
      for (const e of (await store.listRunEvents(run.id, { actor: 'engine', limit: 10 * RECORDS })).items) {
        if (e.action === 'finished') finished.set(e.recordIndex, (finished.get(e.recordIndex) ?? 0) + 1);
      }
      expect(finished.size).toBe(RECORDS);
      expect([...finished.values()].every((n) => n === 1)).toBe(true);

      // Committed distribute steps per target: exactly one per record.
      const perTarget: Record<string, number> = {};
      for (let i = 0; i < RECORDS; i++) {
        const dist = (await store.listSteps(run.id, i)).filter((s) => s.nodeId === 'dist' && s.status === 'success');
        expect(dist, `record ${i}`).toHaveLength(1);
        const port = dist[0].output[0].port;
        perTarget[port] = (perTarget[port] ?? 0) + 1;
        expect(items[i].output).toMatchObject({ account: TARGETS.find((t) => t.id === port)!.account, accountTarget: port });
      }
      const counters: Record<string, number> = {};
      for (const { key, value } of await store.listNodeState('flow:flow_distribute_crash', 'dist', 't:')) counters[key.slice(2)] = (value as { total: number }).total;
      expect(counters).toEqual(perTarget);
      expect(Object.values(counters).reduce((a, b) => a + b, 0)).toBe(RECORDS);
      expect(await store.getNodeState('flow:flow_distribute_crash', 'dist', 'picks')).toBe(RECORDS);
      // No pick was lost or repeated: the same shares as a run that never crashed.
      expect(counters).toEqual(await sharesWithoutCrash());
    } finally {
      await store.close();
    }
  }, 600_000);
});
