import { describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { waitForCode } from './wait-for-code.ts';
import { markMailbox } from './mark-mailbox.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { Resources } from '../sdk/resources.ts';
import { catchAllMailbox, rfc822 } from '../../tests/support/mail/dovecot.ts';
import { cuttingProxy } from '../../tests/support/mail/cutting-proxy.ts';

// Mailbox situations a real account meets — its server closing the session mid-wait, a folder that
// is not there — against a real Dovecot. The server listens on 127.0.0.1, allowed as an administrator would.
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

const mailbox = catchAllMailbox();
const SENDER = mailbox.sender;

function wait(email: string, params: Record<string, unknown> = {}, port?: number) {
  return runNode(waitForCode, { credential: 'inbox', senders: [SENDER], timeoutMs: 10_000, pollMs: 300, ...params }, { email, codeRequestedAt: new Date(Date.now() - 60_000).toISOString() }, {
    credentials: mailbox.credentials(undefined, port),
  });
}
const codeMail = (to: string, from = SENDER) => rfc822({ from, to, subject: 'Your code', text: 'Your code: 482913' });

/** Drops the step's session once it is open (doveadm kick fails while the account has none). */
async function dropSession(): Promise<void> {
  for (let tries = 0; ; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    const dropped = await mailbox.dovecot.kick(mailbox.user.name).then(
      () => true,
      () => false,
    );
    if (dropped) return;
    if (tries > 100) throw new Error('the step never opened its session');
  }
}

async function createFolder(folder: string): Promise<void> {
  const client = new ImapFlow({ host: mailbox.dovecot.host, port: mailbox.dovecot.port, secure: false, auth: { user: mailbox.user.name, pass: mailbox.user.password }, logger: false });
  await client.connect();
  await client.mailboxCreate(folder);
  await client.logout();
}

describe('mail steps: mailbox situations (real Dovecot)', () => {
  it('the server closing the session in the middle of the wait: the step connects again and takes the code that comes after', async () => {
    const email = mailbox.address('drop');
    // A long poll: the wait sits in IDLE when the session is dropped.
    const waiting = wait(email, { pollMs: 5_000 });
    await dropSession();
    await new Promise((r) => setTimeout(r, 300));
    await mailbox.deliver(codeMail(email));
    // It failed at once: E_MAIL_CONNECTION "Connection not available", the hint about server, port and TLS.
    const { result, ctx } = await waiting;
    expect(result.emit[0].data.code).toBe('482913');
    expect(ctx.logs.map((l) => l.message)).toContain('the mail server closed the connection during the wait: connecting again');
  });

  // The moments of the session's set-up at which a kick from the server's side landed only by chance
  // under load: a proxy in front of Dovecot cuts the first connection exactly there.
  it.each([
    ['as the sign-in is answered', { server: (chunk: string) => /^\S+ OK .*Logged in/im.test(chunk) }],
    ['as the client asks for the folder', { client: (chunk: string) => /^\S+ (SELECT|EXAMINE) /im.test(chunk) }],
  ])('the session lost %s: the step connects again and takes the code (not E_MAIL_CONNECTION at once)', async (_moment, cut) => {
    const proxy = await cuttingProxy(mailbox.dovecot, cut);
    try {
      const email = mailbox.address('setup-cut');
      await mailbox.deliver(codeMail(email));
      const { result, ctx } = await wait(email, {}, proxy.port);
      expect(proxy.cuts).toBe(1);
      expect(result.emit[0].data.code).toBe('482913');
      expect(ctx.logs.map((l) => l.message)).toContain('the mail server closed the connection during the wait: connecting again');
    } finally {
      await proxy.close();
    }
  });

  it('the records of a run waiting at once share one session: eight waits on an account allowed two sessions each get their code, signing in once', async () => {
    // Each waiting record held a session of its own: with Gmail's 15 (Dovecot's 10) a run letting
    // more records wait at once had the rest refused, E_MAIL_TOO_MANY_SESSIONS. (The second session
    // is the test's, delivering the mail.)
    await mailbox.dovecot.setSessionLimit(2);
    const proxy = await cuttingProxy(mailbox.dovecot);
    const run = new Resources();
    try {
      const emails = Array.from({ length: 8 }, () => mailbox.address('shared'));
      const waitIn = (email: string) =>
        runNode(waitForCode, { credential: 'inbox', senders: [SENDER], timeoutMs: 15_000, pollMs: 500 }, { email, codeRequestedAt: new Date(Date.now() - 60_000).toISOString() }, {
          credentials: mailbox.credentials(undefined, proxy.port),
          resources: { run, record: new Resources() },
        });
      const waits = emails.map((email) => waitIn(email));
      await new Promise((r) => setTimeout(r, 500));
      for (const email of emails) await mailbox.deliver(rfc822({ from: SENDER, to: email, subject: 'Your code', text: `Your code: ${4000 + emails.indexOf(email)}` }));
      const codes = (await Promise.all(waits)).map(({ result }) => result.emit[0].data.code);
      expect(codes).toEqual(emails.map((_, i) => String(4000 + i)));
      expect(proxy.connections).toBe(1);
      // The next record's wait, a moment later, takes the same session (no sign-in per record).
      const next = mailbox.address('shared');
      await mailbox.deliver(codeMail(next));
      expect((await waitIn(next)).result.emit[0].data.code).toBe('482913');
      expect(proxy.connections).toBe(1);
    } finally {
      await run.closeAll();
      await proxy.close();
      await mailbox.dovecot.setSessionLimit(200);
    }
  });

  describe('several records of a run waiting on the one session', () => {
    const waitIn = (run: Resources, email: string, port: number, params: Record<string, unknown> = {}, signal?: AbortSignal) =>
      runNode(waitForCode, { credential: 'inbox', senders: [SENDER], timeoutMs: 15_000, pollMs: 500, ...params }, { email, codeRequestedAt: new Date(Date.now() - 60_000).toISOString() }, {
        credentials: mailbox.credentials(undefined, port),
        resources: { run, record: new Resources() },
        ...(signal ? { signal } : {}),
      });

    it('one record stopped while the others wait: it ends cancelled, the others go on in the same session and take their codes', async () => {
      const proxy = await cuttingProxy(mailbox.dovecot);
      const run = new Resources();
      try {
        const [a, b, c] = [mailbox.address('stay'), mailbox.address('stopped'), mailbox.address('stay')];
        const stop = new AbortController();
        const stopped = failureOf(() => waitIn(run, b, proxy.port, {}, stop.signal));
        const staying = [waitIn(run, a, proxy.port), waitIn(run, c, proxy.port)];
        await new Promise((r) => setTimeout(r, 600));
        stop.abort();
        expect(await stopped).toMatchObject({ name: 'AbortError' });
        await mailbox.deliver(codeMail(a));
        await mailbox.deliver(codeMail(c));
        expect((await Promise.all(staying)).map(({ result }) => result.emit[0].data.code)).toEqual(['482913', '482913']);
        expect(proxy.connections).toBe(1);
      } finally {
        await run.closeAll();
        await proxy.close();
      }
    });

    it('a record stopped while another looks at the folder does not look after its stop: its code is left for a later wait', async () => {
      // A distant server (each answer 250 ms later): one record's look takes a while, the other's waits its turn.
      const proxy = await cuttingProxy(mailbox.dovecot, { delayMs: 250 });
      const run = new Resources();
      try {
        const [first, stopped] = [mailbox.address('turn'), mailbox.address('turn-stopped')];
        await mailbox.deliver(codeMail(first));
        await mailbox.deliver(rfc822({ from: SENDER, to: stopped, subject: 'Your code', text: 'Your code: 515151' }));
        const stop = new AbortController();
        const looking = waitIn(run, first, proxy.port);
        const waiting = failureOf(() => waitIn(run, stopped, proxy.port, {}, stop.signal));
        // Signed in and the folder open (about ten answers), the first look under way.
        await new Promise((r) => setTimeout(r, 3_200));
        stop.abort();
        expect(await waiting).toMatchObject({ name: 'AbortError' });
        expect((await looking).result.emit[0].data.code).toBe('482913');
        expect((await waitIn(run, stopped, proxy.port)).result.emit[0].data.code).toBe('515151');
      } finally {
        await run.closeAll();
        await proxy.close();
      }
    });

    it('the session the server closed while it waited for the next record is opened as new: no "connecting again" in that record\'s log', async () => {
      const run = new Resources();
      try {
        const [first, next] = [mailbox.address('linger'), mailbox.address('linger')];
        await mailbox.deliver(codeMail(first));
        expect((await waitIn(run, first, mailbox.dovecot.port)).result.emit[0].data.code).toBe('482913');
        // Lingering for the next record, the session is closed by the server (an idle timeout).
        await mailbox.dovecot.kick(mailbox.user.name);
        await mailbox.deliver(codeMail(next));
        const { result, ctx } = await waitIn(run, next, mailbox.dovecot.port);
        expect(result.emit[0].data.code).toBe('482913');
        expect(ctx.logs.map((l) => l.message)).not.toContain('the mail server closed the connection during the wait: connecting again');
      } finally {
        await run.closeAll();
      }
    });

    it("one record's wait ending with a look at the spam folder: the others still read their folder and take their codes", async () => {
      await createFolder('Junk');
      const proxy = await cuttingProxy(mailbox.dovecot);
      const run = new Resources();
      try {
        const [spammed, waiting] = [mailbox.address('spam'), mailbox.address('after-spam')];
        await mailbox.dovecot.deliver(mailbox.user.name, codeMail(spammed), { mailbox: 'Junk' });
        const other = waitIn(run, waiting, proxy.port);
        expect(await failureOf(() => waitIn(run, spammed, proxy.port, { timeoutMs: 1_000 }))).toMatchObject({ code: 'E_MAIL_IN_JUNK' });
        await mailbox.deliver(codeMail(waiting));
        expect((await other).result.emit[0].data.code).toBe('482913');
        expect(proxy.connections).toBe(1);
      } finally {
        await run.closeAll();
        await proxy.close();
      }
    });

    it('the server dropping the session under three waits: it is opened again once, and each takes its code', async () => {
      const proxy = await cuttingProxy(mailbox.dovecot);
      const run = new Resources();
      try {
        const emails = [mailbox.address('drop3'), mailbox.address('drop3'), mailbox.address('drop3')];
        const waits = emails.map((email) => waitIn(run, email, proxy.port, { pollMs: 5_000 }));
        await dropSession();
        await new Promise((r) => setTimeout(r, 300));
        for (const email of emails) await mailbox.deliver(codeMail(email));
        const done = await Promise.all(waits);
        expect(done.map(({ result }) => result.emit[0].data.code)).toEqual(['482913', '482913', '482913']);
        expect(done.every(({ ctx }) => ctx.logs.some((l) => l.message === 'the mail server closed the connection during the wait: connecting again'))).toBe(true);
        expect(proxy.connections).toBe(2);
      } finally {
        await run.closeAll();
        await proxy.close();
      }
    });
  });

  it('a server closing the session each time it is opened again: the wait ends E_MAIL_CONNECTION after a few tries, not reconnecting until the deadline', async () => {
    const waiting = failureOf(() => wait(mailbox.address('drops'), { timeoutMs: 30_000 }));
    let settled = false;
    void waiting.finally(() => (settled = true));
    // Once its first session is open (one that never opens is a connection failure, not a drop).
    await dropSession();
    const started = Date.now();
    while (!settled && Date.now() - started < 20_000) {
      await new Promise((r) => setTimeout(r, 250));
      // Between two sessions there is none to kick: doveadm says so with an exit code.
      await mailbox.dovecot.kick(mailbox.user.name).catch(() => undefined);
    }
    const err = await waiting;
    expect(err).toMatchObject({ code: 'E_MAIL_CONNECTION', transient: true });
    expect(err.message).toContain('closed the connection 6 times during one wait');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a folder that does not exist: E_MAIL_FOLDER_NOT_FOUND naming the folders there are (not a connection failure to retry); a folder named in non-ASCII is read', async () => {
    const email = mailbox.address('folder');
    for (const step of [
      () => wait(email, { mailbox: 'Codes' }),
      () => runNode(markMailbox, { credential: 'inbox', mailbox: 'Codes' }, { email }, { credentials: mailbox.credentials() }),
    ]) {
      const err = await failureOf(step);
      expect(err).toMatchObject({ code: 'E_MAIL_FOLDER_NOT_FOUND', transient: false });
      expect(err.message).toMatch(/has no folder "Codes" \(its folders: .*INBOX.*\)\.$/);
      expect(err.hint).toContain('Set Folder to one of its folders');
    }
    // Modified UTF-7 on the wire (&AOQ-): the name as the user writes it.
    const folder = 'Bestätigungen';
    const other = mailbox.address('folder');
    await createFolder(folder);
    await mailbox.dovecot.deliver(mailbox.user.name, codeMail(other), { mailbox: folder });
    expect((await wait(other, { mailbox: folder })).result.emit[0].data.code).toBe('482913');
  });

  it('the account holding as many sessions as the server allows: E_MAIL_TOO_MANY_SESSIONS (retried) with the server\'s words, not "check the user and password"', async () => {
    const open: ImapFlow[] = [];
    await mailbox.dovecot.setSessionLimit(2);
    try {
      // Two mail programs (or two records already waiting) hold the account's sessions.
      for (let i = 0; i < 2; i++) {
        const client = new ImapFlow({ host: mailbox.dovecot.host, port: mailbox.dovecot.port, secure: false, auth: { user: mailbox.user.name, pass: mailbox.user.password }, logger: false });
        await client.connect();
        open.push(client);
      }
      // It was E_MAIL_AUTH, not retried: the user checked a password that was right.
      const err = await failureOf(() => wait(mailbox.address('limit'), { timeoutMs: 1_000 }));
      expect(err).toMatchObject({ code: 'E_MAIL_TOO_MANY_SESSIONS', transient: true });
      expect(err.message).toContain('the server said: Maximum number of connections from user+IP exceeded');
      expect(err.hint).toContain('run fewer flows on this mailbox at once');
      expect(`${err.message} ${err.hint}`).not.toContain(mailbox.user.password);
    } finally {
      await Promise.all(open.map((c) => c.logout()));
      await mailbox.dovecot.setSessionLimit(200);
    }
  });

  it('the code mail filed as spam: E_MAIL_IN_JUNK names the spam folder and the mail, not "the mail may be slow"', async () => {
    await createFolder('Junk');
    const email = mailbox.address('junk');
    await mailbox.dovecot.deliver(mailbox.user.name, codeMail(email), { mailbox: 'Junk' });
    // It was E_MAIL_TIMEOUT, "The mail may be slow: retry, or raise the wait".
    const err = await failureOf(() => wait(email, { timeoutMs: 1_000 }));
    expect(err).toMatchObject({ code: 'E_MAIL_IN_JUNK', transient: false });
    expect(err.message).toMatch(`No mail with a code reached ${email} in the folder INBOX within 1000 ms, but a mail to that address from ${SENDER} (arrived 20`);
    expect(err.message).toMatch(/\) is in Junk, where the mail server files spam\.$/);
    expect(err.hint).toContain('Mark that mail as not spam');
    // Spam from a sender that is not allowed is not the code mail: the wait just timed out.
    const other = mailbox.address('junk');
    await mailbox.dovecot.deliver(mailbox.user.name, codeMail(other, 'promo@elsewhere.example'), { mailbox: 'Junk' });
    expect(await failureOf(() => wait(other, { timeoutMs: 1_000 }))).toMatchObject({ code: 'E_MAIL_TIMEOUT' });
  });

  it('without a mark, the mail asked for arriving just before the window (this computer\'s clock ahead): E_MAIL_TIMEOUT says when it arrived and to use a mailbox mark', async () => {
    const email = mailbox.address('early');
    // The wait counts mail from 65 s ago (requested 60 s ago, less 5 s); the server says it arrived 90 s ago.
    await mailbox.deliver(codeMail(email), { internalDate: new Date(Date.now() - 90_000) });
    const err = await failureOf(() => wait(email, { timeoutMs: 1_000 }));
    // It said only "No mail with a code reached …", the mail in plain sight in the mailbox.
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT', transient: true });
    const before = /One arrived at \S+, (\d+) s before mail counted \(from \S+ by this computer's clock/.exec(err.message);
    expect(err.message).toMatch(/One arrived at/);
    // 25 s, and the time the delivery and the step took to start.
    expect(Number(before?.[1])).toBeGreaterThanOrEqual(24);
    expect(Number(before?.[1])).toBeLessThan(40);
    expect(err.hint).toContain('put a Mark the mailbox step before the step that requests the code');
    // An older mail (an hour before) is not named: it is no mail of this request.
    const other = mailbox.address('early');
    await mailbox.deliver(codeMail(other), { internalDate: new Date(Date.now() - 3_600_000) });
    expect((await failureOf(() => wait(other, { timeoutMs: 1_000 }))).message).toBe(`No mail with a code reached ${other} within 1000 ms.`);
  });

  it('a server that refuses the keyword marking a code used: the code is taken, and the log warns that a later run could take it again', async () => {
    // As servers that keep no keywords of the client's choosing: '$ConveyorUsed' is too long for this one.
    await mailbox.dovecot.configure('mail_max_keyword_length', 5);
    try {
      // A folder of its own: a keyword the folder already holds (INBOX's, from the other tests) is still accepted.
      await createFolder('Keywords');
      const email = mailbox.address('keyword');
      await mailbox.dovecot.deliver(mailbox.user.name, codeMail(email), { mailbox: 'Keywords' });
      const { result, ctx } = await wait(email, { mailbox: 'Keywords' });
      expect(result.emit[0].data.code).toBe('482913');
      // It said nothing: a later run took the same code again, in silence.
      expect(ctx.logs.find((l) => l.level === 'warn')?.message).toContain('the mail server refused to mark the mail used (keyword $ConveyorUsed)');
    } finally {
      await mailbox.dovecot.configure('mail_max_keyword_length', 50);
    }
  });
});
