import { open, rename, rm, stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { formatKey, parseKey } from './crypto.ts';

export const VAULT_FILE = 'vault.json';
export const KEY_FILE = 'secret.key';
/** A key being rotated in: written first, renamed over secret.key once vault.json uses it. */
export const NEW_KEY_FILE = 'secret.key.new';
export const KEY_ENV = 'CONVEYOR_SECRET_KEY';

/**
 * Writes a file atomically: a temporary file (mode 0600) is written and fsynced, renamed over the
 * target, and the directory is fsynced. A crash leaves the old file or the new one, never half.
 */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true });
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Reads a key file, refusing one that other users could read. */
export async function readKeyFile(file: string): Promise<Buffer> {
  const info = await stat(file);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
    throw new ConveyorError(
      'E_VAULT_KEY_PERMISSIONS',
      `The vault key file ${file} can be read or changed by other users of this computer (mode ${mode}).`,
      `Only Conveyor's own user may read it: run \`chmod 600 ${file}\`, then start again. If others may have read it, rotate the key (\`npx conveyor rotate-key\`) and change the secrets it protected.`,
      500,
    );
  }
  return parseKey(await readFile(file, 'utf8'), `The key file ${file}`);
}

export async function writeKeyFile(file: string, key: Buffer): Promise<void> {
  await writeAtomic(file, `${formatKey(key)}\n`);
}
