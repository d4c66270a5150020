import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { api, kill, killAllStudios, startStudio } from './studio-process.ts';

/**
 * A loop over groups of search terms survives kill -9: 4 groups of 25 terms, each term fanning out
 * into 3 results shared by a Distribute, the studio killed three times at random moments. After each
 * restart the run's position is its first unprocessed term; at the end every term was processed once
 * (one trigger step each), and the counters per group and the distribution counters are exact.
 */
const GROUPS = 4;
const TERMS = 25;
const KILLS = 3;

afterAll(killAllStudios);

function flow(): FlowDocument {
  const node = (id: string, type: string, x: number, params: Record<string, unknown>) => ({ id, type, position: { x, y: 0 }, params });
  return {
    format: FLOW_FORMAT,
    id: 'flow_terms_crash',
    name: 'Terms crash test',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      node('terms', 'terms.groups', 0, {
        groups: Array.from({ length: GROUPS }, (_, g) => ({ name: `Group ${g + 1}`, terms: Array.from({ length: TERMS }, (_, t) => `term ${g + 1}.${t + 1}`) })),
        intervalSeconds: 0.02,
      }),
      node('search', 'core.set-fields', 200, { fields: [{ name: 'results', value: '[1, 2, 3]' }], keepOtherFields: true }),
      node('each', 'core.split', 400, { field: 'results', as: 'result', keepParentFields: true }),
      node('share', 'flow.distribute', 600, { strategy: 'round_robin', targets: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], scope: 'flow' }),
      node('wait', 'core.delay', 800, { ms: 10 }),
      node('done', 'core.end', 1000, { status: 'success' }),
    ],
    edges: [
      { id: 'e1', source: 'terms', sourcePort: 'out', target: 'search', targetPort: 'in' },
      { id: 'e2', source: 'search', sourcePort: 'out', target: 'each', targetPort: 'in' },
      { id: 'e3', source: 'each', sourcePort: 'out', target: 'share', targetPort: 'in' },
      ...['a', 'b', 'c'].map((p) => ({ id: `e_${p}`, source: 'share', sourcePort: p, target: 'wait', targetPort: 'in' })),
      { id: 'e4', source: 'wait', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  } as FlowDocument;
}

describe('groups of search terms after kill -9', () => {
  it(`resume at the first unprocessed term after each of ${KILLS} kills, process every term once, keep exact counters`, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-terms-crash-'));
    let studio = await startStudio(dataDir);
    expect((await api(`${studio.url}/api/flows/import`, 'POST', flow())).status).toBeLessThan(300);
    const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_terms_crash' })).body;
    expect(run.id).toMatch(/^run_/);

    let status = 'running';
    for (let round = 1; round <= KILLS; round++) {
      await new Promise((r) => setTimeout(r, 500 + Math.floor(Math.random() * 1500)));
      await kill(studio.child);
      studio = await startStudio(dataDir);
      status = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status;
      if (status === 'completed') break;
      expect(status).toBe('interrupted');
      // The position shown is the first term whose record has not ended.
      const groups = (await api(`${studio.url}/api/runs/${run.id}/groups`, 'GET')).body;
      const firstOpen = groups.groups.flatMap((g: { items: Array<{ index: number; status: string }> }) => g.items).find((i: { status: string }) => i.status === 'running' || i.status === 'pending');
      expect(groups.position.index).toBe(firstOpen.index);
      expect((await api(`${studio.url}/api/runs/${run.id}/resume`, 'POST')).status).toBe(200);
    }
    for (let i = 0; i < 1200 && status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status;
    }
    expect(status).toBe('completed');
    const groups = (await api(`${studio.url}/api/runs/${run.id}/groups`, 'GET')).body;
    expect(groups.position).toBeNull();
    expect(groups.groups.map((g: { processed: number; results: { success: number } }) => [g.processed, g.results.success])).toEqual(Array.from({ length: GROUPS }, () => [TERMS, TERMS * 3]));
    await kill(studio.child);

    const store = await openSqlJsStore(path.join(dataDir, 'store'));
    try {
      const perTarget: Record<string, number> = {};
      for (let i = 0; i < GROUPS * TERMS; i++) {
        const steps = await store.listSteps(run.id, i);
        expect(steps.filter((s) => s.nodeId === 'search'), `term ${i}`).toHaveLength(1);
        const shares = steps.filter((s) => s.nodeId === 'share' && s.status === 'success');
        expect(shares, `term ${i}`).toHaveLength(3);
        for (const s of shares) perTarget[s.output[0].port] = (perTarget[s.output[0].port] ?? 0) + 1;
      }
      const counters: Record<string, number> = {};
      for (const { key, value } of await store.listNodeState('flow:flow_terms_crash', 'share', 't:')) counters[key.slice(2)] = (value as { total: number }).total;
      expect(counters).toEqual(perTarget);
      expect(counters).toEqual({ a: 100, b: 100, c: 100 });
      // The trigger's step, counted with each term's first commit and never stored, counted once per term across the kills.
      expect((await store.stepCounts(run.id)).terms).toEqual({ success: GROUPS * TERMS, failed: 0, review: 0 });
    } finally {
      await store.close();
    }
  }, 600_000);
});
