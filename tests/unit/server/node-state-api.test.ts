import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from './support.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_state_api',
  name: 'Senders',
  description: '',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
    { id: 'dist', type: 'flow.distribute', position: { x: 200, y: 0 }, params: { targets: [{ id: 'a', account: 'alice' }, { id: 'b', account: 'bob' }] } },
    { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
  ],
  edges: [
    { id: 'e0', source: 'trigger', sourcePort: 'out', target: 'dist', targetPort: 'in' },
    { id: 'e1', source: 'dist', sourcePort: 'a', target: 'done', targetPort: 'in' },
    { id: 'e2', source: 'dist', sourcePort: 'b', target: 'done', targetPort: 'in' },
  ],
} as FlowDocument;

async function runToEnd(n: number): Promise<string> {
  const run = await server.api('POST', '/api/runs', { flowId: flow.id, input: { records: Array.from({ length: n }, (_, i) => ({ i })) } });
  expect(run.status).toBe(201);
  for (let i = 0; i < 400; i++) {
    const { body } = await server.api('GET', `/api/runs/${run.body.id}`);
    if (body.status === 'completed') return run.body.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the run did not complete');
}

describe('node state API: /api/flows/:id/nodes/:nodeId/state', () => {
  it('shows the flow-scoped counters of a Distribute step, and resets them', async () => {
    expect((await server.api('POST', '/api/flows/import', flow)).status).toBe(201);
    await runToEnd(5);
    const seen = await server.api('GET', `/api/flows/${flow.id}/nodes/dist/state`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ flowId: flow.id, nodeId: 'dist', nodeType: 'flow.distribute', declaredScope: 'flow', scope: `flow:${flow.id}` });
    const byKey = Object.fromEntries(seen.body.entries.map((e: { key: string; value: unknown }) => [e.key, e.value]));
    expect(byKey).toMatchObject({ picks: 5, 't:a': { total: 3 }, 't:b': { total: 2 } });
    const counters = await server.api('GET', `/api/flows/${flow.id}/nodes/dist/state?prefix=t:`);
    expect(counters.body.entries.map((e: { key: string }) => e.key)).toEqual(['t:a', 't:b']);

    // Counters are shared by the runs of the flow: the next run continues the round robin.
    await runToEnd(1);
    expect((await server.api('GET', `/api/flows/${flow.id}/nodes/dist/state?prefix=t:b`)).body.entries[0].value).toMatchObject({ total: 3 });

    const reset = await server.api('DELETE', `/api/flows/${flow.id}/nodes/dist/state`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ cleared: 4 });
    expect((await server.api('GET', `/api/flows/${flow.id}/nodes/dist/state`)).body.entries).toEqual([]);
  });

  it('404s for an unknown flow or step, 400 for a bad query', async () => {
    const noFlow = await server.api('GET', '/api/flows/flow_nope/nodes/dist/state');
    expect(noFlow.status).toBe(404);
    expect(noFlow.body.error.code).toBe('E_FLOW_NOT_FOUND');
    const noNode = await server.api('DELETE', `/api/flows/${flow.id}/nodes/nope/state`);
    expect(noNode.status).toBe(404);
    expect(noNode.body.error).toMatchObject({ code: 'E_NODE_NOT_FOUND' });
    expect(noNode.body.error.hint).toMatch(/step id/);
    const bad = await server.api('GET', `/api/flows/${flow.id}/nodes/dist/state?runId=${encodeURIComponent('../x y')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_QUERY_INVALID');
    // A run that does not exist, or belongs to another flow, is not found — not answered as empty state.
    const other = (await server.api('POST', '/api/flows', { name: 'Other' })).body;
    const otherRun = (await server.api('POST', '/api/runs', { flowId: other.id, input: { records: [{ n: 1 }] } })).body;
    for (const runId of ['run_nope', otherRun.id]) {
      for (const method of ['GET', 'DELETE']) {
        const res = await server.api(method, `/api/flows/${flow.id}/nodes/dist/state?runId=${runId}`);
        expect([runId, method, res.status, res.body.error?.code]).toEqual([runId, method, 404, 'E_RUN_NOT_FOUND']);
      }
    }
  });
});
