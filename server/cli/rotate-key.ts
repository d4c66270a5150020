import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../conveyor.ts';
import { lockDataDir } from '../data-dir-lock.ts';
import { KEY_ENV, KEY_FILE } from '../vault/files.ts';
import { openVault } from '../vault/vault.ts';

/**
 * `conveyor rotate-key [--new-key KEY|-] [--data-dir DIR]`: a new vault key, every credential
 * re-encrypted with it. With the key in a file (the default) the file is replaced; with
 * CONVEYOR_SECRET_KEY the new key must be given and the operator sets the variable afterwards.
 * The key itself is never printed. Returns the exit code.
 */
export async function rotateKey(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'new-key': { type: 'string' }, 'data-dir': { type: 'string' } } });
  const dir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const unlock = lockDataDir(dir); // the studio must not run meanwhile: it holds the old key
  try {
    const vault = await openVault(dir);
    // `--new-key -` reads it from stdin: a key on the command line is visible to `ps` and kept in shell history.
    const given = values['new-key'] === '-' ? await readStdin() : values['new-key'];
    const result = await vault.rotateKey(given);
    const n = `${result.credentials} credential${result.credentials === 1 ? '' : 's'}`;
    if (result.keySource === 'env') {
      console.log(`Vault key rotated: ${n} re-encrypted with the new key.\nSet ${KEY_ENV} to the new key before starting Conveyor again: the old key no longer opens the vault.`);
    } else {
      console.log(`Vault key rotated: ${n} re-encrypted; the new key is in ${path.join(dir, KEY_FILE)} (mode 0600).\nBack it up together with vault.json: without it the credentials cannot be used.`);
    }
    return 0;
  } finally {
    unlock();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').trim();
}
