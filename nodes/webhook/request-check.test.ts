import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBasic, verifyBodyHmac, verifyTimed, verifyToken } from './request-check.ts';

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

describe('verifyBasic: a name and password sent as HTTP Basic authentication (an address with name:password@ in it)', () => {
  const basic = (secret: string, pair: string | null, scheme = 'Basic') => verifyBasic({ secret, header: pair === null ? undefined : `${scheme} ${Buffer.from(pair, 'utf8').toString('base64')}` });
  it('a secret "name:password" takes that name and that password, a password with colons and non-ASCII letters included', () => {
    expect(basic('twilio:s3cr3t', 'twilio:s3cr3t')).toBeNull();
    expect(basic('twilio:s3cr3t', 'twilio:s3cr3t', 'basic')).toBeNull();
    expect(basic('hooks:pa:ss:wörd', 'hooks:pa:ss:wörd')).toBeNull();
    expect(basic('twilio:s3cr3t', 'twilio:s3cr3tx')?.code).toBe('E_HOOK_AUTH_INVALID');
    expect(basic('twilio:s3cr3t', 'twilio2:s3cr3t')?.code).toBe('E_HOOK_AUTH_INVALID');
    expect(basic('twilio:s3cr3t', 's3cr3t')?.code).toBe('E_HOOK_AUTH_INVALID');
    expect(basic('twilio:s3cr3t', ':s3cr3t')?.code).toBe('E_HOOK_AUTH_INVALID');
  });

  it('a secret without a colon is the password, with any name; nothing else passes', () => {
    expect(basic('s3cr3t', 'anyone:s3cr3t')).toBeNull();
    expect(basic('s3cr3t', ':s3cr3t')).toBeNull();
    expect(basic('s3cr3t', 's3cr3t')?.code).toBe('E_HOOK_AUTH_INVALID');
    expect(basic('s3cr3t', 'anyone:s3cr3')?.code).toBe('E_HOOK_AUTH_INVALID');
  });

  it('no Authorization, another scheme or not base64 is "missing"; no answer names the secret', () => {
    expect(basic('twilio:s3cr3t', null)?.code).toBe('E_HOOK_AUTH_MISSING');
    expect(basic('twilio:s3cr3t', 'twilio:s3cr3t', 'Bearer')?.code).toBe('E_HOOK_AUTH_MISSING');
    expect(verifyBasic({ secret: 'twilio:s3cr3t', header: 'Basic ***' })?.code).toBe('E_HOOK_AUTH_MISSING');
    expect(verifyBasic({ secret: 'twilio:s3cr3t', header: 'twilio:s3cr3t' })?.code).toBe('E_HOOK_AUTH_MISSING');
    expect(JSON.stringify([basic('twilio:s3cr3t', 'twilio:guess'), basic('twilio:s3cr3t', null)])).not.toContain('s3cr3t');
  });
});

describe('verifyTimed: Slack\'s and Standard Webhooks\' signatures, the time signed with the body', () => {
  // The examples of the schemes' own documentation (Slack: "Verifying requests from Slack"; the
  // Standard Webhooks specification), checked by an implementation written from their text.
  const SLACK_BODY = Buffer.from(
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  );
  const slack = (headers: Record<string, string>, opts: { body?: Buffer; now?: number; secret?: string } = {}) =>
    verifyTimed({ scheme: 'slack', secret: opts.secret ?? '8f742231b10e8888abcd99yyyzzz85a5', body: opts.body ?? SLACK_BODY, header: (n) => headers[n.toLowerCase()], toleranceSeconds: 300, now: opts.now ?? 1531420618 });
  const SLACK_HEADERS = { 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'x-slack-request-timestamp': '1531420618' };

  const STD_BODY = Buffer.from('{"test": 2432232314}');
  const std = (headers: Record<string, string>, opts: { body?: Buffer; now?: number; secret?: string } = {}) =>
    verifyTimed({ scheme: 'standard', secret: opts.secret ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body: opts.body ?? STD_BODY, header: (n) => headers[n.toLowerCase()], toleranceSeconds: 300, now: opts.now ?? 1614265330 });
  const STD_HEADERS = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };

  it('accepts the schemes\' own examples, and a signature among several (a secret being rotated)', () => {
    expect(slack(SLACK_HEADERS)).toBeNull();
    expect(std(STD_HEADERS)).toBeNull();
    expect(std({ ...STD_HEADERS, 'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')} ${STD_HEADERS['webhook-signature']}` })).toBeNull();
  });

  it('refuses another secret, a changed body, another message id, an old time, and what is not the scheme', () => {
    expect(slack(SLACK_HEADERS, { secret: '8f742231b10e8888abcd99yyyzzz85a6' })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(slack(SLACK_HEADERS, { body: Buffer.from(`${SLACK_BODY}x`) })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(std({ ...STD_HEADERS, 'webhook-id': 'msg_other' })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(std(STD_HEADERS, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx' })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    expect(slack(SLACK_HEADERS, { now: 1531420618 + 301 })?.code).toBe('E_HOOK_SIGNATURE_EXPIRED');
    expect(std(STD_HEADERS, { now: 1614265330 - 301 })?.code).toBe('E_HOOK_SIGNATURE_EXPIRED');
    expect(slack({ ...SLACK_HEADERS, 'x-slack-signature': 'v1=abc' })?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    expect(std({ ...STD_HEADERS, 'webhook-timestamp': 'yesterday' })?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    const missing = std({ 'webhook-signature': STD_HEADERS['webhook-signature'] })!;
    expect(missing.code).toBe('E_HOOK_SIGNATURE_MISSING');
    expect(missing.message).toBe('The request lacks webhook-timestamp and webhook-id, so it cannot be checked.');
    expect(slack({})?.code).toBe('E_HOOK_SIGNATURE_MISSING');
  });
});
