import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryWaits } from '../../../client/review/review-actions.ts';
import { smallNumbersFailFlow, startTestServer } from './support.ts';
import { until } from '../../support/until.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

/** Records with n ≤ 2 fail at the code step (they wait in the review queue); every record then takes 100 ms. */
const flow = smallNumbersFailFlow('flow_retry_waits', 2, { concurrency: 1, delayMs: 100 });

describe('review: a retry in a run that does not move', () => {
  it('says the record waits for the run to be resumed (paused run), and says nothing of the kind for an ended run', async () => {
    await s.api('POST', '/api/flows/import', flow);
    const records = Array.from({ length: 30 }, (_, i) => ({ n: i + 1 }));
    const runId = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records } })).body.id as string;
    const run = () => s.api('GET', `/api/runs/${runId}`).then((r) => r.body);
    await until('two records failed', run, (r) => r.counts.failed === 2);
    await s.api('POST', `/api/runs/${runId}/pause`);
    await until('the run paused', run, (r) => r.status === 'paused');

    const paused = (await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId, index: 0 }], data: { n: 10 } })).body.results;
    expect(paused).toEqual([{ runId, index: 0, ok: true, restarted: false, runWaits: 'paused' }]);
    // What the review page tells the person, from that answer.
    expect(retryWaits(paused)).toBe(`It waits: run ${runId} is paused. Press Resume on that run to run it.`);
    // And it does wait: nothing ran it.
    await new Promise((r) => setTimeout(r, 500));
    expect((await s.api('GET', `/api/runs/${runId}/records/0`)).body.record.status).toBe('running');

    await s.api('POST', `/api/runs/${runId}/resume`);
    await until('the run completed', run, (r) => r.status === 'completed');
    expect((await s.api('GET', `/api/runs/${runId}/records/0`)).body.record.status).toBe('success');

    // The run has ended: a retry runs the record now, and the answer says no wait.
    const ended = (await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId, index: 1 }], data: { n: 11 } })).body.results;
    expect(ended).toEqual([{ runId, index: 1, ok: true, restarted: false }]);
    expect(retryWaits(ended)).toBe('');
    await until('record 1 succeeded', () => s.api('GET', `/api/runs/${runId}/records/1`), (r) => r.body.record.status === 'success');
  });
});
