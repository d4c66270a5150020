/**
 * A REAL Dovecot IMAP server (test harness and `npm run demo`) with a throwaway configuration under a temp dir.
 *
 *   const dovecot = await startDovecot();
 *   await dovecot.addUser('alice@example.test', 'alice-pw');
 *   await dovecot.deliver('alice@example.test', rfc822Text, { internalDate: new Date() });
 *   …
 *   await dovecot.stop();
 *
 * Listens on 127.0.0.1 at a free port, plain-text logins allowed (no TLS), users in a passwd-file,
 * maildir under the temp dir. As root (this sandbox, CI), Dovecot refuses to run its login
 * processes or to access mail as root, so the packaged `dovecot`/`dovenull` users are used
 * (`default_internal_user = dovecot`, `default_login_user = dovenull`, mail owned by `dovecot`);
 * as another user, every process runs as that user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

const execFileAsync = promisify(execFile);

/** The Dovecot binary (CONVEYOR_DOVECOT_BIN overrides it, e.g. to test the missing-binary message). */
export const dovecotBin = (): string => process.env.CONVEYOR_DOVECOT_BIN || '/usr/sbin/dovecot';

export interface Dovecot {
  host: string;
  port: number;
  /** The temp dir holding the configuration, the log and the mail. */
  dir: string;
  addUser(name: string, password: string): Promise<void>;
  /** Appends a message to the user's INBOX through IMAP APPEND (internal date: now unless given). */
  deliver(user: string, rfc822Text: string, options?: { internalDate?: Date; mailbox?: string }): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): Promise<string>;
  /** Drops every IMAP session of `user` (doveadm kick), as a server restarting or ending idle sessions does. */
  kick(user: string): Promise<void>;
  /** How many IMAP sessions one user may hold at once (mail_max_userip_connections, 200 unless set), applied at once. */
  setSessionLimit(sessions: number): Promise<void>;
  /** Sets one Dovecot setting (e.g. mail_max_keyword_length), applied at once. */
  configure(setting: string, value: string | number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDovecot(options: { users?: Array<{ name: string; password: string }>; /** Fixed port (npm run demo); default a free one. */ port?: number } = {}): Promise<Dovecot> {
  const bin = dovecotBin();
  if (!existsSync(bin)) {
    throw new Error(`Dovecot is not installed (${bin} not found): apt-get install dovecot-imapd`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'conveyor-dovecot-'));
  await chmod(dir, 0o755); // the login and auth processes run as other users when we are root
  const runDir = path.join(dir, 'run');
  const stateDir = path.join(dir, 'state');
  const mailDir = path.join(dir, 'mail');
  const usersFile = path.join(dir, 'users');
  const logFile = path.join(dir, 'dovecot.log');
  const confFile = path.join(dir, 'dovecot.conf');
  await Promise.all([mkdir(runDir), mkdir(stateDir), mkdir(mailDir)]);
  await writeFile(usersFile, '', { mode: 0o644 });
  // Readable by Dovecot's auth process (another user when root) whatever the umask: a studio in the
  // same process (tests) makes the files it creates private.
  await chmod(usersFile, 0o644);

  const root = process.getuid?.() === 0;
  const me = os.userInfo();
  let internalUser = me.username;
  let loginUser = me.username;
  let mailOwner = me.username;
  if (root) {
    internalUser = 'dovecot';
    loginUser = 'dovenull';
    mailOwner = 'dovecot';
    const ids = await lookupUser('dovecot');
    await chown(mailDir, ids.uid, ids.gid);
  }

  const port = options.port || (await freePort());
  const conf = `# Throwaway Dovecot for Conveyor's tests and demo (demo/dovecot.ts)
protocols = imap
listen = 127.0.0.1
base_dir = ${runDir}
state_dir = ${stateDir}
log_path = ${logFile}
info_log_path = ${logFile}
default_internal_user = ${internalUser}
default_internal_group = ${internalUser}
default_login_user = ${loginUser}
disable_plaintext_auth = no
ssl = no
auth_mechanisms = plain login
mail_location = maildir:${mailDir}/%u
first_valid_uid = 1
first_valid_gid = 1
# the demo's catch-all mailbox is read by many records at once (one session each) and written to by the site
protocol imap {
  mail_max_userip_connections = 200
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${usersFile}
}
userdb {
  driver = static
  args = uid=${mailOwner} gid=${mailOwner} home=${mailDir}/%u
}
`;
  await writeFile(confFile, conf);

  const child: ChildProcess = spawn(bin, ['-F', '-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.on('exit', (code) => ((exited = code), resolve())));
  child.on('error', (err) => (output += String(err)));

  const readLog = async (): Promise<string> => `${output}${existsSync(logFile) ? await readFile(logFile, 'utf8') : ''}`;
  const passwords = new Map<string, string>();
  // doveadm comes with Dovecot, next to its binary.
  const doveadm = async (...args: string[]): Promise<void> => {
    const next = path.join(path.dirname(bin), '..', 'bin', 'doveadm');
    await execFileAsync(existsSync(next) ? next : 'doveadm', ['-c', confFile, ...args]);
  };

  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForGreeting(port, () => exited, readLog);
  } catch (err) {
    await stop();
    throw err;
  }

  const dovecot: Dovecot = {
    host: '127.0.0.1',
    port,
    dir,
    async addUser(name, password) {
      if (/[:\s]/.test(name) || /[:\n]/.test(password)) throw new Error(`Invalid test user ${name}`);
      passwords.set(name, password);
      await appendFile(usersFile, `${name}:{PLAIN}${password}::::::\n`);
      await chmod(usersFile, 0o644);
    },
    async deliver(user, rfc822Text, opts = {}) {
      const password = passwords.get(user);
      if (password === undefined) throw new Error(`Dovecot harness: no user ${user} (call addUser first)`);
      const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false, disableAutoIdle: true });
      await client.connect();
      try {
        const text = rfc822Text.replace(/\r?\n/g, '\r\n');
        const res = await client.append(opts.mailbox ?? 'INBOX', Buffer.from(text, 'utf8'), [], opts.internalDate ?? new Date());
        if (!res) throw new Error('Dovecot harness: APPEND failed');
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
    log: readLog,
    async kick(user) {
      await doveadm('kick', user);
    },
    async setSessionLimit(sessions) {
      await dovecot.configure('mail_max_userip_connections', sessions);
    },
    async configure(setting, value) {
      const conf = await readFile(confFile, 'utf8');
      const line = new RegExp(`^(\\s*)${setting} = .*$`, 'm');
      await writeFile(confFile, line.test(conf) ? conf.replace(line, `$1${setting} = ${value}`) : `${setting} = ${value}\n${conf}`);
      await doveadm('reload');
      // The reload restarts Dovecot's processes: the new setting holds once it greets again.
      await waitForGreeting(port, () => exited, readLog);
    },
    stop,
  };
  for (const u of options.users ?? []) await dovecot.addUser(u.name, u.password);
  return dovecot;
}

/**
 * A message in RFC 822 form, for `deliver`: plain UTF-8 text by default; `contentType` and
 * `transferEncoding` for other forms (HTML, multipart, quoted-printable…), `text` then being the body as sent.
 */
export function rfc822(m: { from: string; to: string; subject?: string; text?: string; date?: Date; messageId?: string; contentType?: string; transferEncoding?: string }): string {
  return [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject ?? 'Your code'}`,
    `Date: ${(m.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${m.messageId ?? `<${Math.random().toString(36).slice(2)}@test>`}`,
    'MIME-Version: 1.0',
    `Content-Type: ${m.contentType ?? 'text/plain; charset=utf-8'}`,
    ...(m.contentType?.startsWith('multipart/') ? [] : [`Content-Transfer-Encoding: ${m.transferEncoding ?? '8bit'}`]),
    '',
    m.text ?? '',
    '',
  ].join('\r\n');
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`Dovecot harness: system user "${name}" missing; reinstall the package: apt-get install dovecot-imapd`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the server answers `* OK … ready` on its port (or fails with its log). */
async function waitForGreeting(port: number, exited: () => number | null | undefined, readLog: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited() !== undefined) throw new Error(`Dovecot exited at startup (code ${exited()}):\n${await readLog()}`);
    const ready = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let seen = '';
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(3000, () => done(false));
      socket.on('data', (d) => {
        seen += d.toString();
        if (/^\* OK .*ready/m.test(seen)) done(true);
      });
      socket.on('error', () => done(false));
      socket.on('close', () => done(false));
    });
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Dovecot did not answer on 127.0.0.1:${port} within 15 s:\n${await readLog()}`);
}
