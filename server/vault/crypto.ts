import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { ConveyorError } from '../errors.ts';

/** AES-256-GCM: a 32-byte key, a fresh random 12-byte IV per encryption, a 16-byte tag checked on decryption. */
const ALG = 'aes-256-gcm';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One encrypted value as vault.json stores it (base64). */
export interface SealedBox {
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * A key as written in CONVEYOR_SECRET_KEY, `--new-key` or the key file: 64 hex digits or the
 * base64 (or base64url) of exactly 32 bytes.
 */
export function parseKey(text: string, where: string): Buffer {
  const s = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== KEY_BYTES) {
    throw new ConveyorError(
      'E_VAULT_KEY_INVALID',
      `${where} is not a valid vault key: it must be 32 random bytes written as 64 hex digits or in base64 (44 characters).`,
      'Generate one with `openssl rand -base64 32` (or `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"`). Never reuse an example key.',
      500,
    );
  }
  return key;
}

export function formatKey(key: Buffer): string {
  return key.toString('base64');
}

/** A short, non-secret fingerprint of a key: tells which key encrypted the vault without revealing it. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('conveyor.vault key id').digest('hex').slice(0, 16);
}

/** Encrypts `plain`; `aad` (the credential's id) binds the box to its credential. */
export function seal(key: Buffer, plain: string, aad: string): SealedBox {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { alg: ALG, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Decrypts a box; a wrong key, a changed byte or a box moved to another credential fails the tag check. */
export function open(key: Buffer, box: SealedBox, aad: string): string {
  try {
    if (box.alg !== ALG) throw new Error(`unknown algorithm ${String(box.alg)}`);
    const iv = Buffer.from(box.iv, 'base64');
    const tag = Buffer.from(box.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad IV or tag length');
    const decipher = createDecipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new ConveyorError(
      'E_VAULT_CORRUPT',
      'A credential in the vault cannot be decrypted: its data was changed or damaged, or it was encrypted with another key.',
      'Restore vault.json from a backup, or delete and re-create the credential.',
      500,
    );
  }
}
