import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { expiredProblem, type SignatureProblem } from './signature.ts';

/**
 * The other ways a hook checks who sent a request, beside Conveyor's own signature (signature.ts),
 * so that the services people connect can be checked as they send:
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
 * - `basic`: HTTP Basic authentication (`verifyBasic`, below).
 *
 * All compare in constant time (every candidate in full), and refuse before anything is parsed or stored.
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

/**
 * Whether two texts are the same, in a time that tells nothing of either: both are hashed first, so
 * the comparison takes as long whatever their lengths and however much of a guess is right.
 */
export function sameText(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
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
  let match = sameText(opts.secret, value);
  if (bearer && sameText(opts.secret, bearer[1].trim())) match = true;
  if (!match) {
    return {
      code: 'E_HOOK_TOKEN_INVALID',
      message: `The ${headerName} header does not hold this hook's secret.`,
      hint: 'Check that the sender and the Webhook trigger use the same secret (the sender sends it as it is, or as "Bearer <secret>").',
    };
  }
  return null;
}

/** Why an HTTP Basic authentication was refused. */
export type BasicProblem = { code: 'E_HOOK_AUTH_MISSING' | 'E_HOOK_AUTH_INVALID'; message: string; hint: string };

/** What a 401 of `basic` asks for: senders that sign in only when asked (Twilio) send the name and password once they read it. */
export const BASIC_CHALLENGE = 'Basic realm="Conveyor hook", charset="UTF-8"';

/**
 * HTTP Basic authentication (`Authorization: Basic <base64 of name:password>`): what senders do with
 * a name and password written in the hook's address (`https://name:password@host/hooks/…` — Twilio,
 * SendGrid's and Postmark's event webhooks, Mailgun routes). The secret is `name:password`, both
 * checked; a secret without a colon is the password, with any name. Compared in constant time. Like
 * `token`, anyone who sees one request can send others: https only.
 */
export function verifyBasic(opts: { secret: string; header: string | undefined | null }): BasicProblem | null {
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec((opts.header ?? '').trim());
  if (!m) {
    return {
      code: 'E_HOOK_AUTH_MISSING',
      message: 'The request has no "Authorization: Basic …" header, so it cannot be checked.',
      hint: 'Give the sender the hook address with the name and password in it (https://name:password@host/hooks/…), or set its "Basic authentication" fields, with the name:password the Webhook trigger\'s secret holds.',
    };
  }
  const pair = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  const [name, password] = colon < 0 ? [pair, ''] : [pair.slice(0, colon), pair.slice(colon + 1)];
  const at = opts.secret.indexOf(':');
  // Both compared whatever the first gives: the time tells nothing of which part was wrong.
  const nameOk = at < 0 ? true : sameText(opts.secret.slice(0, at), name);
  const passwordOk = sameText(at < 0 ? opts.secret : opts.secret.slice(at + 1), password);
  if (!(nameOk && passwordOk)) {
    return {
      code: 'E_HOOK_AUTH_INVALID',
      message: 'The request\'s name and password (Authorization: Basic) are not this hook\'s.',
      hint: 'Check that the sender uses the name:password the Webhook trigger\'s secret holds (a secret without ":" is the password, with any name).',
    };
  }
  return null;
}

/**
 * Signed with a time, by the sender's own rules: Slack (`X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:<time>:<body>">`, `X-Slack-Request-Timestamp`) and Standard Webhooks — Svix's scheme, used by
 * OpenAI, Resend, Clerk and others (`webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<time>.<body>">`, several apart by spaces; `webhook-id`, `webhook-timestamp`; the
 * secret `whsec_<base64 key>`). Their header names are the schemes' own. As with `signature`, the
 * time is signed with the body: a request older (or newer) than the tolerance is refused as a replay.
 */
export type TimedScheme = 'slack' | 'standard';

