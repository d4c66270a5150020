/**
 * The loop interval holds per run, not per worker: three workers walk a run of groups of search
 * terms (the trigger's interval, 250 ms) and the terms start one interval apart at least, in order,
 * across all of them — three workers pacing alone would start three at a time. Pause and Resume with
 * three workers continue at exactly the next unprocessed term (the group-term position), still paced.
 */
import { describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RunningWorker } from '../../../server/worker/worker.ts';
import { inProcessWorkers } from './in-process-workers.ts';

const INTERVAL_MS = 250;
const GROUPS = [
  { name: 'Bakeries', terms: ['bakery lyon', 'boulangerie lyon', 'patisserie lyon'] },
  { name: 'Florists', terms: ['florist lyon', 'fleuriste lyon', 'flowers lyon'] },
  { name: 'Cafés', terms: ['cafe lyon', 'coffee lyon', 'bistro lyon'] },
];
const TERMS = GROUPS.flatMap((g) => g.terms.map((t) => [g.name, t]));

function termsFlow(id: string): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: 'Terms on workers',
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'terms', type: 'terms.groups', position: { x: 0, y: 0 }, params: { groups: GROUPS, intervalSeconds: INTERVAL_MS / 1000 } },
      { id: 'mark', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'seen', value: 'true' }], keepOtherFields: true } },
      { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e1', source: 'terms', sourcePort: 'out', target: 'mark', targetPort: 'in' },
      { id: 'e2', source: 'mark', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  };
}

const w = inProcessWorkers('pacing');

/** Which worker finished each record (from its own engine's events). */
function finishers(workers: RunningWorker[], runId: string): Map<number, string> {
  const by = new Map<number, string>();
  for (const worker of workers) worker.engine.on((e) => e.type === 'record' && e.runId === runId && e.status === 'success' && by.set(e.index, worker.id));
  return by;
}

/** Each record's stored start, and when its first step really began (the step row's own clock). */
async function starts(runId: string): Promise<Array<{ stored: number; step: number; steps: number }>> {
  const out = [];
  for (let i = 0; i < TERMS.length; i++) {
    const rec = (await w.store().getRecord(runId, i))!;
    const first = (await w.store().listSteps(runId, i)).filter((s) => s.nodeId === 'mark');
    out.push({ stored: Date.parse(rec.startedAt!), step: Date.parse(first[0].startedAt), steps: first.length });
  }
  return out;
}

describe('the loop interval across three workers', () => {
  it('starts the terms one interval apart across all workers, in order, each once, counted per group', async () => {
    const workers = await w.start(3, { batch: 4, pollMs: 50 });
    const run = await w.studio().startRun(termsFlow('flow_paced'));
    const by = finishers(workers, run.id);
    const done = await w.until(run.id, 'completed');
    expect(done.counts.success).toBe(TERMS.length);
    // More than one worker took part (the slots spread over them, not one queue behind one worker).
    expect(new Set(by.values()).size).toBeGreaterThan(1);

    const s = await starts(run.id);
    for (let i = 1; i < s.length; i++) {
      // Stored starts in term order, one interval apart at least.
      expect(s[i].stored - s[i - 1].stored).toBeGreaterThanOrEqual(INTERVAL_MS);
      // The i-th term really began no sooner than i intervals after the first one's start.
      expect(s[i].step).toBeGreaterThanOrEqual(s[0].stored + i * INTERVAL_MS);
    }
    expect(s.map((x) => x.steps)).toEqual(TERMS.map(() => 1));
    const records = (await w.store().listRecords(run.id)).items;
    expect(records.map((r) => [r.data.group, r.data.term])).toEqual(TERMS);
    const groups = (await w.studio().groups(run.id))!;
    expect(groups.position).toBeNull();
    expect(groups.groups.map((g) => [g.name, g.total, g.processed, g.counts.success])).toEqual(GROUPS.map((g) => [g.name, 3, 3, 3]));
  }, 60_000);

  it('Pause and Resume with three workers continue at exactly the next unprocessed term, still one interval apart', async () => {
    const run = await w.studio().startRun(termsFlow('flow_paced_pause'));
    const end = Date.now() + 30_000;
    while ((await w.store().countRecords(run.id)).success < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await w.studio().pause(run.id);
    const paused = await w.until(run.id, 'paused');
    const done = paused.counts.success;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(TERMS.length);
    const before = (await w.studio().groups(run.id))!;
    // The position is the first term not processed yet; the ones before it are all done. That term
    // is pending, or running when Pause came between its steps: it waits at its last saved step
    // (the panel says "paused here" either way) and resumes there, its trigger step not repeated.
    expect(before.position).toMatchObject({ group: TERMS[done][0], item: TERMS[done][1], index: done });
    expect(['pending', 'running']).toContain(before.position!.status);
    expect(before.groups.reduce((n, g) => n + g.processed, 0)).toBe(done);
    const lastBefore = Date.parse((await w.store().getRecord(run.id, done - 1))!.startedAt!);

    await w.studio().resume(run.id);
    const summary = await w.until(run.id, 'completed');
    expect(summary.counts.success).toBe(TERMS.length);
    const s = await starts(run.id);
    expect(s[done].stored - lastBefore).toBeGreaterThanOrEqual(INTERVAL_MS);
    for (let i = 1; i < s.length; i++) expect(s[i].stored - s[i - 1].stored).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(s.map((x) => x.steps)).toEqual(TERMS.map(() => 1));
  }, 60_000);
});
