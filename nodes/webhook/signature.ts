import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature scheme (docs/security.md, "Webhook signatures"), Stripe's shape:
 *
 *   Conveyor-Signature: t=1733353200,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
 *
 * `v1` is the hex HMAC-SHA256, keyed by the shared secret, of `<t>.<raw body bytes>`. Signing the
 * time with the body lets the receiver refuse an old request replayed later (the tolerance window);
 * signing the exact bytes means any change to the body breaks the signature. Several `v1` entries
 * may be given (a sender rotating its secret signs with both); one that matches is enough.
 */

export const DEFAULT_SIGNATURE_HEADER = 'Conveyor-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Why a request's signature was refused; each maps to a documented error code. */
export type SignatureProblem =
  | { code: 'E_HOOK_SIGNATURE_MISSING'; message: string; hint: string }
  | { code: 'E_HOOK_SIGNATURE_MALFORMED'; message: string; hint: string }
  | { code: 'E_HOOK_SIGNATURE_EXPIRED'; message: string; hint: string }
  | { code: 'E_HOOK_SIGNATURE_INVALID'; message: string; hint: string };

export interface ParsedSignature {
  timestamp: number;
  signatures: string[];
}

/** The signature for `body` sent at `timestamp` (unix seconds), as the `v1` value. */
export function computeSignature(secret: string, timestamp: number, body: Uint8Array | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`, 'utf8');
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return mac.digest('hex');
}

/** The whole header value a sender puts in the request (what the demo payment provider sends). */
export function signatureHeader(secret: string, body: Uint8Array | string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

/** Reads `t=…,v1=…[,v1=…]`; unknown entries (a future `v2`) are ignored, as Stripe does. */
export function parseSignatureHeader(value: string | undefined | null, headerName = DEFAULT_SIGNATURE_HEADER): ParsedSignature | SignatureProblem {
  if (value === undefined || value === null || value.trim() === '') {
    return {
      code: 'E_HOOK_SIGNATURE_MISSING',
      message: `The request has no ${headerName} header, so it cannot be checked.`,
      hint: `The sender must sign each request and send "${headerName}: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">" (docs/security.md); check the header name set in the Webhook trigger.`,
    };
  }
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(val)) timestamp = Number(val);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(val)) signatures.push(val.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    return {
      code: 'E_HOOK_SIGNATURE_MALFORMED',
      message: `The ${headerName} header is not in the form "t=<unix time>,v1=<64 hex digits>"${timestamp === null ? ' (no valid t=)' : ' (no valid v1=)'}.`,
      hint: 'Send the time in whole seconds since 1970 and the hex HMAC-SHA256 signature, separated by a comma (docs/security.md).',
    };
  }
  return { timestamp, signatures };
}

export interface VerifyOptions {
  secret: string;
  /** The raw bytes of the body exactly as received (never a re-serialized JSON). */
  body: Uint8Array;
  header: string | undefined | null;
  headerName?: string;
  toleranceSeconds?: number;
  /** Unix seconds; default now. */
  now?: number;
}

/** null when the signature holds, else why not. The comparison takes the same time whatever matches. */
export function verifySignature(opts: VerifyOptions): SignatureProblem | null {
  const headerName = opts.headerName ?? DEFAULT_SIGNATURE_HEADER;
  const parsed = parseSignatureHeader(opts.header, headerName);
  if ('code' in parsed) return parsed;
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const expired = expiredProblem(now - parsed.timestamp, tolerance);
  if (expired) return expired;
  const expected = Buffer.from(computeSignature(opts.secret, parsed.timestamp, opts.body), 'hex');
  let match = false;
  for (const candidate of parsed.signatures) {
    // Every candidate is compared in full (no early exit), in constant time.
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) match = true;
  }
  if (!match) {
    return {
      code: 'E_HOOK_SIGNATURE_INVALID',
      message: 'The request\'s signature does not match its body and time: it was not signed with this hook\'s secret, or the body was changed on the way.',
      hint: 'Check that the sender and the Webhook trigger use the same secret, and that the sender signs the exact bytes it sends ("<t>.<body>").',
    };
  }
  return null;
}

/**
 * A signed time further than `tolerance` seconds from now (`skew`: now − signed time): refused as a
 * replay, or a clock that is off. Shared by every scheme that signs a time (request-check.ts too).
 */
export function expiredProblem(skew: number, tolerance: number): SignatureProblem | null {
  if (Math.abs(skew) <= tolerance) return null;
  return {
    code: 'E_HOOK_SIGNATURE_EXPIRED',
    message: `The request was signed ${skew >= 0 ? `${skew} s ago` : `${-skew} s in the future`}, outside the ${tolerance} s window this hook accepts.`,
    hint: 'A request replayed later is refused on purpose. If the sender is genuine, check both clocks (NTP), or widen the tolerance in the Webhook trigger.',
  };
}
