import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from './support.ts';

/**
 * Delete and Resume of one paused run sent at the same moment (two operators, two tabs): one of
 * them wins. Resume answered 200 "running" while Delete answered 200 "deleted" — the studio showed
 * a running run that no longer existed, and the engine went on with records whose rows were gone.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
const FLOW: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_delete_resume',
  name: 'Delete or resume',
  description: '',
  settings: { concurrency: 1 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
    { id: 'slow', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: 150 } },
  ],
  edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'slow', targetPort: 'in' }],
};

beforeAll(async () => {
  s = await startTestServer();
  expect((await s.api('POST', '/api/flows/import', FLOW)).status).toBe(201);
});
afterAll(async () => s && (await s.close()));

async function pausedRun(): Promise<string> {
  const run = (await s.api('POST', '/api/runs', { flowId: FLOW.id, input: { records: Array.from({ length: 8 }, (_, k) => ({ k })) } })).body;
  await s.api('POST', `/api/runs/${run.id}/pause`);
  for (let i = 0; i < 200 && (await s.api('GET', `/api/runs/${run.id}`)).body.status !== 'paused'; i++) await new Promise((r) => setTimeout(r, 20));
  return run.id;
}

describe('Delete and Resume of one run at once', () => {
  it('one wins: a deleted run is not answered as resumed, a resumed run is not deleted', async () => {
    for (let round = 0; round < 16; round++) {
      const id = await pausedRun();
      // Sent in both orders, the second a few milliseconds after the first: the moments they meet vary.
      const gap = () => new Promise((r) => setTimeout(r, round % 4));
      const [deleted, resumed] =
        round % 2
          ? await Promise.all([s.api('DELETE', `/api/runs/${id}`), gap().then(() => s.api('POST', `/api/runs/${id}/resume`))])
          : (await Promise.all([s.api('POST', `/api/runs/${id}/resume`), gap().then(() => s.api('DELETE', `/api/runs/${id}`))])).reverse();
      const after = await s.api('GET', `/api/runs/${id}`);
      if (deleted.status === 200) {
        expect([round, resumed.status, resumed.body.error?.code]).toEqual([round, 404, 'E_RUN_NOT_FOUND']);
        expect(after.status).toBe(404);
      } else {
        expect([round, deleted.status, deleted.body.error.code, resumed.status]).toEqual([round, 409, 'E_RUN_ACTIVE', 200]);
        expect(after.status).toBe(200);
        await s.api('POST', `/api/runs/${id}/stop`);
      }
    }
  }, 60_000);
});
