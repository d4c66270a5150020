import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureProblem } from './signature.ts';

/**
 * The two other ways a hook checks who sent a request, beside Conveyor's own signature
 * (signature.ts), so that the services people connect can be checked as they send:
 *
 * - `hmac`: a header holding the HMAC of the raw body keyed by the shared secret — GitHub
 *   (`X-Hub-Signature-256: sha256=<hex>`), Shopify (`X-Shopify-Hmac-Sha256: <base64>`), WooCommerce,
 *   Typeform (`sha256=<base64>`), Facebook, Intercom (`sha1=<hex>`). The hash and the encoding are
 *   read from the value: a `sha1=`/`sha256=`/`sha512=` prefix names the hash, else the digest's
 *   length does; hex or base64 (standard or URL-safe). No time is signed in these schemes, so a
 *   captured request can be sent again: the hook's event id check (`eventIdPath`) skips a replay of
 *   an event that ran.
 * - `token`: a header whose value is the secret itself (GitLab's `X-Gitlab-Token`, a "secret header"
 *   setting, `Authorization: Bearer <secret>`). Anyone who sees one request can send others: use it
 *   only over https, and prefer `hmac` or `signature` where the sender offers them.
 *
 * Both compare in constant time (every candidate in full), and refuse before anything is parsed or stored.
 */

/** The hashes a body HMAC may use, by their digest's length in bytes. */
const HASHES: Record<string, number> = { sha1: 20, sha256: 32, sha512: 64 };
const BY_LENGTH = new Map(Object.entries(HASHES).map(([name, bytes]) => [bytes, name]));

/** One signature read from the header: the hash it names (or its length implies) and its bytes. */
interface BodyMac {
  hash: string;
  digest: Buffer;
}

/** A digest written as hex or base64 (standard or URL-safe, padded or not); null when it is neither. */
function digestBytes(text: string): Buffer | null {
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 && BY_LENGTH.has(text.length / 2)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return BY_LENGTH.has(bytes.length) ? bytes : null;
}

/** The signatures in a header value: `sha256=<digest>` or a bare digest, several apart by commas or spaces. */
function parseBodyMacs(value: string): BodyMac[] {
  const macs: BodyMac[] = [];
  for (const part of value.split(/[\s,]+/)) {
    if (!part) continue;
    const m = /^(sha1|sha256|sha512)=(.+)$/i.exec(part);
    const digest = digestBytes(m ? m[2] : part);
    if (!digest) continue;
    const hash = m ? m[1].toLowerCase() : BY_LENGTH.get(digest.length)!;
    if (HASHES[hash] === digest.length) macs.push({ hash, digest });
  }
  return macs;
}

/** null when the header holds an HMAC of `body` keyed by `secret`, else why not. */
export function verifyBodyHmac(opts: { secret: string; body: Uint8Array; header: string | undefined | null; headerName: string }): SignatureProblem | null {
  const { headerName } = opts;
  if (opts.header === undefined || opts.header === null || opts.header.trim() === '') {
    return {
      code: 'E_HOOK_SIGNATURE_MISSING',
      message: `The request has no ${headerName} header, so it cannot be checked.`,
      hint: `The sender must send the HMAC of the body in "${headerName}" (e.g. "sha256=<hex>" or a base64 digest); check the header name set in the Webhook trigger and that the sender has a secret set.`,
    };
  }
  const macs = parseBodyMacs(opts.header);
  if (macs.length === 0) {
    return {
      code: 'E_HOOK_SIGNATURE_MALFORMED',
      message: `The ${headerName} header holds no HMAC this hook can read (hex or base64 of a SHA-1, SHA-256 or SHA-512 digest, with or without "sha256=").`,
      hint: 'Check that "Check requests" fits the sender: "hmac" for a signature of the body alone (GitHub, Shopify…), "signature" for "t=…,v1=…", "token" for a secret sent as it is.',
    };
  }
  let match = false;
  const expected = new Map<string, Buffer>();
  for (const mac of macs) {
    let want = expected.get(mac.hash);
    if (!want) expected.set(mac.hash, (want = createHmac(mac.hash, opts.secret).update(opts.body).digest()));
    if (timingSafeEqual(want, mac.digest)) match = true;
  }
  if (!match) {
    return {
      code: 'E_HOOK_SIGNATURE_INVALID',
      message: `The ${headerName} header does not match the request's body: it was not signed with this hook's secret, or the body was changed on the way.`,
      hint: 'Check that the sender and the Webhook trigger use the same secret, and that nothing between them (a proxy) rewrites the body.',
    };
  }
  return null;
}

/** Why a secret header was refused. */
export type TokenProblem = { code: 'E_HOOK_TOKEN_MISSING' | 'E_HOOK_TOKEN_INVALID'; message: string; hint: string };

/** null when the header holds the secret (as it is, or after "Bearer "), else why not. */
export function verifyToken(opts: { secret: string; header: string | undefined | null; headerName: string }): TokenProblem | null {
  const { headerName } = opts;
  const value = (opts.header ?? '').trim();
  if (value === '') {
    return {
      code: 'E_HOOK_TOKEN_MISSING',
      message: `The request has no ${headerName} header, so it cannot be checked.`,
      hint: `The sender must send the hook's secret in the "${headerName}" header (as it is, or as "Bearer <secret>"); check the header name set in the Webhook trigger.`,
    };
  }
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  // Hashed first: the comparison takes the same time whatever the lengths, and whatever matches.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  const want = digest(opts.secret);
  let match = timingSafeEqual(want, digest(value));
  if (bearer && timingSafeEqual(want, digest(bearer[1].trim()))) match = true;
  if (!match) {
    return {
      code: 'E_HOOK_TOKEN_INVALID',
      message: `The ${headerName} header does not hold this hook's secret.`,
      hint: 'Check that the sender and the Webhook trigger use the same secret (the sender sends it as it is, or as "Bearer <secret>").',
    };
  }
  return null;
}
