import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

/**
 * Distribute through the real engine and store, concurrency 8, each strategy in its own flow. Each
 * target's share is within 5% of its target share, and the persisted counters equal the records
 * routed through each port. Seeded random needs many records for "within 5%" to say something
 * (at 10,000 a share of 1/6 has a standard deviation of 0.5 % of all records, 2.2 % of its share);
 * the three exact strategies are held to one record whatever the count, and 2,000 records at
 * concurrency 8 give the counters as many racing picks as they need (they ran 10,000 each: 46 s of
 * the unit lane for the four runs).
 */
const RECORDS: Record<Strategy, number> = { round_robin: 2_000, weighted: 2_000, least_used: 2_000, random: 10_000 };

let c: Conveyor;
beforeAll(async () => {
  c = await openConveyor(mkdtempSync(path.join(os.tmpdir(), 'conveyor-distribute-')));
});
afterAll(async () => c && (await c.close()));

type Strategy = 'round_robin' | 'weighted' | 'least_used' | 'random';

function distributeFlow(strategy: Strategy, weights: number[]): FlowDocument {
  const targets = weights.map((weight, i) => ({ id: `s${i + 1}`, label: `Sender ${i + 1}`, account: `sender-${i + 1}`, weight, capWindow: 'day' as const }));
  return {
    format: FLOW_FORMAT,
    id: `flow_distribute_${strategy}`,
    name: `Distribute ${strategy}`,
    description: '',
    settings: { concurrency: 8 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'dist', type: 'flow.distribute', position: { x: 200, y: 0 }, params: { strategy, seed: 'fairness', targets } },
      { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e0', source: 'trigger', sourcePort: 'out', target: 'dist', targetPort: 'in' },
      ...targets.map((t) => ({ id: `e_${t.id}`, source: 'dist', sourcePort: t.id, target: 'done', targetPort: 'in' })),
    ],
  } as FlowDocument;
}

async function runStrategy(strategy: Strategy, weights: number[]) {
  const n = RECORDS[strategy];
  const entry = await c.flows.import(distributeFlow(strategy, weights));
  const records = Array.from({ length: n }, (_, i) => ({ n: i }));
  const run = await c.engine.startRun(entry.flow, { input: { records } });
  const summary = await c.engine.waitForRun(run.id);
  expect(summary.status).toBe('completed');
  expect(summary.counts).toMatchObject({ success: n, failed: 0 });
  const rows = (await c.store.listRecords(run.id, { limit: n })).items;
  expect(rows).toHaveLength(n);
  // Records routed per port, from what the records carry out of the node (target id and account agree).
  const routed: Record<string, number> = {};
  for (const r of rows) {
    const target = r.output!.accountTarget as string;
    expect(r.output!.account).toBe(`sender-${target.slice(1)}`);
    routed[target] = (routed[target] ?? 0) + 1;
  }
  // The committed distribute steps agree with the records.
  expect((await c.store.stepCounts(run.id)).dist).toEqual({ success: n, failed: 0, review: 0 });
  const counters: Record<string, number> = {};
  for (const { key, value } of await c.store.listNodeState(`flow:${entry.flow.id}`, 'dist', 't:')) counters[key.slice(2)] = (value as { total: number }).total;
  expect(counters).toEqual(routed);
  expect(await c.store.getNodeState(`flow:${entry.flow.id}`, 'dist', 'picks')).toBe(n);
  const total = weights.reduce((a, b) => a + b, 0);
  const expected = Object.fromEntries(weights.map((w, i) => [`s${i + 1}`, (n * w) / total]));
  for (const [id, want] of Object.entries(expected)) {
    // Within 5% of its target share.
    expect(Math.abs((routed[id] ?? 0) - want), `${strategy} ${id}: ${routed[id]} vs ${want}`).toBeLessThanOrEqual(want * 0.05);
  }
  return { routed, expected };
}

/** The four runs go at the same time (each flow's distribute node has its own lock); each test checks one. */
const WEIGHTS: Record<Strategy, number[]> = { round_robin: [1, 1, 1], weighted: [1, 2, 3], least_used: [1, 1, 1], random: [1, 2, 3] };
let runs: Record<Strategy, ReturnType<typeof runStrategy>>;
beforeAll(() => {
  runs = Object.fromEntries((Object.keys(WEIGHTS) as Strategy[]).map((s) => [s, runStrategy(s, WEIGHTS[s])])) as typeof runs;
  // Failures surface in the test that awaits them.
  for (const p of Object.values(runs)) p.catch(() => {});
});

describe('Distribute over 2,000 records (seeded random: 10,000) through the engine (concurrency 8)', () => {
  it('round robin: equal shares, exact to one record; counters equal the records per port', async () => {
    const { routed, expected } = await runs.round_robin;
    for (const id of Object.keys(expected)) expect(Math.abs(routed[id] - expected[id])).toBeLessThanOrEqual(1);
  }, 600_000);

  it('weighted 1/2/3: shares exact to one record; counters equal the records per port', async () => {
    const { routed, expected } = await runs.weighted;
    for (const id of Object.keys(expected)) expect(Math.abs(routed[id] - expected[id])).toBeLessThanOrEqual(1);
  }, 600_000);

  it('least used: equal shares; counters equal the records per port', async () => {
    const { routed, expected } = await runs.least_used;
    for (const id of Object.keys(expected)) expect(Math.abs(routed[id] - expected[id])).toBeLessThanOrEqual(1);
  }, 600_000);

  it('seeded random 1/2/3: each share within 5% of its weight; counters equal the records per port', async () => {
    await runs.random;
  }, 600_000);
});
