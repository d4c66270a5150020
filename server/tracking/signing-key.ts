import { hkdfSync, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { syncDir } from '../vault/files.ts';
import { readSummedLine, summedLine } from '../summed-line-file.ts';

/** The per-install secret the tracking keys are derived from (docs/security.md, "Tracking links"). */
export const TRACKING_KEY_FILE = 'tracking.key';
export const TRACKING_KEY_ENV = 'CONVEYOR_TRACKING_SECRET';

/**
 * The key that signs tracking tokens. It comes from its own secret, not from the vault key: rotating
 * the vault key must not break the links in mails already sent, and a leaked tracking key must not
 * weaken the vault. The secret is CONVEYOR_TRACKING_SECRET (several studios sharing one database) or
 * DATA_DIR/tracking.key, made (32 random bytes, mode 0600) the first time it is needed.
 */
export async function trackingKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const given = env[TRACKING_KEY_ENV];
  const secret = given ? fromEnv(given) : await fileSecret(path.join(dataDir, TRACKING_KEY_FILE));
  // HKDF: the raw secret is never used as a key itself, and other uses can derive their own keys from it.
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'conveyor tracking token v1', 32));
}

function fromEnv(value: string): Buffer {
  const trimmed = value.trim();
  if (trimmed.length < 32) {
    throw new ConveyorError(
      'E_TRACKING_SECRET_WEAK',
      `${TRACKING_KEY_ENV} holds ${trimmed.length} characters; a tracking secret needs at least 32.`,
      `Set it to a long random value, e.g. the output of \`openssl rand -hex 32\`, or unset it to let Conveyor keep one in DATA_DIR/${TRACKING_KEY_FILE}.`,
      500,
    );
  }
  return Buffer.from(trimmed, 'utf8');
}

async function fileSecret(file: string): Promise<Buffer> {
  const existing = await readSecret(file);
  if (existing) return existing;
  const fresh = randomBytes(32).toString('hex');
  try {
    // `wx`: two processes starting at once cannot both write one; the loser reads the winner's.
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(summedLine(fresh), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await syncDir(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return (await readSecret(file))!;
}

async function readSecret(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Summed (summed-line-file.ts): a changed digit would sign with another key, and every link in
  // mails already sent (unsubscribe links too) would stop working without a word of why.
  const read = readSummedLine(text);
  const hex = 'value' in read ? read.value : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    const why = 'damaged' in read ? read.damaged : 'it is not 64 hexadecimal characters';
    throw new ConveyorError(
      'E_TRACKING_SECRET_DAMAGED',
      `The tracking secret ${file} is damaged: ${why}.`,
      'Restore it from a backup. Deleting it makes a new one at the next start, and links in mails already sent stop working.',
      500,
    );
  }
  return Buffer.from(hex, 'hex');
}
