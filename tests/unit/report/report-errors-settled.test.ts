import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallNumbersFailFlow, startTestServer } from '../server/support.ts';
import { until } from '../../support/until.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

/** Records with n ≤ 4 fail at the code step (E_CODE_FAILED). */
const flow = smallNumbersFailFlow('flow_errors_settled', 4, { concurrency: 2 });

describe('report: error categories after the review queue', () => {
  it('count the records still ending with their error — as many as the queue that the category opens lists — not those resolved, skipped or retried', async () => {
    await s.api('POST', '/api/flows/import', flow);
    const runId = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: Array.from({ length: 8 }, (_, i) => ({ n: i + 1 })) } })).body.id as string;
    await until('the run completed', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'completed');
    const before = (await s.api('GET', `/api/runs/${runId}/report`)).body;
    expect(before.errors.map((e: { code: string; count: number }) => [e.code, e.count])).toEqual([['E_CODE_FAILED', 4]]);

    const act = (body: object) => s.api('POST', '/api/review/actions', body).then((r) => r.body.results[0].ok);
    expect(await act({ action: 'resolve', items: [{ runId, index: 0 }], note: 'done by hand' })).toBe(true);
    expect(await act({ action: 'skip', items: [{ runId, index: 1 }] })).toBe(true);
    expect(await act({ action: 'retry', items: [{ runId, index: 2 }], data: { n: 9 } })).toBe(true);
    await until('record 2 succeeded', () => s.api('GET', `/api/runs/${runId}/records/2`), (r) => r.body.record.status === 'success');

    const report = (await s.api('GET', `/api/runs/${runId}/report`)).body;
    expect(report.counts).toMatchObject({ success: 6, failed: 1, skipped: 1 });
    expect(report.errors.map((e: { code: string; count: number }) => [e.code, e.count])).toEqual([['E_CODE_FAILED', 1]]);
    const queue = (await s.api('GET', `/api/review?runId=${runId}&code=E_CODE_FAILED`)).body;
    expect(queue.total).toBe(1);
  });
});
