import { parseArgs } from 'node:util';
import { defaultDataDir } from '../conveyor.ts';
import { ConveyorError } from '../errors.ts';
import { ADMIN_PASSWORD_ENV, writeAdminPasswordHash } from '../auth/admin-password.ts';
import { hashPassword, passwordProblem } from '../auth/password.ts';

/**
 * `conveyor set-password [--data-dir DIR] [--print]`: reads the new admin password from stdin
 * (typed twice, hidden, on a terminal; the first line of piped input otherwise), then writes its
 * scrypt hash to DATA_DIR/admin-password (mode 0600) — or, with --print, only prints the hash for
 * CONVEYOR_ADMIN_PASSWORD_HASH. The password itself is never written anywhere.
 */
export async function setPassword(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, print: { type: 'boolean' } } });
  const tty = Boolean(process.stdin.isTTY);
  const password = tty ? await promptHidden('New admin password: ') : await firstLineOfStdin();
  const problem = passwordProblem(password);
  if (problem) throw new ConveyorError('E_PASSWORD_INVALID', problem, 'Choose a longer password (a passphrase of a few words is easy to remember).', 2);
  if (tty && (await promptHidden('Type it again: ')) !== password) {
    throw new ConveyorError('E_PASSWORD_INVALID', 'The two passwords differ.', 'Run the command again and type the same password twice.', 2);
  }
  const hash = await hashPassword(password);
  if (values.print) {
    console.log(hash);
    return 0;
  }
  const file = await writeAdminPasswordHash(values['data-dir'] ?? defaultDataDir(), hash);
  console.log(`Admin password set (hash in ${file}, readable by you only).`);
  if (process.env[ADMIN_PASSWORD_ENV]) console.log(`Note: ${ADMIN_PASSWORD_ENV} is set in this environment and wins over the file.`);
  console.log('If the studio is running, restart it: the new password applies from the next start, and everyone signs in again.');
  return 0;
}

async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new ConveyorError('E_USAGE', 'Cancelled.', 'Run the command again to set the password.', 2));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
