import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FLOWS, importDemoFlows } from '../../../demo/demo-flows.ts';
import { startTestServer } from '../server/support.ts';

let studio: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  studio = await startTestServer();
});
afterAll(async () => studio?.close());

const flowIds = async () => ((await studio.api('GET', '/api/flows')).body as Array<{ id: string; name: string }>).map((f) => f.id).sort();

describe('npm run demo puts the example flows in the studio', () => {
  it('imports the lead pipeline, its daily schedule and the payment webhook under their own ids', async () => {
    const result = await importDemoFlows(studio.url);
    expect(result.ok, result.message).toBe(true);
    expect(await flowIds()).toEqual([...DEMO_FLOWS].sort());
    // The payment provider's default hook address works with the imported flow's id.
    expect((await studio.api('GET', '/api/flows/payment-webhook')).body.flow.nodes[0]).toMatchObject({ type: 'webhook.trigger', params: { name: 'payments' } });
  });

  it('started again, leaves a flow the operator changed as it is and makes no copies', async () => {
    expect((await studio.api('PATCH', '/api/flows/lead-pipeline', { name: 'Our leads' })).status).toBeLessThan(300);
    const again = await importDemoFlows(studio.url);
    expect(again.message).toContain('lead-pipeline (already there, left as it is)');
    expect(await flowIds()).toEqual([...DEMO_FLOWS].sort());
    expect((await studio.api('GET', '/api/flows/lead-pipeline')).body.name).toBe('Our leads');
  });

  it('says so when no studio answers', async () => {
    const result = await importDemoFlows('http://127.0.0.1:9');
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('no studio answered') });
  });
});
