import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBodyHmac, verifyToken } from './request-check.ts';

const SECRET = 'whsec_request_check_0123';
const BODY = Buffer.from('{"id":"evt_1","amount":4900}', 'utf8');
const mac = (hash: string, secret = SECRET, body: Uint8Array = BODY) => createHmac(hash, secret).update(body).digest();
const check = (header: string | undefined, body: Uint8Array = BODY) => verifyBodyHmac({ secret: SECRET, body, header, headerName: 'X-Signature' });

describe('verifyBodyHmac: the HMAC of the raw body, as GitHub, Shopify, WooCommerce, Typeform and Intercom send it', () => {
  it('accepts hex or base64 (standard or URL-safe), with or without the hash named, SHA-1/256/512', () => {
    expect(check(`sha256=${mac('sha256').toString('hex')}`)).toBeNull(); // GitHub
    expect(check(mac('sha256').toString('base64'))).toBeNull(); // Shopify, WooCommerce
    expect(check(`sha256=${mac('sha256').toString('base64')}`)).toBeNull(); // Typeform
    expect(check(`sha1=${mac('sha1').toString('hex')}`)).toBeNull(); // GitHub's older header, Intercom
    expect(check(mac('sha512').toString('hex').toUpperCase())).toBeNull();
    expect(check(mac('sha256').toString('base64url'))).toBeNull();
    // Several signatures (a sender rotating its secret): one that matches is enough.
    expect(check(`sha256=${mac('sha256', 'whsec_old_secret_0000000').toString('hex')}, sha256=${mac('sha256').toString('hex')}`)).toBeNull();
  });

  it('refuses another secret, another body, a hash that does not fit its name, and what is not an HMAC', () => {
    expect(check(`sha256=${mac('sha256', 'whsec_someone_else_00000').toString('hex')}`)?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(check(`sha256=${mac('sha256').toString('hex')}`, Buffer.from('{"id":"evt_1","amount":1}'))?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(check(`sha1=${mac('sha256').toString('hex')}`)?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    expect(check('t=1733353200,v1=abc')?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    expect(check('not a signature')?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    expect(check('')?.code).toBe('E_HOOK_SIGNATURE_MISSING');
    expect(check(undefined)?.code).toBe('E_HOOK_SIGNATURE_MISSING');
    const problem = check('zz')!;
    expect(problem.message).toContain('X-Signature');
    expect(`${problem.message} ${problem.hint}`).not.toContain(SECRET);
  });
});

describe('verifyToken: the secret itself in a header', () => {
  const token = (header: string | undefined) => verifyToken({ secret: SECRET, header, headerName: 'X-Gitlab-Token' });
  it('accepts the secret as it is or after "Bearer", and nothing else', () => {
    expect(token(SECRET)).toBeNull();
    expect(token(` ${SECRET} `)).toBeNull();
    expect(token(`Bearer ${SECRET}`)).toBeNull();
    expect(token(`bearer ${SECRET}`)).toBeNull();
    expect(token(`${SECRET}x`)?.code).toBe('E_HOOK_TOKEN_INVALID');
    expect(token(SECRET.slice(0, -1))?.code).toBe('E_HOOK_TOKEN_INVALID');
    expect(token(`Basic ${SECRET}`)?.code).toBe('E_HOOK_TOKEN_INVALID');
    expect(token('')?.code).toBe('E_HOOK_TOKEN_MISSING');
    expect(token(undefined)?.code).toBe('E_HOOK_TOKEN_MISSING');
    expect(JSON.stringify(token('guess'))).not.toContain(SECRET);
  });
});
