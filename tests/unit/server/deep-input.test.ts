import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringFlow, smallNumbersFailFlow, startTestServer } from './support.ts';

/**
 * Records (and a retry's corrected data) nested thousands of levels deep overflowed the stack where
 * the run was stored or the answer written: 500 E_INTERNAL. They are refused, saying which record
 * and where, and nothing is stored; data nested as deep as real data goes is taken as before.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
  expect((await s.api('POST', '/api/flows/import', scoringFlow('flow_deep'))).status).toBe(201);
});
afterAll(async () => s && (await s.close()));

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const runCount = async () => (await s.api('GET', '/api/runs')).body.length;

describe('input nested too deep', () => {
  it('a run of records nested 5,000 deep is refused with 422 E_INPUT_INVALID naming the record; no run is stored', async () => {
    const before = await runCount();
    const sent = await s.api('POST', '/api/runs', `{"flowId":"flow_deep","input":{"records":[{"n":1},{"n":2,"list":${nested(5000)}}]}}`);
    expect(sent.status).toBe(422);
    expect(sent.body.error).toMatchObject({ code: 'E_INPUT_INVALID' });
    expect(sent.body.error.message).toContain('Record 2 nests values more than 100 levels deep (at record.list[0]');
    expect(sent.body.error.hint).toBeTruthy();
    // The same records as JSON text.
    const text = await s.api('POST', '/api/runs', { flowId: 'flow_deep', input: { format: 'json', text: `[{"n":1,"list":${nested(5000)}}]` } });
    expect(text.status).toBe(422);
    expect(text.body.error.code).toBe('E_INPUT_INVALID');
    expect(await runCount()).toBe(before);
    expect((await s.api('GET', '/api/health')).status).toBe(200);
  });

  it('the dry check lists it as a problem of the input instead of failing', async () => {
    const checked = await s.api('POST', '/api/flows/flow_deep/preflight', `{"input":{"records":[{"n":1,"list":${nested(5000)}}]}}`);
    expect(checked.status).toBe(200);
    expect(checked.body.canStart).toBe(false);
    expect(checked.body.problems).toEqual([expect.objectContaining({ code: 'E_INPUT_INVALID' })]);
  });

  it('records nested as deep as real data are still taken', async () => {
    const sent = await s.api('POST', '/api/runs', `{"flowId":"flow_deep","input":{"records":[{"n":1,"list":${nested(60)}}]}}`);
    expect(sent.status).toBe(201);
  });

  it('a retry whose corrected data nests 5,000 deep is refused with 400 E_BODY_INVALID; the record is unchanged', async () => {
    expect((await s.api('POST', '/api/flows/import', smallNumbersFailFlow('flow_deep_review', 5, { concurrency: 1 }))).status).toBe(201);
    const run = (await s.api('POST', '/api/runs', { flowId: 'flow_deep_review', input: { records: [{ n: 1 }] } })).body;
    for (let i = 0; i < 200 && (await s.api('GET', `/api/runs/${run.id}`)).body.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
    const before = (await s.api('GET', `/api/runs/${run.id}/records/0`)).body;
    expect(before.record.status).toBe('failed');
    const retried = await s.api('POST', '/api/review/actions', `{"action":"retry","items":[{"runId":"${run.id}","index":0}],"data":{"n":${nested(5000)}}}`);
    expect(retried.status).toBe(400);
    expect(retried.body.error.code).toBe('E_BODY_INVALID');
    expect(retried.body.error.problems).toEqual([{ path: '$.data', message: expect.stringContaining('more than 100 levels deep') }]);
    expect((await s.api('GET', `/api/runs/${run.id}/records/0`)).body).toEqual(before);
  });
});
