import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOOK_PATH, PAYMENTS_CREDENTIAL, paymentsPort, startPaymentProvider, type RunningPaymentProvider, type SentEvent } from '../../../demo/payment-provider.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from '../server/support.ts';

/** The payment flow the demo posts to: the hook's address is /hooks/payment-webhook/payments. */
function paymentFlow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'payment-webhook',
    name: 'Payment webhook',
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'payments', secret: PAYMENTS_CREDENTIAL } },
      { id: 'paid', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'paidEmail', value: 'body.data.email' }], keepOtherFields: true } },
    ],
    edges: [{ id: 'e1', source: 'hook', sourcePort: 'out', target: 'paid', targetPort: 'in' }],
  };
}

describe('demo payment provider against a running studio', () => {
  let studio: Awaited<ReturnType<typeof startTestServer>>;
  let provider: RunningPaymentProvider;

  beforeAll(async () => {
    studio = await startTestServer();
    provider = await startPaymentProvider({ port: 0, studioUrl: studio.url });
    await studio.conveyor.flows.import(paymentFlow(), 'replace');
  }, 30_000);
  afterAll(async () => {
    await provider?.close();
    await studio?.close();
  });

  const call = async (path: string, body: unknown): Promise<SentEvent> => {
    const res = await fetch(`${provider.url}/api/payments/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as SentEvent;
  };

  it('listens on 3300 unless PORT_PAYMENTS says otherwise, and registers its signing secret in the studio', async () => {
    expect(paymentsPort({})).toBe(3300);
    expect(paymentsPort({ PORT_PAYMENTS: '4300' })).toBe(4300);
    expect(() => paymentsPort({ PORT_PAYMENTS: 'x' })).toThrow(/PORT_PAYMENTS/);
    expect(provider.hookUrl).toBe(`${studio.url}${DEFAULT_HOOK_PATH}`);
    expect(provider.registered).toMatchObject({ ok: true });
    const list = (await studio.api('GET', '/api/credentials')).body as Array<{ name: string; kind: string; scope: { nodeTypes: string[] } }>;
    expect(list.find((c) => c.name === PAYMENTS_CREDENTIAL)).toMatchObject({ kind: 'webhook_secret', scope: { nodeTypes: ['webhook.trigger'] } });
    // The page a person uses offers the three actions.
    const html = await (await fetch(`${provider.url}/payments`)).text();
    for (const label of ['Send payment', 'Resend last event', 'Send forged event']) expect(html).toContain(label);
  });

  it('a signed payment is accepted and runs; resending it is skipped; a forged one is refused and runs nothing', async () => {
    const sent = await call('send', { email: 'grace@example.com', leadId: 'lead_7' });
    expect(sent.answer.status).toBe(202);
    const runId = (sent.answer.body as { id: string }).id;
    const done = await studio.conveyor.engine.waitForRun(runId);
    expect(done.counts.success).toBe(1);
    expect((await studio.conveyor.store.getRecord(runId, 0))?.output).toMatchObject({ paidEmail: 'grace@example.com', eventId: sent.eventId, body: { data: { leadId: 'lead_7' } } });

    const resent = await call('replay', {});
    expect(resent.eventId).toBe(sent.eventId);
    expect(resent.answer).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const identical = await call('replay', { identical: true });
    expect(identical.answer).toMatchObject({ status: 200, body: { status: 'duplicate' } });

    const runsBefore = (await studio.conveyor.store.listRuns({ flowId: 'payment-webhook', limit: 100 })).length;
    const forged = await call('forge', {});
    expect(forged.answer).toMatchObject({ status: 400, body: { error: { code: 'E_HOOK_SIGNATURE_INVALID' } } });
    expect((await studio.conveyor.store.listRuns({ flowId: 'payment-webhook', limit: 100 })).length).toBe(runsBefore);

    const log = (await (await fetch(`${provider.url}/api/payments/log`)).json()) as SentEvent[];
    expect(log.map((e) => e.kind)).toEqual(['send', 'replay', 'replay', 'forge']);
  });

  it('refuses a send without a valid email, with a coded error', async () => {
    const res = await fetch(`${provider.url}/api/payments/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nope' }) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_DEMO_INPUT_INVALID');
  });
});