/** The headers each scheme reads, as they are named in its documentation. */
export const TIMED_HEADERS: Record<TimedScheme, { signature: string; timestamp: string; id?: string }> = {
  slack: { signature: 'X-Slack-Signature', timestamp: 'X-Slack-Request-Timestamp' },
  standard: { signature: 'webhook-signature', timestamp: 'webhook-timestamp', id: 'webhook-id' },
};

/** The key a secret stands for: Standard Webhooks' `whsec_` secrets are base64 of the key bytes. */
function keyOf(scheme: TimedScheme, secret: string): Buffer {
  if (scheme === 'standard' && secret.startsWith('whsec_')) return Buffer.from(secret.slice('whsec_'.length), 'base64');
  return Buffer.from(secret, 'utf8');
}

export function verifyTimed(opts: {
  scheme: TimedScheme;
  secret: string;
  body: Uint8Array;
  header: (name: string) => string | undefined;
  toleranceSeconds: number;
  now?: number;
}): SignatureProblem | null {
  const names = TIMED_HEADERS[opts.scheme];
  const sent = opts.header(names.signature)?.trim();
  const time = opts.header(names.timestamp)?.trim();
  const id = names.id ? opts.header(names.id)?.trim() : '';
  const needed = [names.signature, names.timestamp, ...(names.id ? [names.id] : [])].join(', ');
  if (!sent || !time || (names.id && !id)) {
    return {
      code: 'E_HOOK_SIGNATURE_MISSING',
      message: `The request lacks ${[!sent && names.signature, !time && names.timestamp, names.id && !id && names.id].filter(Boolean).join(' and ')}, so it cannot be checked.`,
      hint: `A sender using the ${opts.scheme === 'slack' ? 'Slack' : 'Standard Webhooks'} scheme sends ${needed}; check that "Check requests" fits the sender.`,
    };
  }
  const candidates: Buffer[] = [];
  for (const part of sent.split(/\s+/)) {
    if (opts.scheme === 'slack') {
      const m = /^v0=([0-9a-fA-F]{64})$/.exec(part);
      if (m) candidates.push(Buffer.from(m[1], 'hex'));
    } else {
      const m = /^v1,([A-Za-z0-9+/]+={0,2})$/.exec(part);
      const bytes = m ? Buffer.from(m[1], 'base64') : null;
      if (bytes && bytes.length === 32) candidates.push(bytes);
    }
  }
  if (!/^\d{1,12}$/.test(time) || candidates.length === 0) {
    return {
      code: 'E_HOOK_SIGNATURE_MALFORMED',
      message: `The ${!/^\d{1,12}$/.test(time) ? names.timestamp : names.signature} header is not in the ${opts.scheme === 'slack' ? 'Slack' : 'Standard Webhooks'} form (${opts.scheme === 'slack' ? '"v0=<64 hex digits>" and the time in unix seconds' : '"v1,<base64>" and the time in unix seconds'}).`,
      hint: 'Check that "Check requests" fits the sender (docs/security.md lists what each setting reads).',
    };
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const expired = expiredProblem(now - Number(time), opts.toleranceSeconds);
  if (expired) return expired;
  const mac = createHmac('sha256', keyOf(opts.scheme, opts.secret));
  mac.update(opts.scheme === 'slack' ? `v0:${time}:` : `${id}.${time}.`, 'utf8');
  mac.update(opts.body);
  const expected = mac.digest();
  let match = false;
  for (const c of candidates) if (timingSafeEqual(expected, c)) match = true;
  if (!match) {
    return {
      code: 'E_HOOK_SIGNATURE_INVALID',
      message: 'The request\'s signature does not match its body and time: it was not signed with this hook\'s secret, or the body was changed on the way.',
      hint: `Check that the Webhook trigger's secret is the sender's ${opts.scheme === 'slack' ? 'signing secret (the app\'s "Basic Information" page)' : 'signing secret, whsec_… as the sender shows it'}, and that nothing between them rewrites the body.`,
    };
  }
  return null;
}
