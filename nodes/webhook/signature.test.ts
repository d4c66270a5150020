import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, parseSignatureHeader, signatureHeader, verifySignature } from './signature.ts';
import { eventIdOf, hookRecord } from './record.ts';

const SECRET = 'whsec_test_0123456789abcdef';
const BODY = Buffer.from('{"id":"evt_1","type":"payment.succeeded","data":{"email":"ada@example.com"}}');
const NOW = 1_765_000_000;

describe('webhook signatures (HMAC-SHA256 over "<t>.<body>")', () => {
  it('signs exactly as Stripe does: hex HMAC of the time, a dot and the raw body', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY.toString()}`).digest('hex');
    expect(computeSignature(SECRET, NOW, BODY)).toBe(expected);
    expect(signatureHeader(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('accepts a request signed with the secret within the window', () => {
    expect(verifySignature({ secret: SECRET, body: BODY, header: signatureHeader(SECRET, BODY, NOW - 299), now: NOW })).toBeNull();
    expect(verifySignature({ secret: SECRET, body: BODY, header: signatureHeader(SECRET, BODY, NOW + 30), now: NOW })).toBeNull();
  });

  it('accepts any one of several v1 signatures (a sender rotating its secret)', () => {
    const header = `t=${NOW},v1=${computeSignature('whsec_old_secret_aaaaaaaa', NOW, BODY)},v1=${computeSignature(SECRET, NOW, BODY)},v0=ignored`;
    expect(verifySignature({ secret: SECRET, body: BODY, header, now: NOW })).toBeNull();
  });

  it('refuses a request with no signature header', () => {
    expect(verifySignature({ secret: SECRET, body: BODY, header: undefined, now: NOW })).toMatchObject({ code: 'E_HOOK_SIGNATURE_MISSING' });
    expect(verifySignature({ secret: SECRET, body: BODY, header: '  ', headerName: 'Stripe-Signature', now: NOW })?.message).toContain('Stripe-Signature');
  });

  it('refuses a header that is not t=…,v1=…', () => {
    for (const header of ['garbage', `t=${NOW}`, 'v1=' + 'a'.repeat(64), `t=abc,v1=${'a'.repeat(64)}`, `t=${NOW},v1=xyz`]) {
      expect(verifySignature({ secret: SECRET, body: BODY, header, now: NOW })?.code, header).toBe('E_HOOK_SIGNATURE_MALFORMED');
    }
  });

  it('refuses a signature made with another secret', () => {
    const header = signatureHeader('whsec_someone_else_123456', BODY, NOW);
    expect(verifySignature({ secret: SECRET, body: BODY, header, now: NOW })).toMatchObject({ code: 'E_HOOK_SIGNATURE_INVALID' });
  });

  it('refuses a body changed after signing (one byte is enough)', () => {
    const header = signatureHeader(SECRET, BODY, NOW);
    const tampered = Buffer.from(BODY.toString().replace('ada@', 'eve@'));
    expect(verifySignature({ secret: SECRET, body: tampered, header, now: NOW })).toMatchObject({ code: 'E_HOOK_SIGNATURE_INVALID' });
  });

  it('refuses a genuine request replayed after the tolerance window, or dated in the future', () => {
    const old = signatureHeader(SECRET, BODY, NOW - 301);
    const problem = verifySignature({ secret: SECRET, body: BODY, header: old, now: NOW });
    expect(problem).toMatchObject({ code: 'E_HOOK_SIGNATURE_EXPIRED' });
    expect(problem?.message).toContain('301 s ago');
    expect(verifySignature({ secret: SECRET, body: BODY, header: signatureHeader(SECRET, BODY, NOW + 400), now: NOW })?.code).toBe('E_HOOK_SIGNATURE_EXPIRED');
    // A wider window set on the trigger lets the same request through.
    expect(verifySignature({ secret: SECRET, body: BODY, header: old, now: NOW, toleranceSeconds: 600 })).toBeNull();
  });

  it('moving the time in the header breaks the signature (the time is signed too)', () => {
    const sig = computeSignature(SECRET, NOW - 1000, BODY);
    expect(verifySignature({ secret: SECRET, body: BODY, header: `t=${NOW},v1=${sig}`, now: NOW })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
  });

  it('never quotes the secret or the expected signature in what it says', () => {
    const problem = verifySignature({ secret: SECRET, body: BODY, header: signatureHeader('whsec_other_secret_000000', BODY, NOW), now: NOW })!;
    const text = `${problem.message} ${problem.hint}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(computeSignature(SECRET, NOW, BODY));
  });

  it('parses the header parts it knows and ignores the others', () => {
    expect(parseSignatureHeader(` t=${NOW} , v1=${'AB'.repeat(32)}, v2=zzz`)).toEqual({ timestamp: NOW, signatures: ['ab'.repeat(32)] });
  });
});

describe('hook records', () => {
  it('carry the event id read at the configured path (the replay key), the body, query and headers without the signature or cookies', () => {
    const record = hookRecord({
      name: 'payments',
      body: { data: { object: { id: 'pi_42' } } },
      headers: { 'Conveyor-Signature': 't=1,v1=00', cookie: 'sid=1', authorization: 'Bearer x', 'content-type': 'application/json', 'x-multi': ['a', 'b'] },
      query: { source: 'demo', drop: { nested: true } },
      eventIdPath: 'data.object.id',
      receivedAt: new Date(NOW * 1000),
      signatureHeader: 'Conveyor-Signature',
    });
    expect(record).toEqual({
      eventId: 'pi_42',
      body: { data: { object: { id: 'pi_42' } } },
      headers: { 'content-type': 'application/json', 'x-multi': 'a, b' },
      query: { source: 'demo' },
      hook: 'payments',
      receivedAt: new Date(NOW * 1000).toISOString(),
    });
  });

  it('have no event id when the path is empty, missing, or not a text or number', () => {
    expect(eventIdOf({ id: 'evt' }, '')).toBeNull();
    expect(eventIdOf({ id: '  ' }, 'id')).toBeNull();
    expect(eventIdOf({ id: { a: 1 } }, 'id')).toBeNull();
    expect(eventIdOf({ id: 7 }, 'id')).toBe('7');
    expect(eventIdOf('text body', 'id')).toBeNull();
  });
});
