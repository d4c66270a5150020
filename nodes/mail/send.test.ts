import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMail } from './send.ts';
import { waitForCode } from './wait-for-code.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import { Resources } from '../sdk/resources.ts';
import { startDovecot, type Dovecot } from '../../tests/support/mail/dovecot.ts';
import { startSmtpRelay, type SmtpRelay } from '../../tests/support/mail/smtp.ts';
import { networkPolicy } from '../sdk/network.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Real Dovecot + a local SMTP server that delivers every accepted message into Dovecot.
let dovecot: Dovecot;
let smtp: SmtpRelay;
const INBOX = { name: 'catchall@example.test', password: 'catchall-pw-123' };
const SMTP_LOGIN = { user: 'mailer@shop.example', password: 'smtp-pw-456' };
let failNext: number | null = null;
/** While set, the relay holds each message until it resolves (a slow server). */
let hold: Promise<void> | null = null;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [INBOX] });
  smtp = await startSmtpRelay({
    ...SMTP_LOGIN,
    async deliver(raw) {
      if (failNext !== null) {
        const code = failNext;
        failNext = null;
        throw Object.assign(new Error('Mailbox busy, try later'), { responseCode: code });
      }
      if (hold) await hold;
      await dovecot.deliver(INBOX.name, raw);
    },
  });
}, 30_000);
afterAll(async () => {
  await smtp?.stop();
  await dovecot?.stop();
});

function credentials(smtpPassword = SMTP_LOGIN.password) {
  return fakeCredentials([
    { name: 'mailer', kind: 'smtp', fields: { host: smtp.host, port: smtp.port, secure: false, user: SMTP_LOGIN.user }, secrets: { password: smtpPassword } },
    { name: 'inbox', kind: 'imap', fields: { host: dovecot.host, port: dovecot.port, secure: false, user: INBOX.name }, secrets: { password: INBOX.password } },
  ]);
}

const SEND = {
  credential: 'mailer',
  from: 'Shop <no-reply@shop.example>',
  to: '{{ email }}',
  subject: 'Your code for {{ name }}',
  text: 'Hello {{ name }}, your code is {{ code }}.',
  html: '<p>Hello {{ name }}, your code is <b>{{ code }}</b>.</p>',
};

