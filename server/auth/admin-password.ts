import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { isPasswordHash } from './password.ts';
import { readSummedLine, summedLine } from '../summed-line-file.ts';

/** The environment variable that holds the admin password hash (wins over the file). */
export const ADMIN_PASSWORD_ENV = 'CONVEYOR_ADMIN_PASSWORD_HASH';
/** The file in the data directory that holds it otherwise (mode 0600). */
export const ADMIN_PASSWORD_FILE = 'admin-password';

export function adminPasswordFile(dataDir: string): string {
  return path.join(dataDir, ADMIN_PASSWORD_FILE);
}

export interface AdminPassword {
  hash: string;
  source: 'option' | 'env' | 'file';
}

function invalid(where: string): ConveyorError {
  return new ConveyorError(
    'E_PASSWORD_HASH_INVALID',
    `The admin password hash in ${where} is not a valid scrypt hash (scrypt$N$r$p$salt$hash).`,
    'Set the password again with "npx conveyor set-password" (it writes DATA_DIR/admin-password), or remove the broken value.',
    1,
  );
}

function damaged(file: string, why: string): ConveyorError {
  return new ConveyorError(
    'E_PASSWORD_FILE_DAMAGED',
    `The admin password file ${file} is damaged: ${why}. The studio does not start on it (it would lock you out, or start without login).`,
    'Set the password again with "npx conveyor set-password" (it rewrites the file), or restore the file from a backup. To run without a password on this computer only (HOST=127.0.0.1), delete the file.',
    1,
  );
}

/** The hash a file's text holds (summed-line-file.ts: a damaged or emptied file is refused, never read as another password or none). */
function hashInFile(file: string, text: string): string {
  const read = readSummedLine(text);
  if ('damaged' in read) throw damaged(file, read.damaged);
  if (!isPasswordHash(read.value)) throw invalid(file);
  return read.value;
}

/**
 * The configured admin password hash: `CONVEYOR_ADMIN_PASSWORD_HASH`, else `DATA_DIR/admin-password`,
 * else null (no password: the studio may only listen on a loopback address, without login).
 */
export async function readAdminPassword(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<AdminPassword | null> {
  const fromEnv = env[ADMIN_PASSWORD_ENV]?.trim();
  if (fromEnv) {
    if (!isPasswordHash(fromEnv)) throw invalid(ADMIN_PASSWORD_ENV);
    return { hash: fromEnv, source: 'env' };
  }
  const file = adminPasswordFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { hash: hashInFile(file, text), source: 'file' };
}

/** Writes the hash to `DATA_DIR/admin-password`, readable by the owner only; replaces it atomically. */
export async function writeAdminPasswordHash(dataDir: string, hash: string): Promise<string> {
  if (!isPasswordHash(hash)) throw invalid('the new value');
  await mkdir(dataDir, { recursive: true });
  const file = adminPasswordFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await rm(tmp, { force: true });
    const fh = await open(tmp, 'wx', 0o600); // a new file: never through a link left there
    try {
      await fh.writeFile(summedLine(hash));
      // On disk before it replaces the old file: a crash must not leave an empty file in its place.
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return file;
}
