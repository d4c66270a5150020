import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import querystring from 'node:querystring';
import type { SignatureProblem } from './signature.ts';

/**
 * Twilio's request signature (`X-Twilio-Signature`), as Twilio documents it and its own libraries
 * check it: the base64 HMAC-SHA1, keyed by the account's Auth Token, of the address Twilio was given
 * (scheme, host, path and query, exactly) followed by each form field of the body — names sorted,
 * each name then its value, a repeated name's distinct values sorted. A body that is not a form
 * (Twilio's JSON webhooks) is not in the signature: the address then carries `bodySHA256`, the hex
 * SHA-256 of the body, which must match. Like Twilio's libraries, the address is tried with and
 * without its default port (Twilio signs either, depending on the product) and with its query
 * re-encoded the older way. No time is signed: a captured request can be sent again, so the hook's
 * event id check (Event id field = MessageSid or CallSid) skips a replay of an event that ran.
 *
 * The address is the one thing the hook cannot read off the request behind a proxy: `urls` are the
 * candidates the server knows (CONVEYOR_PUBLIC_URL, else the request's own host and scheme).
 */
export const TWILIO_HEADER = 'X-Twilio-Signature';

/** The form fields of a body sent as application/x-www-form-urlencoded (others: none). */
function formFields(body: Uint8Array, contentType: string | undefined): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType?.trim() ?? '')) return fields;
  for (const [name, value] of new URLSearchParams(Buffer.from(body).toString('utf8'))) {
    const list = fields.get(name);
    if (list) list.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}

/** The text Twilio signs: the address, then every field's name and value (see above). */
function signedText(url: string, fields: Map<string, string[]>): string {
  let text = url;
  for (const name of [...fields.keys()].sort()) {
    for (const value of [...new Set(fields.get(name))].sort()) text += name + value;
  }
  return text;
}

/** The address with its default port written out (https://host:443/…), as some Twilio products sign it. */
function withDefaultPort(u: URL): string {
  if (u.port) return u.href;
  const auth = u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `${u.protocol}//${auth}${u.host}:${u.protocol === 'https:' ? 443 : 80}${u.pathname}${u.search}${u.hash}`;
}

/** The query re-encoded as Node's querystring writes it (older Twilio signatures). */
function legacyQuery(url: string): string {
  const u = new URL(url);
  if (!u.search) return url;
  const qs = querystring.stringify(querystring.parse(u.search.slice(1)));
  u.search = '';
  return `${u.href}?${qs}`;
}

/** Every way Twilio may have written `url` when it signed. */
export function twilioUrlVariants(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const bare = new URL(u.href);
  bare.port = '';
  const out = new Set<string>();
  for (const v of [bare.href, withDefaultPort(u)]) {
    out.add(v);
    out.add(legacyQuery(v));
  }
  return [...out];
}

/** null when `header` is Twilio's signature of the request, made with `secret` (the Auth Token), for one of `urls`; else why not. */
export function verifyTwilio(opts: { secret: string; body: Uint8Array; contentType: string | undefined; header: string | undefined; urls: readonly string[] }): SignatureProblem | null {
  const sent = opts.header?.trim();
  if (!sent) {
    return {
      code: 'E_HOOK_SIGNATURE_MISSING',
      message: `The request has no ${TWILIO_HEADER} header, so it cannot be checked.`,
      hint: 'Twilio signs every request it sends; a request without the header did not come from Twilio. Check that "Check requests" fits the sender.',
    };
  }
  const digest = /^[A-Za-z0-9+/]+={0,2}$/.test(sent) ? Buffer.from(sent, 'base64') : null;
  if (!digest || digest.length !== 20) {
    return {
      code: 'E_HOOK_SIGNATURE_MALFORMED',
      message: `The ${TWILIO_HEADER} header is not in Twilio's form (the base64 of a 20-byte HMAC-SHA1).`,
      hint: 'Check that "Check requests" fits the sender (docs/security.md lists what each setting reads).',
    };
  }
  const fields = formFields(opts.body, opts.contentType);
  let match = false;
  let bodyChanged = false;
  for (const url of opts.urls) {
    for (const variant of twilioUrlVariants(url)) {
      // A JSON webhook: the address carries the body's SHA-256; the fields are not signed.
      const bodyHash = /[?&]bodySHA256=/.test(variant) ? new URL(variant).searchParams.get('bodySHA256') : null;
      const expected = createHmac('sha1', opts.secret).update(signedText(variant, bodyHash === null ? fields : new Map()), 'utf8').digest();
      if (!timingSafeEqual(expected, digest)) continue;
      if (bodyHash !== null && createHash('sha256').update(opts.body).digest('hex') !== bodyHash.toLowerCase()) bodyChanged = true;
      else match = true;
    }
  }
  if (match) return null;
  if (bodyChanged) {
    return {
      code: 'E_HOOK_SIGNATURE_INVALID',
      message: 'The request\'s body does not match the bodySHA256 its signed address names: the body was changed on the way.',
      hint: 'Check that nothing between Twilio and the studio (a proxy) rewrites the body.',
    };
  }
  return {
    code: 'E_HOOK_SIGNATURE_INVALID',
    message: `The ${TWILIO_HEADER} signature does not match the request checked as sent to ${opts.urls[0] ?? 'this hook'}: it was not signed with this hook's Auth Token, for this address, or the form was changed on the way.`,
    hint: 'The secret must be the Twilio account\'s Auth Token (Console, Account info), and Twilio signs the address it was given: set CONVEYOR_PUBLIC_URL to the studio\'s address as Twilio reaches it (e.g. https://studio.example.com), so that the hook checks that address.',
  };
}