describe('mail.send (local SMTP server → real Dovecot)', () => {
  it('sends a mail that arrives in Dovecot, where wait-for-code finds its code', async () => {
    const email = `buyer-${Date.now()}@example.test`;
    const requestedAt = new Date().toISOString();
    const creds = credentials();
    const sent = await runNode(sendMail, SEND, { email, name: 'Ann', code: '918273' }, { credentials: creds });
    const data = sent.result.emit[0].data;
    expect(data).toMatchObject({ email, name: 'Ann', code: '918273' });
    expect(data.messageId).toMatch(/^<.+@.+>$/);
    expect(smtp.received.at(-1)).toMatchObject({ from: 'no-reply@shop.example', to: [email] });
    expect(smtp.received.at(-1)!.raw).toContain('Subject: Your code for Ann');
    expect(sent.ctx.logs.map((l) => l.message).join('\n')).not.toContain(SMTP_LOGIN.password);

    const { result } = await runNode(
      waitForCode,
      { credential: 'inbox', senders: ['@shop.example'], field: 'otp', timeoutMs: 10_000 },
      { email, codeRequestedAt: requestedAt },
      { credentials: creds, resources: { run: new Resources(), record: new Resources() } },
    );
    expect(result.emit[0].data.otp).toBe('918273');
  });

  it('the mails of a run go through a few reused connections: 12 records at once, each mail sent once, 5 sign-ins at most (not 12)', async () => {
    // A sign-in per mail: providers count them (Gmail "454 4.7.0 Too many login attempts").
    const run = new Resources();
    const before = { logins: smtp.logins, received: smtp.received.length };
    try {
      const emails = Array.from({ length: 12 }, (_, i) => `pooled-${i}-${Date.now()}@example.test`);
      const sent = await Promise.all(emails.map((email, i) => runNode(sendMail, SEND, { email, name: `P${i}`, code: String(100000 + i) }, { credentials: credentials(), resources: { run, record: new Resources() } })));
      expect(sent.map(({ result }) => result.emit[0].data.email)).toEqual(emails);
      expect(smtp.received.slice(before.received).map((m) => m.to[0]).sort()).toEqual([...emails].sort());
      expect(smtp.logins - before.logins).toBeGreaterThan(0);
      expect(smtp.logins - before.logins).toBeLessThanOrEqual(5);
      // The next record's mail, a moment later, takes a connection already open.
      const logins = smtp.logins;
      await runNode(sendMail, SEND, { email: `pooled-late-${Date.now()}@example.test`, name: 'Late', code: '1' }, { credentials: credentials(), resources: { run, record: new Resources() } });
      expect(smtp.logins).toBe(logins);
    } finally {
      await run.closeAll();
    }
  });

  it('a record stopped while its mail waits for a connection of the run: that mail is not sent; the others are, once each', async () => {
    const run = new Resources();
    const before = smtp.received.length;
    let release = (): void => undefined;
    hold = new Promise((r) => (release = r));
    try {
      const emails = Array.from({ length: 7 }, (_, i) => `queued-${i}-${Date.now()}@example.test`);
      const stops = emails.map(() => new AbortController());
      const sends = emails.map((email, i) =>
        runNode(sendMail, SEND, { email, name: `Q${i}`, code: '1' }, { credentials: credentials(), resources: { run, record: new Resources() }, signal: stops[i].signal }).then(
          () => 'sent',
          (err: Error) => err.name,
        ),
      );
      // Five connections deliver (held by the server); the last two wait in the queue.
      await expect.poll(() => smtp.received.length - before, { timeout: 10_000 }).toBe(5);
      stops[6].abort();
      hold = null;
      release();
      expect(await Promise.all(sends)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'AbortError']);
      expect(smtp.received.slice(before).map((m) => m.to[0]).sort()).toEqual(emails.slice(0, 6).sort());
    } finally {
      hold = null;
      release();
      await run.closeAll();
    }
  });

  it('cc and several recipients; the one in Cc finds the code too', async () => {
    const to = `a-${Date.now()}@example.test, b-${Date.now()}@example.test`;
    const cc = `c-${Date.now()}@example.test`;
    const sent = await runNode(sendMail, { ...SEND, to, cc }, { name: 'Bo', code: '445566' }, { credentials: credentials() });
    expect(sent.result.emit[0].data.messageId).toBeTruthy();
    expect(smtp.received.at(-1)!.to.sort()).toEqual([...to.split(', '), cc].sort());
    const { result } = await runNode(
      waitForCode,
      { credential: 'inbox', senders: ['no-reply@shop.example'], timeoutMs: 10_000, recipient: cc },
      {},
      { credentials: credentials(), resources: { run: new Resources(), record: new Resources() } },
    );
    expect(result.emit[0].data.code).toBe('445566');
  });

  it('a display name with a comma (a company, "Last, First") is one recipient, not two pieces refused; several addresses still split', async () => {
    const email = `acme-${Date.now()}@example.test`;
    const other = `ops-${Date.now()}@example.test`;
    // It failed E_MAIL_RECIPIENT_INVALID: 'To holds "\\"Acme", which is not an email address'.
    const sent = await runNode(sendMail, { ...SEND, to: `"{{ company }}" <{{ email }}>; Doe, Jane <${other}>` }, { email, company: 'Acme, Inc.', name: 'Acme', code: '661204' }, { credentials: credentials() });
    expect(sent.result.emit[0].port).toBe('out');
    expect(smtp.received.at(-1)!.to.sort()).toEqual([email, other].sort());
    expect(smtp.received.at(-1)!.raw).toMatch(/^To: "Acme, Inc\." <acme-\d+@example\.test>, "Doe, Jane"\s+<ops-\d+@example\.test>\r?$/m);
    const { result } = await runNode(
      waitForCode,
      { credential: 'inbox', senders: ['no-reply@shop.example'], timeoutMs: 10_000 },
      { email },
      { credentials: credentials(), resources: { run: new Resources(), record: new Resources() } },
    );
    expect(result.emit[0].data.code).toBe('661204');
  });

  it('a 4xx refusal is a transient E_SMTP_SEND; a bad login is not transient', async () => {
    failNext = 451;
    const busy = await failureOf(() => runNode(sendMail, SEND, { email: 'x@example.test', name: 'X', code: '1' }, { credentials: credentials() }));
    expect(busy).toMatchObject({ code: 'E_SMTP_SEND', transient: true });

    const denied = await failureOf(() => runNode(sendMail, SEND, { email: 'x@example.test', name: 'X', code: '1' }, { credentials: credentials('wrong-pass') }));
    expect(denied).toMatchObject({ code: 'E_SMTP_SEND', transient: false });
    expect(denied.message).not.toContain('wrong-pass');
  });

  it('a server that is not there is a transient E_SMTP_SEND', async () => {
    const creds = fakeCredentials([{ name: 'mailer', kind: 'smtp', fields: { host: '127.0.0.1', port: 1, secure: false, user: 'u' }, secrets: { password: 'pass' } }]);
    const err = await failureOf(() => runNode(sendMail, { ...SEND, timeoutMs: 2_000 }, { email: 'x@example.test', name: 'X', code: '1' }, { credentials: creds }));
    expect(err).toMatchObject({ code: 'E_SMTP_SEND', transient: true });
  });

  it('connects only to a mail server the network policy allows: a local one not allowed is refused with E_NETWORK_BLOCKED, nothing sent', async () => {
    const before = smtp.received.length;
    const record = { email: 'x@example.test', name: 'X', code: '1' };
    // The flow's policy without any allowance (nor the administrator's): 127.0.0.1 is this computer.
    const err = await failureOf(() => runNode(sendMail, SEND, record, { credentials: credentials(), network: networkPolicy([], {}) }));
    expect(err).toMatchObject({ code: 'E_NETWORK_BLOCKED', transient: false });
    expect(err.message).toContain(`127.0.0.1 port ${smtp.port} was refused`);
    expect(smtp.received).toHaveLength(before);
    // The flow's Allowed hosts naming the server: sent.
    const { result } = await runNode(sendMail, SEND, record, { credentials: credentials(), network: networkPolicy([`127.0.0.1:${smtp.port}`], {}) });
    expect(result.emit[0].port).toBe('out');
    expect(smtp.received).toHaveLength(before + 1);
  });

  it('refuses an invalid recipient before connecting', async () => {
    const err = await failureOf(() => runNode(sendMail, SEND, { email: 'not an address', name: 'X' }, { credentials: credentials() }));
    expect(err).toMatchObject({ code: 'E_MAIL_RECIPIENT_INVALID' });
    expect(sendMail.effect).toBe('unsafe');
  });
});
