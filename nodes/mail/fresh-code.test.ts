import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImapFlow } from 'imapflow';
import { waitForCode } from './wait-for-code.ts';
import { markMailbox } from './mark-mailbox.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import { Resources } from '../sdk/resources.ts';
import type { RecordData } from '../sdk/types.ts';
import { rfc822, startDovecot, type Dovecot } from '../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, DEMO_SENDER, createSignupSite, listenSignupSite, type SignupSite } from '../../demo/signup-site.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Issue 10, point 8: a site that mails a code at an earlier step, about a second before the code is
// requested. The mailbox mark (taken just before the request) and the server's arrival order must
// give the fresh code to every row, whatever the site's, the mail server's and Conveyor's clocks say.
// Real Dovecot, the real demo site over HTTP; no skipping if Dovecot cannot start.
let dovecot: Dovecot;
let site: SignupSite;
let server: { url: string; close(): Promise<void> };
let counter = 0;
const SERVER_CLOCK_BEHIND_MS = 20 * 60_000;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  // The site's mail server runs 20 minutes slow: the fresh code's arrival time is "older" than the stale one's.
  const slowServer: Dovecot = { ...dovecot, deliver: (user, text, opts) => dovecot.deliver(user, text, { ...opts, internalDate: new Date(Date.now() - SERVER_CLOCK_BEHIND_MS) }) };
  site = createSignupSite({ dovecot: slowServer, seed: 'fresh-code', faults: { lateMailMs: 1_200 } });
  server = await listenSignupSite(site, 0);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await dovecot?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const credentials = () =>
  fakeCredentials([{ name: 'demo-mailbox', kind: 'imap', fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL }, secrets: { password: DEMO_PASSWORD } }]);

function step<T extends typeof markMailbox | typeof waitForCode>(def: T, params: Record<string, unknown>, input: RecordData, run: Resources) {
  return runNode(def, { credential: 'demo-mailbox', ...params }, input, { credentials: credentials(), resources: { run, record: new Resources() } });
}

/** The template's wait (flows/signup-with-email-code.json). */
const WAIT = { recipient: '{{ email }}', senders: ['@demo.conveyor.local'], pattern: 'code: (\\d{6})', pollMs: 200, timeoutMs: 20_000 };

/** What the site mailed at an earlier step: same sender, same wording, a code it will not take now. */
async function staleCode(email: string, code: string, folder = 'INBOX', at = new Date(Date.now() + 10 * 60_000)): Promise<void> {
  // Its Date header and arrival time claim the future (the site's and the server's clocks run fast).
  const text = `Hello,\n\nYour one-time code: ${code}\n\nIt confirms your email at the Conveyor demo site.\n`;
  await dovecot.deliver(CATCH_ALL, rfc822({ from: `Demo signup <${DEMO_SENDER}>`, to: email, subject: 'Your code', text, date: at }), { internalDate: at, mailbox: folder });
}

