import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { hashPassword } from '../../../server/auth/password.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { createHmac } from 'node:crypto';
import { computeSignature, signatureHeader } from '../../../nodes/webhook/signature.ts';

const SECRET = 'whsec_hooks_test_0123456789';
const FLOW_ID = 'flow_payments';

function paymentFlow(params: Record<string, unknown> = {}, id = FLOW_ID): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: 'Payments',
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'payments', secret: 'payments-secret', maxBodyKb: 4, ...params } },
      { id: 'mark', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'paid', value: 'body.data.email' }], keepOtherFields: true } },
    ],
    edges: [{ id: 'e1', source: 'hook', sourcePort: 'out', target: 'mark', targetPort: 'in' }],
  };
}

let server: RunningServer;
let warnings: string[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-hooks-'));
  // Login is on: the hook must work without a session while /api still needs one.
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client'), auth: { passwordHash: await hashPassword('correct horse battery') } });
  await server.conveyor.vault.create({ name: 'payments-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: SECRET }, scope: { nodeTypes: ['webhook.trigger'] } });
  await server.conveyor.flows.import(paymentFlow(), 'replace');
  vi.spyOn(console, 'warn').mockImplementation((line: unknown) => void warnings.push(String(line)));
}, 30_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

afterEach(() => {
  warnings = [];
});

function event(id: string, email = 'ada@example.com'): string {
  return JSON.stringify({ id, type: 'payment.succeeded', data: { email, amount: 4900 } });
}

async function post(body: string, headers: Record<string, string> = {}, url = `/hooks/${FLOW_ID}/payments`) {
  const res = await fetch(server.url + url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const signed = (body: string, secret = SECRET, t?: number) => ({ 'conveyor-signature': signatureHeader(secret, body, t) });

async function runCount(): Promise<number> {
  return (await server.conveyor.store.listRuns({ flowId: FLOW_ID, limit: 1000 })).length;
}

describe('POST /hooks/<flow>/<name>', () => {
  it('a signed request is acknowledged with the id of a stored run, whose one record then runs', async () => {
    const body = event('evt_ok_1');
    const answer = await post(body, signed(body));
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', eventId: 'evt_ok_1' });
    const runId = answer.body.id as string;
    expect(answer.body.runId).toBe(runId);
    // Already on disk when answered: the run exists in the store with its record.
    expect(await server.conveyor.store.getRecord(runId, 0)).toMatchObject({ data: { eventId: 'evt_ok_1', hook: 'payments', body: { type: 'payment.succeeded' } } });
    const summary = await server.conveyor.engine.waitForRun(runId);
    expect(summary).toMatchObject({ status: 'completed', recordCount: 1, counts: { success: 1 } });
    const record = await server.conveyor.store.getRecord(runId, 0);
    expect(record?.output).toMatchObject({ paid: 'ada@example.com', eventId: 'evt_ok_1' });
    // The signature header never reaches the record.
    expect(JSON.stringify(record)).not.toMatch(/conveyor-signature|v1=/i);
  });

  it('a 64-bit id in the body (past 2^53) reaches the record digit for digit, as text', async () => {
    const body = '{"id":"evt_big_1","type":"payment.succeeded","data":{"email":"ada@example.com","amount":4900,"order":1234567890123456789}}';
    const answer = await post(body, signed(body));
    expect(answer.status).toBe(202);
    const record = await server.conveyor.store.getRecord(answer.body.id as string, 0);
    expect(record?.data).toMatchObject({ body: { data: { order: '1234567890123456789', amount: 4900 } } });
  });

  it('a forged request (another secret) is refused with 400, logged without the secret, and never runs', async () => {
    const before = await runCount();
    const body = event('evt_forged');
    const answer = await post(body, signed(body, 'whsec_attacker_guess_000000'));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'E_HOOK_SIGNATURE_INVALID' });
    expect(answer.body.error.hint).toBeTruthy();
    expect(await runCount()).toBe(before);
    expect(warnings.join('\n')).toContain('E_HOOK_SIGNATURE_INVALID');
    expect(warnings.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  });

  it('a body changed after signing, a missing signature, and a request signed too long ago are refused and never run', async () => {
    const before = await runCount();
    const body = event('evt_tamper');
    const tampered = await post(body.replace('ada@', 'eve@'), signed(body));
    expect([tampered.status, tampered.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    const missing = await post(body);
    expect([missing.status, missing.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_MISSING']);
    const old = await post(body, signed(body, SECRET, Math.floor(Date.now() / 1000) - 301));
    expect([old.status, old.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_EXPIRED']);
    expect(await runCount()).toBe(before);
  });

  it('a replay of an event that ran is answered "duplicate" and its record is skipped by business key', async () => {
    const body = event('evt_replay');
    const first = await post(body, signed(body));
    expect(first.status).toBe(202);
    await server.conveyor.engine.waitForRun(first.body.id);
    // The sender resends the same event later, freshly signed (a retry after a lost answer).
    const again = await post(body, signed(body));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate', eventId: 'evt_replay' });
    expect(again.body.reason).toContain(`Already done in run ${first.body.id}`);
    const replayRun = await server.conveyor.engine.waitForRun(again.body.id);
    expect(replayRun.counts).toMatchObject({ skipped: 1, success: 0 });
    // The exact same request replayed byte for byte (same signature) is skipped too.
    const headers = signed(body);
    const a = await post(body, headers);
    const b = await post(body, headers);
    expect([a.body.status, b.body.status]).toEqual(['duplicate', 'duplicate']);
  });

  it('two deliveries of one event at the same moment: one runs, the other is a duplicate', async () => {
    const body = event('evt_twice');
    const answers = await Promise.all([post(body, signed(body)), post(body, signed(body)), post(body, signed(body))]);
    expect(answers.map((a) => a.body.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    const accepted = answers.find((a) => a.body.status === 'accepted')!;
    await server.conveyor.engine.waitForRun(accepted.body.id);
    const runs = await server.conveyor.store.listRuns({ flowId: FLOW_ID, limit: 1000 });
    let successes = 0;
    for (const run of runs) {
      const rec = await server.conveyor.store.getRecord(run.id, 0);
      if (rec?.data.eventId === 'evt_twice' && rec.status === 'success') successes++;
    }
    expect(successes).toBe(1);
  });

  it('an event acknowledged in a run that stopped before processing it is not run again by a resend: Resume processes it once', async () => {
    // The state a crash or a shutdown right after the answer leaves: the run at rest, its record not begun.
    const { engine } = server.conveyor;
    const record = { eventId: 'evt_parked', body: { id: 'evt_parked', data: { email: 'parked@example.com' } }, headers: {}, query: {}, hook: 'payments', receivedAt: new Date().toISOString() };
    const parked = await engine.startRun({ ...paymentFlow(), settings: { concurrency: 4, businessKey: 'eventId' } }, { input: { records: [record] } });
    await engine.pause(parked.id);
    await engine.waitForRun(parked.id);
    expect((await server.conveyor.store.getRecord(parked.id, 0))?.status).toBe('pending');

    const body = event('evt_parked', 'parked@example.com');
    const resent = await post(body, signed(body));
    expect(resent).toMatchObject({ status: 200, body: { status: 'duplicate', runId: parked.id } });
    expect(resent.body.reason).toContain('resume that run');
    await engine.resume(parked.id);
    expect((await engine.waitForRun(parked.id)).counts.success).toBe(1);
    const later = await post(body, signed(body));
    expect(later.body).toMatchObject({ status: 'duplicate' });
    expect(later.body.reason).toContain(`Already done in run ${parked.id}`);
  });

  it('a burst of deliveries reads the runs at rest once, not once per request; a run coming to rest is seen at once', async () => {
    const { engine, store } = server.conveyor;
    const scans = vi.spyOn(store, 'listRunsWithStatus');
    // The hook's look for events waiting in stopped runs (the other readers ask for other statuses).
    const hookScans = () => scans.mock.calls.filter(([statuses]) => statuses.includes('stopped') && statuses.includes('safe_stopped')).length;
    try {
      for (let i = 0; i < 10; i++) {
        const body = event(`evt_burst_${i}`);
        const answer = await post(body, signed(body));
        expect(answer.body.status).toBe('accepted');
        await engine.waitForRun(answer.body.id);
      }
      expect(hookScans()).toBeLessThanOrEqual(1);

      // A run that comes to rest with its event not begun is known to the next request, without waiting.
      const record = { eventId: 'evt_parked_burst', body: { id: 'evt_parked_burst' }, headers: {}, query: {}, hook: 'payments', receivedAt: new Date().toISOString() };
      const parked = await engine.startRun({ ...paymentFlow(), settings: { concurrency: 4, businessKey: 'eventId' } }, { input: { records: [record] } });
      await engine.pause(parked.id);
      await engine.waitForRun(parked.id);
      const body = event('evt_parked_burst');
      const resent = await post(body, signed(body));
      expect(resent.body).toMatchObject({ status: 'duplicate', runId: parked.id });
      // Resumed, it is no longer waiting: a resend is the ordinary replay of a done event.
      await engine.resume(parked.id);
      await engine.waitForRun(parked.id);
      const later = await post(body, signed(body));
      expect(later.body.reason).toContain(`Already done in run ${parked.id}`);
      expect(hookScans()).toBeLessThanOrEqual(3);
    } finally {
      scans.mockRestore();
    }
  });

  it('refuses a body over the hook\'s limit with 413 before running anything', async () => {
    const before = await runCount();
    const big = JSON.stringify({ id: 'evt_big', pad: 'x'.repeat(5 * 1024) });
    const answer = await post(big, signed(big));
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('E_HOOK_BODY_TOO_LARGE');
    expect(await runCount()).toBe(before);
  });

  it('refuses a signed body that is not JSON, or has no event id, with a coded 400', async () => {
    const before = await runCount();
    const broken = '{"id": "evt_broken",';
    expect((await post(broken, signed(broken))).body.error.code).toBe('E_HOOK_BODY_INVALID');
    // The parser's own message quoted the bytes around the error (a card number, a token) into the
    // answer and the server log: only where it breaks is said.
    const quoted = '{"id": "evt_quoted", "token": tok_live_S3CRET}';
    const refused = await post(quoted, signed(quoted));
    expect([refused.status, refused.body.error.code]).toEqual([400, 'E_HOOK_BODY_INVALID']);
    expect(JSON.stringify(refused.body)).not.toContain('tok_live');
    expect(warnings.join('\n')).toContain('E_HOOK_BODY_INVALID');
    expect(warnings.join('\n')).not.toContain('tok_live');
    const noId = JSON.stringify({ type: 'payment.succeeded' });
    const answer = await post(noId, signed(noId));
    expect([answer.status, answer.body.error.code]).toEqual([400, 'E_HOOK_EVENT_ID_MISSING']);
    expect(await runCount()).toBe(before);
  });

  it('a form body is read in the charset it names (Windows-1252 letters arrive as sent); an unknown charset is refused with 415 and never runs', async () => {
    const form = 'id=evt_form_1252&name=M%FCller+%80';
    const answer = await post(form, { ...signed(form), 'content-type': 'application/x-www-form-urlencoded; charset=windows-1252' });
    expect(answer.status).toBe(202);
    expect(await server.conveyor.store.getRecord(answer.body.id as string, 0)).toMatchObject({ data: { body: { id: 'evt_form_1252', name: 'Müller €' } } });
    const before = await runCount();
    const odd = 'id=evt_form_odd&name=x';
    const refused = await post(odd, { ...signed(odd), 'content-type': 'application/x-www-form-urlencoded; charset=x-unknown' });
    expect([refused.status, refused.body.error.code]).toEqual([415, 'E_HOOK_CHARSET']);
    expect(await runCount()).toBe(before);
  });

  it('works with login on while /api still needs a session', async () => {
    expect((await fetch(`${server.url}/api/runs`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/flows/${FLOW_ID}`)).status).toBe(401);
    const body = event('evt_auth');
    expect((await post(body, signed(body))).status).toBe(202);
  });

  it('answers 404 for an unknown flow or hook name, a hook switched off or disabled; 405 for GET', async () => {
    const body = event('evt_404');
    const unknownFlow = await post(body, signed(body), '/hooks/flow_nope/payments');
    expect([unknownFlow.status, unknownFlow.body.error.code]).toEqual([404, 'E_HOOK_NOT_FOUND']);
    expect((await post(body, signed(body), `/hooks/${FLOW_ID}/other`)).status).toBe(404);
    expect((await post(body, signed(body), '/hooks/too/many/parts')).body.error.code).toBe('E_HOOK_NOT_FOUND');
    await server.conveyor.flows.import(paymentFlow({ active: false }, 'flow_off'), 'replace');
    expect((await post(body, signed(body), '/hooks/flow_off/payments')).status).toBe(404);
    const disabled = paymentFlow({}, 'flow_disabled');
    disabled.nodes[0].disabled = true;
    await server.conveyor.flows.import(disabled, 'replace');
    expect((await post(body, signed(body), '/hooks/flow_disabled/payments')).status).toBe(404);
    const get = await fetch(`${server.url}/hooks/${FLOW_ID}/payments`);
    expect(get.status).toBe(405);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe('E_HOOK_METHOD');
  });

  it('answers 503 when the trigger names no usable secret, and runs nothing', async () => {
    await server.conveyor.flows.import(paymentFlow({ secret: 'no-such-secret' }, 'flow_nosecret'), 'replace');
    const body = event('evt_503');
    const answer = await post(body, signed(body), '/hooks/flow_nosecret/payments');
    expect([answer.status, answer.body.error.code]).toEqual([503, 'E_HOOK_NOT_CONFIGURED']);
    expect(warnings.join('\n')).toContain('no-such-secret');
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_nosecret', limit: 10 })).length).toBe(0);
  });

  it('with "Check requests" = none, an unsigned request runs (tests on this computer only)', async () => {
    await server.conveyor.flows.import(paymentFlow({ verify: 'none', secret: '' }, 'flow_open'), 'replace');
    const body = event('evt_open');
    const answer = await post(body, {}, '/hooks/flow_open/payments');
    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'evt_open' } });
  });

  it('accepts the scheme under another header name when the trigger says so', async () => {
    await server.conveyor.flows.import(paymentFlow({ signatureHeader: 'Stripe-Signature' }, 'flow_stripe'), 'replace');
    const body = event('evt_stripe');
    const t = Math.floor(Date.now() / 1000);
    const answer = await post(body, { 'stripe-signature': `t=${t},v1=${computeSignature(SECRET, t, body)}` }, '/hooks/flow_stripe/payments');
    expect(answer.status).toBe(202);
    expect((await post(body, signed(body), '/hooks/flow_stripe/payments')).body.error.code).toBe('E_HOOK_SIGNATURE_MISSING');
  });

  it('"hmac": GitHub\'s and Shopify\'s signatures of the body run; another secret, a changed body or another scheme are refused', async () => {
    await server.conveyor.flows.import(paymentFlow({ verify: 'hmac', signatureHeader: 'X-Hub-Signature-256' }, 'flow_github'), 'replace');
    await server.conveyor.flows.import(paymentFlow({ verify: 'hmac', signatureHeader: 'X-Shopify-Hmac-Sha256' }, 'flow_shopify'), 'replace');
    const mac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body, 'utf8');
    const github = event('evt_github');
    const ok = await post(github, { 'x-hub-signature-256': `sha256=${mac(github).digest('hex')}` }, '/hooks/flow_github/payments');
    expect(ok).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'evt_github' } });
    const record = await server.conveyor.store.getRecord(ok.body.id as string, 0);
    expect(JSON.stringify(record)).not.toContain('x-hub-signature');
    const shopify = event('evt_shopify');
    expect((await post(shopify, { 'x-shopify-hmac-sha256': mac(shopify).digest('base64') }, '/hooks/flow_shopify/payments')).status).toBe(202);

    const before = (await server.conveyor.store.listRuns({ flowId: 'flow_github', limit: 10 })).length;
    const body = event('evt_github_bad');
    const refused = async (headers: Record<string, string>, sent = body) => {
      const answer = await post(sent, headers, '/hooks/flow_github/payments');
      return [answer.status, answer.body.error?.code];
    };
    expect(await refused({ 'x-hub-signature-256': `sha256=${mac(body, 'whsec_attacker_guess_000000').digest('hex')}` })).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    expect(await refused({ 'x-hub-signature-256': `sha256=${mac(body).digest('hex')}` }, body.replace('ada@', 'eve@'))).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    expect(await refused({ 'x-hub-signature-256': signatureHeader(SECRET, body) })).toEqual([400, 'E_HOOK_SIGNATURE_MALFORMED']);
    expect(await refused({})).toEqual([400, 'E_HOOK_SIGNATURE_MISSING']);
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_github', limit: 10 })).length).toBe(before);
    expect(warnings.join('\n')).not.toContain(SECRET);
  });

  it('"token": the secret in the header (as it is, or Bearer) runs; another or none is refused with 401, and the header never reaches the record', async () => {
    await server.conveyor.flows.import(paymentFlow({ verify: 'token', signatureHeader: 'X-Gitlab-Token' }, 'flow_gitlab'), 'replace');
    await server.conveyor.flows.import(paymentFlow({ verify: 'token', signatureHeader: 'Authorization' }, 'flow_bearer'), 'replace');
    const body = event('evt_gitlab');
    const ok = await post(body, { 'x-gitlab-token': SECRET }, '/hooks/flow_gitlab/payments');
    expect(ok.status).toBe(202);
    expect(JSON.stringify(await server.conveyor.store.getRecord(ok.body.id as string, 0))).not.toContain(SECRET);
    expect((await post(event('evt_bearer'), { authorization: `Bearer ${SECRET}` }, '/hooks/flow_bearer/payments')).status).toBe(202);

    const before = (await server.conveyor.store.listRuns({ flowId: 'flow_gitlab', limit: 10 })).length;
    const wrong = await post(event('evt_gitlab_bad'), { 'x-gitlab-token': `${SECRET}x` }, '/hooks/flow_gitlab/payments');
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'E_HOOK_TOKEN_INVALID']);
    const none = await post(event('evt_gitlab_none'), {}, '/hooks/flow_gitlab/payments');
    expect([none.status, none.body.error.code]).toEqual([401, 'E_HOOK_TOKEN_MISSING']);
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_gitlab', limit: 10 })).length).toBe(before);
    expect(warnings.join('\n')).not.toContain(SECRET);
  });

  it('"basic": the name and password of an address with name:password@ in it runs; a request without them is asked for them (401 with WWW-Authenticate, as Twilio expects), a wrong one refused and asked for again', async () => {
    await server.conveyor.vault.create({ name: 'basic-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: 'twilio:Pa55-w0rd:x' }, scope: { nodeTypes: ['webhook.trigger'] } });
    await server.conveyor.flows.import(paymentFlow({ verify: 'basic', secret: 'basic-secret' }, 'flow_basic'), 'replace');
    const auth = (pair: string) => ({ authorization: `Basic ${Buffer.from(pair).toString('base64')}` });
    const before = (await server.conveyor.store.listRuns({ flowId: 'flow_basic', limit: 10 })).length;
    // Twilio's first try carries no credentials: it sends them once told how (WWW-Authenticate).
    const asked = await fetch(`${server.url}/hooks/flow_basic/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event('evt_basic') });
    expect([asked.status, ((await asked.json()) as { error: { code: string } }).error.code]).toEqual([401, 'E_HOOK_AUTH_MISSING']);
    expect(asked.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    const wrong = await fetch(`${server.url}/hooks/flow_basic/payments`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth('twilio:Pa55-w0rd') }, body: event('evt_basic') });
    expect([wrong.status, ((await wrong.json()) as { error: { code: string } }).error.code]).toEqual([401, 'E_HOOK_AUTH_INVALID']);
    // A wrong pair is asked for again, as a missing one: a sender that retries only when challenged (Twilio) then sends the right one.
    expect(wrong.headers.get('www-authenticate')).toBe(asked.headers.get('www-authenticate'));
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_basic', limit: 10 })).length).toBe(before);

    const ok = await post(event('evt_basic'), auth('twilio:Pa55-w0rd:x'), '/hooks/flow_basic/payments');
    expect(ok.status).toBe(202);
    const summary = await server.conveyor.engine.waitForRun(ok.body.id as string);
    expect(summary).toMatchObject({ status: 'completed', counts: { success: 1 } });
    const record = JSON.stringify(await server.conveyor.store.getRecord(ok.body.id as string, 0));
    expect(record).toContain('evt_basic');
    expect(record).not.toContain(Buffer.from('twilio:Pa55-w0rd:x').toString('base64'));
    expect(warnings.join('\n')).not.toContain('Pa55-w0rd');
  });

  it('"slack": Slack\'s URL check is answered with its challenge and runs nothing; a signed event runs once by its event_id', async () => {
    await server.conveyor.flows.import(paymentFlow({ verify: 'slack', eventIdPath: 'event_id' }, 'flow_slack'), 'replace');
    const slackSigned = (body: string, secret = SECRET) => {
      const t = Math.floor(Date.now() / 1000);
      return { 'x-slack-request-timestamp': String(t), 'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${t}:${body}`).digest('hex')}` };
    };
    const check = JSON.stringify({ token: 'x', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    expect(await post(check, slackSigned(check), '/hooks/flow_slack/payments')).toEqual({ status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } });
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_slack', limit: 10 })).length).toBe(0);
    // An unsigned URL check is refused like anything else.
    expect((await post(check, {}, '/hooks/flow_slack/payments')).body.error.code).toBe('E_HOOK_SIGNATURE_MISSING');

    const event = JSON.stringify({ type: 'event_callback', event_id: 'Ev0PV52K25', event: { type: 'message', text: 'hello' }, data: { email: 'ada@example.com' } });
    const first = await post(event, slackSigned(event), '/hooks/flow_slack/payments');
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'Ev0PV52K25' } });
    const record = await server.conveyor.store.getRecord(first.body.id as string, 0);
    expect(Object.keys(record!.data.headers as object)).not.toContain('x-slack-signature');
    await server.conveyor.engine.waitForRun(first.body.id);
    // Slack retries a delivery it thinks failed: the same event_id is a duplicate.
    expect((await post(event, slackSigned(event), '/hooks/flow_slack/payments')).body.status).toBe('duplicate');
    expect((await post(event, slackSigned(event, 'whsec_attacker_guess_000000'), '/hooks/flow_slack/payments')).body.error.code).toBe('E_HOOK_SIGNATURE_INVALID');
  });

  it('Meta\'s subscription check: a GET with the verify token is answered with its challenge, any other is refused; events are POSTed with the app secret\'s HMAC', async () => {
    await server.conveyor.flows.import(paymentFlow({ verify: 'hmac', signatureHeader: 'X-Hub-Signature-256', subscribeToken: 'meta-verify-7731' }, 'flow_meta'), 'replace');
    await server.conveyor.flows.import(paymentFlow({ verify: 'hmac', signatureHeader: 'X-Hub-Signature-256' }, 'flow_meta_off'), 'replace');
    const check = (flow: string, token: string) => fetch(`${server.url}/hooks/${flow}/payments?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`);
    const ok = await check('flow_meta', 'meta-verify-7731');
    // The challenge is the caller's text echoed: plain text a browser must not sniff into a page.
    expect([ok.status, ok.headers.get('content-type'), ok.headers.get('x-content-type-options'), await ok.text()]).toEqual([200, 'text/plain; charset=utf-8', 'nosniff', '1158201444']);
    for (const [flow, token] of [['flow_meta', 'meta-verify-7732'], ['flow_meta_off', 'meta-verify-7731'], ['flow_meta_off', '']]) {
      const refused = await check(flow, token);
      expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code], `${flow} ${token}`).toEqual([403, 'E_HOOK_SUBSCRIBE_REFUSED']);
    }
    expect((await fetch(`${server.url}/hooks/no_such_flow/payments?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x`)).status).toBe(404);
    expect((await server.conveyor.store.listRuns({ flowId: 'flow_meta', limit: 10 })).length).toBe(0);
    expect(warnings.join('\n')).not.toContain('meta-verify-7731');
    const body = event('evt_meta');
    const posted = await post(body, { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` }, '/hooks/flow_meta/payments');
    expect(posted.status).toBe(202);
  });

  it('Answer = result: the answer waits for the record and holds its output, or how it ended and why; past the wait it is 202 and the run goes on', async () => {
    const flow = (id: string, step: Record<string, unknown>, params: Record<string, unknown> = {}): FlowDocument => {
      const doc = paymentFlow({ verify: 'none', secret: '', respond: 'result', respondTimeoutMs: 10_000, ...params }, id);
      return { ...doc, nodes: [doc.nodes[0], { id: 'step', position: { x: 200, y: 0 }, ...step } as FlowDocument['nodes'][number]], edges: [{ id: 'e1', source: 'hook', sourcePort: 'out', target: 'step', targetPort: 'in' }] };
    };
    await server.conveyor.flows.import(flow('flow_answer', { type: 'core.set-fields', params: { fields: [{ name: 'greeting', value: '"Hello " & body.data.email' }], keepOtherFields: false } }), 'replace');
    await server.conveyor.flows.import(flow('flow_answer_review', { type: 'core.end', params: { status: 'needs_review', reason: 'Amount {{ body.data.amount }} is above the limit' } }), 'replace');
    await server.conveyor.flows.import(flow('flow_answer_slow', { type: 'core.delay', params: { ms: 1_500 } }, { respondTimeoutMs: 200 }), 'replace');
    const ok = await post(event('evt_answer'), {}, '/hooks/flow_answer/payments');
    expect(ok).toEqual({ status: 200, body: { id: ok.body.id, runId: ok.body.id, eventId: 'evt_answer', status: 'success', output: { greeting: 'Hello ada@example.com' } } });
    const review = await post(event('evt_answer_review'), {}, '/hooks/flow_answer_review/payments');
    expect(review).toMatchObject({ status: 200, body: { status: 'needs_review', reason: 'Amount 4900 is above the limit' } });
    const slow = await post(event('evt_answer_slow'), {}, '/hooks/flow_answer_slow/payments');
    expect(slow).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'evt_answer_slow' } });
    expect((await server.conveyor.engine.waitForRun(slow.body.id)).counts.success).toBe(1);
    // A resend of an answered event is a duplicate, as with accepted.
    expect((await post(event('evt_answer'), {}, '/hooks/flow_answer/payments')).body.status).toBe('duplicate');
  });

  it('"standard": Standard Webhooks (whsec_ secret, webhook-id as the event id with header:webhook-id) run once; a forged one is refused', async () => {
    const key = Buffer.from('standard-webhooks-key-0123456789');
    const whsec = `whsec_${key.toString('base64')}`;
    await server.conveyor.vault.create({ name: 'std-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: whsec }, scope: { nodeTypes: ['webhook.trigger'] } });
    await server.conveyor.flows.import(paymentFlow({ verify: 'standard', secret: 'std-secret', eventIdPath: 'header:webhook-id' }, 'flow_std'), 'replace');
    const body = JSON.stringify({ type: 'email.delivered', data: { email: 'ada@example.com' } });
    const stdSigned = (id: string, signingKey = key) => {
      const t = Math.floor(Date.now() / 1000);
      return { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': `v1,${createHmac('sha256', signingKey).update(`${id}.${t}.${body}`).digest('base64')}` };
    };
    const first = await post(body, stdSigned('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'), '/hooks/flow_std/payments');
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' } });
    await server.conveyor.engine.waitForRun(first.body.id);
    expect((await post(body, stdSigned('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'), '/hooks/flow_std/payments')).body.status).toBe('duplicate');
    const forged = await post(body, stdSigned('msg_forged', Buffer.from('another-key-00000000000000000000')), '/hooks/flow_std/payments');
    expect([forged.status, forged.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    expect(warnings.join('\n')).not.toContain(whsec);
  });

  it('"twilio": a form Twilio signed for the hook\'s address (X-Twilio-Signature, the Auth Token as secret) runs once per MessageSid; another address or token is refused', async () => {
    await server.conveyor.vault.create({ name: 'twilio-token', kind: 'webhook_secret', fields: {}, secrets: { secret: 'twilio-auth-token-0123' }, scope: { nodeTypes: ['webhook.trigger'] } });
    await server.conveyor.flows.import(paymentFlow({ verify: 'twilio', secret: 'twilio-token', eventIdPath: 'MessageSid' }, 'flow_twilio'), 'replace');
    const hookPath = '/hooks/flow_twilio/payments?source=sms';
    const fields: Array<[string, string]> = [['MessageSid', 'SM0123456789abcdef'], ['From', '+14155550100'], ['To', '+14155550199'], ['Body', 'Hello & welcome, café ☕']];
    const body = new URLSearchParams(fields).toString();
    // What Twilio signs: the address it was given, then each field's name and value, names sorted.
    const twilioSigned = (address: string, token = 'twilio-auth-token-0123') => {
      const text = [...fields].sort(([a], [b]) => (a < b ? -1 : 1)).reduce((t, [k, v]) => t + k + v, address);
      return { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': createHmac('sha1', token).update(text).digest('base64') };
    };
    const first = await post(body, twilioSigned(`${server.url}${hookPath}`), hookPath);
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'SM0123456789abcdef' } });
    await server.conveyor.engine.waitForRun(first.body.id);
    const record = await server.conveyor.store.getRecord(first.body.id, 0);
    expect(record?.data).toMatchObject({ body: { Body: 'Hello & welcome, café ☕', From: '+14155550100' } });
    expect(JSON.stringify(record?.data)).not.toMatch(/x-twilio-signature/i);
    // Sent again (Twilio retries; no time is signed): skipped by its MessageSid.
    expect((await post(body, twilioSigned(`${server.url}${hookPath}`), hookPath)).body.status).toBe('duplicate');
    // Signed for the https address a tunnel (ngrok) forwards as http to the same host: its signature holds too.
    expect((await post(body, twilioSigned(`${server.url.replace(/^http:/, 'https:')}${hookPath}`), hookPath)).body.status).toBe('duplicate');
    // Signed for another address (another hook, another host) or with another token: refused, and said why.
    const elsewhere = await post(body, twilioSigned(`https://other.example${hookPath}`), hookPath);
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    expect(elsewhere.body.error.message).toContain(`${server.url}${hookPath}`);
    expect(elsewhere.body.error.hint).toContain('CONVEYOR_PUBLIC_URL');
    const forged = await post(body, twilioSigned(`${server.url}${hookPath}`, 'another-token'), hookPath);
    expect([forged.status, forged.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_INVALID']);
    const unsigned = await post(body, { 'content-type': 'application/x-www-form-urlencoded' }, hookPath);
    expect([unsigned.status, unsigned.body.error.code]).toEqual([400, 'E_HOOK_SIGNATURE_MISSING']);
    expect(warnings.join('\n')).not.toContain('twilio-auth-token-0123');

    // Behind a proxy: CONVEYOR_PUBLIC_URL is the address Twilio was given, and the only one checked.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-hooks-public-'));
    process.env.CONVEYOR_PUBLIC_URL = 'https://studio.example.com/conveyor';
    let proxied: RunningServer;
    try {
      proxied = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client') });
    } finally {
      delete process.env.CONVEYOR_PUBLIC_URL;
    }
    try {
      await proxied.conveyor.vault.create({ name: 'twilio-token', kind: 'webhook_secret', fields: {}, secrets: { secret: 'twilio-auth-token-0123' }, scope: { nodeTypes: ['webhook.trigger'] } });
      await proxied.conveyor.flows.import(paymentFlow({ verify: 'twilio', secret: 'twilio-token', eventIdPath: 'MessageSid' }, 'flow_twilio'), 'replace');
      const send = (headers: Record<string, string>) => fetch(proxied.url + hookPath, { method: 'POST', headers, body });
      expect((await send(twilioSigned(`https://studio.example.com/conveyor${hookPath}`))).status).toBe(202);
      const local = await send(twilioSigned(`${proxied.url}${hookPath}`));
      expect(local.status).toBe(400);
      expect(((await local.json()) as { error: { message: string } }).error.message).toContain(`https://studio.example.com/conveyor${hookPath}`);
    } finally {
      await proxied.close();
    }
  });
});
