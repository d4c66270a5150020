import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConveyorError } from '../errors.ts';

/**
 * Tracking tokens: `<payload>.<signature>`, both base64url. The payload names the run, the record,
 * the send step and what the link does; the signature is HMAC-SHA256 over it (truncated to 128 bits)
 * with the install's tracking key. Nothing is looked up to trust a token, and nothing in it can be
 * changed without the key: a click token's target address is signed too, so /t/c never redirects
 * anywhere a mail of ours did not link to.
 */

/** Longer tokens are refused before any decoding (a URL of 4,096 characters plus the ids). */
export const MAX_TOKEN_LENGTH = 6_000;

const ids = {
  /** Run id. */
  r: z.string().min(1).max(100),
  /** Record index. */
  i: z.number().int().min(0),
  /** Node id of the send step. */
  n: z.string().min(1).max(200),
};

export const tokenPayload = z.discriminatedUnion('k', [
  z.object({ k: z.literal('o'), ...ids }).strict(),
  z
    .object({
      k: z.literal('c'),
      ...ids,
      /** Position of the link in the mail (0 = first). */
      l: z.number().int().min(0).max(10_000),
      /** Where the link goes: http(s) only. */
      u: z.string().max(4_096).refine(isWebAddress, 'not an http(s) address'),
    })
    .strict(),
  z.object({ k: z.literal('u'), ...ids, a: z.array(z.string().min(3).max(320)).min(1).max(50) }).strict(),
]);

export type TokenPayload = z.infer<typeof tokenPayload>;
export type TokenKind = TokenPayload['k'];

export function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function signToken(key: Buffer, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The payload of a token this install signed, of the expected kind; otherwise E_TRACKING_TOKEN_INVALID (400). */
export function verifyToken<K extends TokenKind>(key: Buffer, token: string, kind: K): Extract<TokenPayload, { k: K }> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw invalid();
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) throw invalid();
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = tokenPayload.safeParse(raw);
  if (!parsed.success || parsed.data.k !== kind) throw invalid();
  return parsed.data as Extract<TokenPayload, { k: K }>;
}

function mac(key: Buffer, body: string): Buffer {
  // The version prefix keeps these signatures from ever matching another use of the same key.
  return createHmac('sha256', key).update(`conveyor.t1.${body}`).digest().subarray(0, 16);
}

function invalid(): ConveyorError {
  return new ConveyorError(
    'E_TRACKING_TOKEN_INVALID',
    'This link is not valid: it was changed, cut short, or made by another Conveyor installation.',
    'Open the link exactly as it appears in the mail. If it still fails, the sender has to send it again.',
    400,
  );
}
