import { describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { waitForCode, USED_KEYWORD } from './wait-for-code.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { networkPolicy } from '../sdk/network.ts';
import { Resources } from '../sdk/resources.ts';
import type { RecordData } from '../sdk/types.ts';
import { catchAllMailbox, rfc822, startDovecot } from '../../tests/support/mail/dovecot.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

const mailbox = catchAllMailbox();
const INBOX = mailbox.user;
const SENDER = mailbox.sender;
const address = () => mailbox.address();
const credentials = mailbox.credentials;

async function mail(to: string, text: string, at: Date = new Date(), from = SENDER, subject = 'Your code'): Promise<void> {
  await mailbox.deliver(rfc822({ from, to, subject, text, date: at }), { internalDate: at });
}

function wait(params: Record<string, unknown>, input: RecordData, extra: { run?: Resources; signal?: AbortSignal; password?: string } = {}) {
  return runNode(waitForCode, { credential: 'inbox', senders: [SENDER, '@bank.example'], timeoutMs: 10_000, pollMs: 300, ...params }, input, {
    credentials: credentials(extra.password),
    // A run scope shared by several records' waits is the test's to close; else runNode closes its own.
    ...(extra.run ? { resources: { run: extra.run, record: new Resources() } } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
}

const ago = (ms: number) => new Date(Date.now() - ms);

describe('mail.wait-for-code (real Dovecot)', () => {
  it("finds the newest code for the record's address, ignoring other recipients", async () => {
    const email = address();
    const requestedAt = ago(60_000).toISOString();
    await mail(email, 'Your code is 111111', ago(40_000));
    await mail(email, 'Your code is 222222', ago(20_000));
    await mail(address(), 'Your code is 333333', ago(5_000)); // someone else's, and newer
    const { result, ctx } = await wait({}, { email, codeRequestedAt: requestedAt, name: 'Ann' });
    expect(result.emit).toEqual([{ port: 'out', data: { email, codeRequestedAt: requestedAt, name: 'Ann', code: '222222' } }]);
    expect((ctx.credentials as ReturnType<typeof credentials>).requests[0]).toMatchObject({ name: 'inbox', kind: 'imap' });

    // The message is marked used in the mailbox: a later run (new run scope) gets the older code.
    const again = await wait({}, { email, codeRequestedAt: requestedAt });
    expect(again.result.emit[0].data.code).toBe('111111');
    const client = new ImapFlow({ host: mailbox.dovecot.host, port: mailbox.dovecot.port, secure: false, auth: { user: INBOX.name, pass: INBOX.password }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const used = await client.search({ keyword: USED_KEYWORD, seen: true, to: email });
      expect(used).toHaveLength(2);
    } finally {
      await client.logout();
    }
  });

  it('ignores mail received before the code was requested, even the same day', async () => {
    const email = address();
    const requestedAt = new Date();
    await mail(email, 'Old code 444444', new Date(requestedAt.getTime() - 10 * 60_000));
    const started = Date.now();
    const err = await failureOf(() => wait({ timeoutMs: 1_200 }, { email, codeRequestedAt: requestedAt.toISOString() }));
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT', transient: true });
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('without codeRequestedAt, counts mail from the look-back before the step started, not older', async () => {
    const email = address();
    await mail(email, 'Too old 121212', ago(120_000));
    await mail(email, 'Fresh 343434', ago(5_000));
    const { result } = await wait({ lookbackMs: 30_000 }, { email });
    expect(result.emit[0].data.code).toBe('343434');
  });

  it('rejects a sender that is not allowed when it is the only candidate (E_MAIL_SENDER_REJECTED)', async () => {
    const email = address();
    await mail(email, 'Your code is 555555', ago(1_000), 'phisher@evil.example');
    const err = await failureOf(() => wait({ timeoutMs: 1_200 }, { email, codeRequestedAt: ago(30_000).toISOString() }));
    expect(err).toMatchObject({ code: 'E_MAIL_SENDER_REJECTED', transient: false });
    expect(err.message).toContain('phisher@evil.example');
  });

  it('picks the allowed sender (address or @domain) over a newer message from another sender', async () => {
    const email = address();
    await mail(email, 'Your code is 565656', ago(3_000), 'alerts@bank.example');
    await mail(email, 'Your code is 575757', ago(1_000), 'phisher@evil.example');
    const { result } = await wait({}, { email, codeRequestedAt: ago(30_000).toISOString() });
    expect(result.emit[0].data.code).toBe('565656');
  });

  it('an @domain sender allows its subdomains, by whole labels only', async () => {
    const email = address();
    await mail(email, 'Your code is 585858', ago(3_000), 'no-reply@mail.bank.example');
    const { result } = await wait({}, { email, codeRequestedAt: ago(30_000).toISOString() });
    expect(result.emit[0].data.code).toBe('585858');
    for (const from of ['alerts@evilbank.example', 'alerts@bank.example.evil.net']) {
      const other = address();
      await mail(other, 'Your code is 595959', ago(1_000), from);
      const err = await failureOf(() => wait({ timeoutMs: 1_000 }, { email: other, codeRequestedAt: ago(30_000).toISOString() }));
      expect(err).toMatchObject({ code: 'E_MAIL_SENDER_REJECTED' });
    }
  });

  it('never returns the same code twice: two records, two messages', async () => {
    const email = address(); // both records use the same test address
    const requestedAt = ago(30_000).toISOString();
    await mail(email, 'Code 616161', ago(10_000));
    await mail(email, 'Code 626262', ago(5_000));
    const run = new Resources();
    const [a, b] = await Promise.all([
      wait({}, { email, codeRequestedAt: requestedAt, id: 1 }, { run }),
      wait({}, { email, codeRequestedAt: requestedAt, id: 2 }, { run }),
    ]);
    const codes = [a.result.emit[0].data.code, b.result.emit[0].data.code];
    expect(new Set(codes)).toEqual(new Set(['616161', '626262']));
    // A third record finds nothing left.
    const err = await failureOf(() => wait({ timeoutMs: 800 }, { email, codeRequestedAt: requestedAt }, { run }));
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT' });
    await run.closeAll();
  });

  it('waits for late mail and takes it as soon as it arrives (IDLE, long before the next poll)', async () => {
    const email = address();
    const requestedAt = new Date().toISOString();
    setTimeout(() => void mail(email, 'Here you go: 717171'), 1_000);
    const started = Date.now();
    const { result } = await wait({ pollMs: 10_000, timeoutMs: 15_000 }, { email, codeRequestedAt: requestedAt });
    expect(result.emit[0].data.code).toBe('717171');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out with E_MAIL_TIMEOUT (transient) within the bound', async () => {
    const email = address();
    const started = Date.now();
    const err = await failureOf(() => wait({ timeoutMs: 1_500 }, { email }));
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT', transient: true });
    expect(err.hint).toBeTruthy();
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('fails with E_MAIL_NO_CODE when the mail holds nothing matching the pattern', async () => {
    const email = address();
    await mail(email, 'Welcome aboard! No digits here.', ago(1_000));
    const err = await failureOf(() => wait({ timeoutMs: 1_000, pattern: 'code: ([A-Z]{6})' }, { email, codeRequestedAt: ago(20_000).toISOString() }));
    expect(err).toMatchObject({ code: 'E_MAIL_NO_CODE', transient: false });
    // The default pattern: a date, a phone number and an amount hold no code.
    const other = address();
    await mail(other, 'Booked for 2026-12-06 at 10:15. Call +1 415 555 0100. Total 1 234,56 €', ago(1_000));
    const none = await failureOf(() => wait({ timeoutMs: 1_000 }, { email: other, codeRequestedAt: ago(20_000).toISOString() }));
    expect(none).toMatchObject({ code: 'E_MAIL_NO_CODE' });
    expect(none.message).toContain('a piece of a date, phone number or amount is never taken');
  });

  it('an HTML-only mail (quoted-printable, ISO-8859-1, as newsletters tools send): the code is read from what the mail shows, not its title or comments', async () => {
    const email = address();
    const at = ago(1_000);
    const html = [
      '<!DOCTYPE html><html><head><title>Newsletter 20261206</title><style>td{width:600px}</style></head>',
      '<body><!-- template v20240315 --><table><tr><td>Votre code de v=E9rification&nbsp;:</td><td><b>48=',
      '3920</b></td></tr></table><p>=A9 2026</p></body></html>',
    ].join('\r\n');
    const raw = rfc822({ from: SENDER, to: email, subject: '=?ISO-8859-1?Q?V=E9rifiez_votre_adresse?=', date: at, contentType: 'text/html; charset=iso-8859-1', transferEncoding: 'quoted-printable', text: html });
    await mailbox.deliver(raw, { internalDate: at });
    const { result } = await wait({}, { email, codeRequestedAt: ago(20_000).toISOString() });
    expect(result.emit[0].data.code).toBe('483920');
  });

  it('a plain part that only says "view it in a browser": the code is read from the HTML part beside it', async () => {
    const email = address();
    const at = ago(1_000);
    const body = [
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This mail is best viewed in a browser.',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<html><body><p>Your code is <strong>730215</strong></p></body></html>').toString('base64'),
      '--b1--',
    ].join('\r\n');
    const raw = rfc822({ from: SENDER, to: email, subject: 'Confirm your address', date: at, contentType: 'multipart/alternative; boundary="b1"', text: body });
    await mailbox.deliver(raw, { internalDate: at });
    const { result } = await wait({}, { email, codeRequestedAt: ago(20_000).toISOString() });
    expect(result.emit[0].data.code).toBe('730215');
  });

  it('Take = link: the confirmation link of an HTML mail (quoted-printable, its unsubscribe and privacy links passed over), used once; a newsletter names none', async () => {
    const email = address();
    const at = ago(1_000);
    const link = 'https://shop.example/account/verify?token=Zx81-q&u=42';
    const body = [
      '--b9',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Welcome! Open the mail in a program that shows HTML to confirm your address.',
      '--b9',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      // Quoted-printable cuts long lines with "=" and writes "=" as =3D: the address must come out whole.
      `<p>Hi Ada,</p><p><a style=3D"background:#0a7" href=3D"https://shop.example/account/verify?token=3DZx81-q&amp;u=
=3D42">Confirm your email</a></p>`,
      '<p><a href=3D"https://shop.example/unsubscribe">Unsubscribe</a> <a href=3D"https://shop.example/privacy">Privacy</a></p>',
      '--b9--',
    ].join('\r\n');
    await mailbox.deliver(rfc822({ from: SENDER, to: email, subject: 'Confirm your address', date: at, contentType: 'multipart/alternative; boundary="b9"', text: body }), { internalDate: at });
    const { result, ctx } = await wait({ take: 'link', field: 'link' }, { email, codeRequestedAt: ago(20_000).toISOString() });
    expect(result.emit[0].data.link).toBe(link);
    expect(ctx.logs.map((l) => l.message).join('\n')).not.toContain('Zx81');
    // Used once: a second wait finds no other mail.
    const again = await failureOf(() => wait({ take: 'link', timeoutMs: 1_000 }, { email, codeRequestedAt: ago(20_000).toISOString() }));
    expect(again.code).toBe('E_MAIL_TIMEOUT');

    const other = address();
    const news = '<a href="https://shop.example/sale">Sale</a> <a href="https://shop.example/new">New in</a> <a href="https://shop.example/unsubscribe">Unsubscribe</a>';
    await mailbox.deliver(rfc822({ from: SENDER, to: other, subject: 'News', date: at, contentType: 'text/html; charset=utf-8', text: news }), { internalDate: at });
    const none = await failureOf(() => wait({ take: 'link', timeoutMs: 1_500 }, { email: other, codeRequestedAt: ago(20_000).toISOString() }));
    expect(none.code).toBe('E_MAIL_NO_LINK');
    expect(none.message).toContain('it links to: "Sale" https://shop.example/sale; "New in" https://shop.example/new.');
    // A link pattern names it.
    const picked = await wait({ take: 'link', linkPattern: '/new$' }, { email: other, codeRequestedAt: ago(20_000).toISOString() });
    expect(picked.result.emit[0].data.code).toBe('https://shop.example/new');
  });

  it('a code laid out a digit per table cell (and spaced out in the plain part) is the code, not the footer\'s year after it', async () => {
    const email = address();
    const at = ago(1_000);
    const cells = [6, 0, 4, 1, 7, 3].map((d) => `<td style="border:1px solid #ccc;padding:8px">${d}</td>`).join('\r\n');
    const body = [
      '--b2',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your verification code:',
      '6 0 4 1 7 3',
      '(c) 2026 Shop Ltd',
      '--b2',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<html><body><p>Your verification code:</p><table><tr>\r\n${cells}\r\n</tr></table><p>&copy; 2026 Shop Ltd</p></body></html>`,
      '--b2--',
    ].join('\r\n');
    await mailbox.deliver(rfc822({ from: SENDER, to: email, subject: 'Your code', date: at, contentType: 'multipart/alternative; boundary="b2"', text: body }), { internalDate: at });
    const { result } = await wait({}, { email, codeRequestedAt: ago(20_000).toISOString() });
    expect(result.emit[0].data.code).toBe('604173');
    // HTML only: the same.
    const other = address();
    const html = body.split('--b2')[2].split('\r\n\r\n')[1];
    await mailbox.deliver(rfc822({ from: SENDER, to: other, subject: 'Your code', date: at, contentType: 'text/html; charset=utf-8', text: html }), { internalDate: at });
    expect((await wait({}, { email: other, codeRequestedAt: ago(20_000).toISOString() })).result.emit[0].data.code).toBe('604173');
  });

  it('the default pattern takes the number named as the code: in the subject over the address and year of the text, after an order number', async () => {
    const email = address();
    const at = ago(1_000);
    await mail(email, 'Welcome to Shop!\n\nShop Ltd, Hauptstraße 5, 10115 Berlin\n© 2026 Shop Ltd', at, SENDER, '483920 is your Shop verification code');
    expect((await wait({}, { email, codeRequestedAt: ago(20_000).toISOString() })).result.emit[0].data.code).toBe('483920');
    // HTML only: the label a paragraph above the code, an order number before both.
    const html = '<html><body><p>Order 10023 is confirmed.</p><p>Your verification code:</p>\r\n<p><b>731904</b></p><p>&copy; 2026 Shop Ltd</p></body></html>';
    const other = address();
    await mailbox.deliver(rfc822({ from: SENDER, to: other, subject: 'Confirm your order', date: at, contentType: 'text/html; charset=utf-8', text: html }), { internalDate: at });
    expect((await wait({}, { email: other, codeRequestedAt: ago(20_000).toISOString() })).result.emit[0].data.code).toBe('731904');
    // A pattern the user wrote is applied as written: its first match.
    const third = address();
    await mailbox.deliver(rfc822({ from: SENDER, to: third, subject: 'Confirm your order', date: at, contentType: 'text/html; charset=utf-8', text: html }), { internalDate: at });
    expect((await wait({ pattern: '\\b(\\d{5,6})\\b' }, { email: third, codeRequestedAt: ago(20_000).toISOString() })).result.emit[0].data.code).toBe('10023');
  });

  it('the default pattern reads a code written in groups (123-456, 1234 5678) as its digits, not the footer year, nor a phone number or order number', async () => {
    const requestedAt = ago(20_000).toISOString();
    const email = address();
    await mail(email, "Your WhatsApp code: 123-456\n\nDon't share this code with others.\n(c) 2026 WhatsApp LLC, 10115 Berlin", ago(1_000), SENDER, 'WhatsApp');
    expect((await wait({}, { email, codeRequestedAt: requestedAt })).result.emit[0].data.code).toBe('123456');
    // HTML only: the groups in a box of their own under the label; an order number and a phone number around them.
    const html = [
      '<html><body><p>Order 987-654 confirmed. Call +1 415 555 0100 with questions.</p>',
      '<p>Your verification code:</p>\r\n<div style="font-size:32px;letter-spacing:4px">4821&nbsp;9930</div>',
      '<p>&copy; 2026 Bank Ltd</p></body></html>',
    ].join('\r\n');
    const other = address();
    await mailbox.deliver(rfc822({ from: SENDER, to: other, subject: 'Sign in', date: ago(1_000), contentType: 'text/html; charset=utf-8', text: html }), { internalDate: ago(1_000) });
    expect((await wait({}, { email: other, codeRequestedAt: requestedAt })).result.emit[0].data.code).toBe('48219930');
  });

  it('uses a custom pattern, the subject too, and the chosen field', async () => {
    const email = address();
    await mail(email, 'See the subject.', ago(1_000), SENDER, 'Your login code: XK4P9Q');
    const { result } = await wait({ pattern: 'code: ([A-Z0-9]{6})', field: 'otp' }, { email, codeRequestedAt: ago(20_000).toISOString() });
    expect(result.emit[0].data.otp).toBe('XK4P9Q');
  });

  it('stops promptly when the run is stopped (ctx.signal)', async () => {
    const email = address();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 700);
    const started = Date.now();
    const err = await failureOf(() => wait({ timeoutMs: 60_000, pollMs: 10_000 }, { email }, { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses a record without an address, a bad requested-at time, and a wrong password', async () => {
    expect(await failureOf(() => wait({}, { email: '' }))).toMatchObject({ code: 'E_MAIL_RECIPIENT_INVALID' });
    expect(await failureOf(() => wait({}, { email: address(), codeRequestedAt: 'yesterday-ish' }))).toMatchObject({ code: 'E_MAIL_REQUESTED_AT_INVALID' });
    const err = await failureOf(() => wait({}, { email: address() }, { password: 'wrong-password' }));
    expect(err).toMatchObject({ code: 'E_MAIL_AUTH', transient: false });
    expect(err.message).not.toContain('wrong-password');
    expect(await failureOf(() => runNode(waitForCode, {}, { email: address() }))).toMatchObject({ code: 'E_MAIL_CREDENTIAL_MISSING' });
  });

  it('connects only to a mailbox server the network policy allows: a local one not allowed is refused with E_NETWORK_BLOCKED', async () => {
    const email = address();
    await mail(email, 'Your code is 246810', ago(1_000));
    const blocked = () =>
      runNode(waitForCode, { credential: 'inbox', senders: [SENDER], timeoutMs: 5_000, pollMs: 300 }, { email, codeRequestedAt: ago(60_000).toISOString() }, {
        credentials: credentials(),
        // The flow's policy with no allowance, nor the administrator's: 127.0.0.1 is this computer.
        network: networkPolicy([], {}),
      });
    const err = await failureOf(blocked);
    expect(err).toMatchObject({ code: 'E_NETWORK_BLOCKED', transient: false });
    expect(err.message).toContain(`127.0.0.1 port ${mailbox.dovecot.port} was refused`);
  });

  it('the harness fails with a clear message when Dovecot is not installed', async () => {
    process.env.CONVEYOR_DOVECOT_BIN = '/nonexistent/dovecot';
    try {
      const err = await failureOf(() => startDovecot());
      expect(err.message).toMatch(/Dovecot is not installed .*apt-get install dovecot-imapd/);
    } finally {
      delete process.env.CONVEYOR_DOVECOT_BIN;
    }
  });

  it('refuses a pattern without a group and a sender entry that is not an address or @domain', () => {
    expect(waitForCode.params.safeParse({ pattern: '\\d{6}' }).success).toBe(false);
    expect(waitForCode.params.safeParse({ pattern: '(' }).success).toBe(false);
    expect(waitForCode.params.safeParse({ senders: ['example.com'] }).success).toBe(false);
    expect(waitForCode.params.safeParse({ senders: ['@example.com', 'A@B.example'] }).success).toBe(true);
  });
});
