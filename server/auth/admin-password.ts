import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { isPasswordHash } from './password.ts';

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
  const hash = text.trim();
  if (!hash) return null;
  if (!isPasswordHash(hash)) throw invalid(file);
  return { hash, source: 'file' };
}

/** Writes the hash to `DATA_DIR/admin-password`, readable by the owner only; replaces it atomically. */
export async function writeAdminPasswordHash(dataDir: string, hash: string): Promise<string> {
  if (!isPasswordHash(hash)) throw invalid('the new value');
  await mkdir(dataDir, { recursive: true });
  const file = adminPasswordFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await rm(tmp, { force: true });
    await writeFile(tmp, `${hash}\n`, { mode: 0o600, flag: 'wx' }); // a new file: never through a link left there
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return file;
}
