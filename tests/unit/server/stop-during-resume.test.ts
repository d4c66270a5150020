import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallNumbersFailFlow, startTestServer } from './support.ts';
import { until } from '../../support/until.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

/** Every record takes 100 ms: 60 of them, two at a time, run for 3 s. */
const flow = smallNumbersFailFlow('flow_stop_during_resume', 0, { concurrency: 2, delayMs: 100 });

/** A run of the flow stopped after a few records, and a read of its summary. */
async function stoppedRun() {
  await s.api('POST', '/api/flows/import', flow);
  const runId = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: Array.from({ length: 60 }, (_, i) => ({ n: i + 1 })) } })).body.id as string;
  const run = () => s.api('GET', `/api/runs/${runId}`).then((r) => r.body);
  await until('some records done', run, (r) => r.counts.success >= 2);
  await s.api('POST', `/api/runs/${runId}/stop`);
  await until('the run stopped', run, (r) => r.status === 'stopped');
  return { runId, run };
}

describe('Stop sent while a Resume is under way', () => {
  it('stops the run the Resume set going, instead of answering "stopped" while it runs on', async () => {
    const { runId, run } = await stoppedRun();

    // Two operators: one resumes, the other stops, at the same moment.
    const [resumed, stopped] = await Promise.all([s.api('POST', `/api/runs/${runId}/resume`), s.api('POST', `/api/runs/${runId}/stop`)]);
    expect(resumed.status).toBe(200);
    expect(stopped.status).toBe(200);
    // The Stop's answer is what happens: the run stops and stays stopped, records left.
    const after = await until('the run at rest', run, (r) => r.status !== 'running' && r.status !== 'stopping');
    expect(after.status).toBe('stopped');
    await new Promise((r) => setTimeout(r, 500));
    const later = await run();
    expect(later.status).toBe('stopped');
    expect(later.counts.pending + later.counts.running).toBeGreaterThan(0);
  });

  it('a Pause sent with it pauses the run, instead of being refused as "stopped" while the run goes on', async () => {
    const { runId, run } = await stoppedRun();

    const [resumed, paused] = await Promise.all([s.api('POST', `/api/runs/${runId}/resume`), s.api('POST', `/api/runs/${runId}/pause`)]);
    expect(resumed.status).toBe(200);
    expect(paused.status).toBe(200);
    const after = await until('the run at rest', run, (r) => r.status !== 'running' && r.status !== 'pausing');
    expect(after.status).toBe('paused');
  });
});
