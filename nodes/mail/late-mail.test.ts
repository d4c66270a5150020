import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForCode } from './wait-for-code.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import type { RecordData } from '../sdk/types.ts';
import { startDovecot, type Dovecot } from '../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite, type SignupSite } from '../../demo/signup-site.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// The demo signup site's "late mail" fault against mail.wait-for-code: a real Dovecot, the real site
// over HTTP. If Dovecot cannot start, these tests fail with the harness's message (no skipping).
let dovecot: Dovecot;
let site: SignupSite;
let server: { url: string; close(): Promise<void> };
let counter = 0;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  site = createSignupSite({ dovecot, seed: 'late-mail' });
  server = await listenSignupSite(site, 0);
}, 60_000);
afterAll(async () => {
  await server?.close(); // waits for the late deliveries still under way
  await dovecot?.stop();
});

const credentials = () =>
  fakeCredentials([{ name: 'demo-mailbox', kind: 'imap', fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL }, secrets: { password: DEMO_PASSWORD } }]);

/** The template's settings for the wait (flows/signup-with-email-code.json), with a given wait. */
function waitForTheCode(input: RecordData, timeoutMs: number) {
  return runNode(
    waitForCode,
    { credential: 'demo-mailbox', recipient: '{{ email }}', senders: ['@demo.conveyor.local'], pattern: 'code: (\\d{6})', pollMs: 300, timeoutMs },
    input,
    { credentials: credentials() },
  );
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${server.url}/api/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.ok).toBe(true);
}

/** Signs a fresh address up on the site (as the template's click does); returns the record so far. */
async function signUp(): Promise<{ email: string; first_name: string; codeRequestedAt: string }> {
  const email = `late${++counter}-${Date.now()}@example.com`;
  const codeRequestedAt = new Date().toISOString();
  const res = await fetch(`${server.url}/signup`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ first_name: 'Late', last_name: 'Mail', email }),
  });
  // The confirm page comes at once: the mail follows later.
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe(`/confirm?email=${encodeURIComponent(email)}`);
  return { email, first_name: 'Late', codeRequestedAt };
}

/** Types the code into the site's confirm form; true when the site welcomes the person. */
async function confirm(email: string, code: string): Promise<boolean> {
  const res = await fetch(`${server.url}/confirm`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, code }) });
  return res.status === 303 && (res.headers.get('location') ?? '').startsWith('/welcome');
}

describe("mail.wait-for-code against the demo site's late mail", () => {
  it('still gets the code when the mail arrives late but within the wait', { timeout: 90_000 }, async () => {
    await setFaults({ lateMailMs: 2_000 });
    const record = await signUp();
    const { result } = await waitForTheCode(record, 30_000);
    expect(result.emit).toHaveLength(1);
    const code = result.emit[0].data.code;
    expect(code).toMatch(/^\d{6}$/);
    // It is the right code: the site takes it and signs the address up, once.
    expect(await confirm(record.email, String(code))).toBe(true);
    const stats = (await (await fetch(`${server.url}/api/stats`)).json()) as { signups: Record<string, number> };
    expect(stats.signups[record.email]).toBe(1);
  });

  it('fails with E_MAIL_TIMEOUT (retryable) when the mail arrives after the wait, and a later wait gets it', { timeout: 90_000 }, async () => {
    await setFaults({ lateMailMs: 10_000 });
    const record = await signUp();
    const err = await failureOf(() => waitForTheCode(record, 1_500));
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT', transient: true });
    expect(err.message).toContain(record.email);
    expect(err.hint).toMatch(/retry|raise the wait/i);

    // The mail does come in the end: a retry of the step (what a step policy does) finds it.
    await site.idle();
    const { result } = await waitForTheCode(record, 30_000);
    const code = String(result.emit[0].data.code);
    expect(await confirm(record.email, code)).toBe(true);
    await setFaults({ lateMailMs: 0 });
  });
});