async function signUp(email: string): Promise<void> {
  const res = await fetch(`${server.url}/signup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ first_name: 'Fresh', last_name: 'Code', email }) });
  expect(res.status).toBe(303);
}

async function confirm(email: string, code: string): Promise<boolean> {
  const res = await fetch(`${server.url}/confirm`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, code }) });
  return res.status === 303 && (res.headers.get('location') ?? '').startsWith('/welcome');
}

/** One row as the template runs it: (earlier mail) → mark → "Sign up" → wait → confirm. */
async function row(run: Resources, i: number): Promise<{ email: string; code: string; stale: string }> {
  const email = `fresh${++counter}-${i}@example.com`;
  const stale = String(100_000 + i * 1111);
  await staleCode(email, stale);
  await new Promise((r) => setTimeout(r, 1_000)); // the earlier step, about a second before the request
  // What the template's $now() stamp would hold with Conveyor's clock skewed: it must not matter.
  const marked = await step(markMailbox, {}, { email, codeRequestedAt: new Date().toISOString() }, run);
  const record = marked.result.emit[0].data;
  expect(record.mailMark).toMatchObject({ account: `${CATCH_ALL}@${dovecot.host}:${dovecot.port}`, mailbox: 'INBOX', uidNext: expect.any(Number) });
  await signUp(email); // the fresh code lands 1.2 s later: the stale one is all there is at first
  const waited = await step(waitForCode, WAIT, record, run);
  return { email, code: String(waited.result.emit[0].data.code), stale };
}

describe('mail.wait-for-code after a mailbox mark: the fresh code, never the earlier one', () => {
  it('every row gets the fresh code although the stale one came first and the clocks all disagree', { timeout: 90_000 }, async () => {
    // Conveyor's clock runs an hour slow (its $now() stamps and its idea of "recent" are all off).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3_600_000, shouldAdvanceTime: true });
    const run = new Resources(); // one run: the rows share the mailbox, as in the template
    try {
      const rows = await Promise.all([0, 1, 2, 3].map((i) => row(run, i)));
      vi.useRealTimers();
      for (const r of rows) {
        expect(r.code, r.email).not.toBe(r.stale);
        expect(await confirm(r.email, r.code), `${r.email} took ${r.code}`).toBe(true);
      }
      const stats = (await (await fetch(`${server.url}/api/stats`)).json()) as { signups: Record<string, number> };
      for (const r of rows) expect(stats.signups[r.email]).toBe(1);
    } finally {
      await run.closeAll();
    }
  });

  it('a renumbered folder (UIDVALIDITY changed) still tells older mail by the server’s arrival time', { timeout: 60_000 }, async () => {
    const folder = `Codes${++counter}`;
    const email = `renumbered${counter}@example.com`;
    const admin = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: CATCH_ALL, pass: DEMO_PASSWORD }, logger: false });
    await admin.connect();
    const run = new Resources();
    try {
      await admin.mailboxCreate(folder);
      const before = new Date(Date.now() - 60_000);
      await staleCode(email, '111111', folder, before);
      const marked = await step(markMailbox, { mailbox: folder }, { email }, run);
      const record = marked.result.emit[0].data;
      expect(record.mailMark).toMatchObject({ lastArrival: before.toISOString().replace(/\.\d+Z$/, '.000Z') });
      // The folder is rebuilt: new numbering. The fresh code lands, then the old mail is put back
      // (a restore) with its old arrival time — so it now has the higher number.
      await admin.mailboxDelete(folder);
      await admin.mailboxCreate(folder);
      await staleCode(email, '222222', folder, new Date(before.getTime() + 5_000)); // the fresh one
      await staleCode(email, '111111', folder, before);
      const waited = await step(waitForCode, { ...WAIT, mailbox: folder, pattern: 'code: (\\d{6})' }, record, run);
      expect(waited.result.emit[0].data.code).toBe('222222');
      expect(waited.ctx.logs.some((l) => l.level === 'warn' && /renumbered/.test(l.message))).toBe(true);
    } finally {
      await run.closeAll();
      await admin.logout().catch(() => admin.close());
    }
  });

  it('refuses a mark from another mailbox, or a field that is not a mark, before reading any mail', { timeout: 30_000 }, async () => {
    const run = new Resources();
    const email = `mismatch${++counter}@example.com`;
    const marked = await step(markMailbox, {}, { email }, run);
    const record = marked.result.emit[0].data;
    const other = await failureOf(() => step(waitForCode, { ...WAIT, mailbox: 'Archive' }, record, run));
    expect(other).toMatchObject({ code: 'E_MAIL_MARK_MISMATCH' });
    expect(other.message).toContain('folder INBOX');
    expect(other.hint).toMatch(/same credential and folder/);
    const bad = await failureOf(() => step(waitForCode, WAIT, { ...record, mailMark: 'yesterday' }, run));
    expect(bad).toMatchObject({ code: 'E_MAIL_MARK_INVALID' });
    expect(bad.hint).toMatch(/Mark the mailbox/);
    await run.closeAll();
  });
});
