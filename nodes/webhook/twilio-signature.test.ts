import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { twilioUrlVariants, verifyTwilio } from './twilio-signature.ts';

const FORM = 'application/x-www-form-urlencoded';
const sign = (token: string, text: string) => createHmac('sha1', token).update(text, 'utf8').digest('base64');
const form = (fields: Array<[string, string]>) => Buffer.from(new URLSearchParams(fields).toString());

describe('Twilio request signatures (X-Twilio-Signature)', () => {
  it('checks Twilio\'s documented example: the address, then the sorted form fields, HMAC-SHA1 with the Auth Token', () => {
    // Twilio's own example (its security docs and twilio-node's samples): token 12345.
    const body = form([['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675310'], ['Digits', '1234'], ['From', '+14158675310'], ['To', '+18005551212']]);
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(verifyTwilio({ secret: '12345', body, contentType: FORM, header: 'GvWf1cFY/Q7PnoempGyD5oXAezc=', urls: [url] })).toBeNull();
    // Another token, another address, a field changed: refused.
    expect(verifyTwilio({ secret: '54321', body, contentType: FORM, header: 'GvWf1cFY/Q7PnoempGyD5oXAezc=', urls: [url] })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
    const other = verifyTwilio({ secret: '12345', body, contentType: FORM, header: 'GvWf1cFY/Q7PnoempGyD5oXAezc=', urls: ['https://mycompany.com/myapp.php?foo=1&bar=3'] });
    expect(other).toMatchObject({ code: 'E_HOOK_SIGNATURE_INVALID', message: expect.stringContaining('https://mycompany.com/myapp.php?foo=1&bar=3'), hint: expect.stringContaining('CONVEYOR_PUBLIC_URL') });
    const changed = Buffer.from(body.toString().replace('Digits=1234', 'Digits=1235'));
    expect(verifyTwilio({ secret: '12345', body: changed, contentType: FORM, header: 'GvWf1cFY/Q7PnoempGyD5oXAezc=', urls: [url] })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
  });

  it('a repeated field signs its distinct values sorted; the address is tried with and without its default port', () => {
    const body = form([['To', '+1'], ['MediaUrl', 'https://b.example/2'], ['MediaUrl', 'https://a.example/1'], ['MediaUrl', 'https://b.example/2']]);
    const text = (url: string) => `${url}MediaUrlhttps://a.example/1MediaUrlhttps://b.example/2To+1`;
    expect(verifyTwilio({ secret: 't', body, contentType: FORM, header: sign('t', text('https://studio.example/hooks/f/sms')), urls: ['https://studio.example/hooks/f/sms'] })).toBeNull();
    // Signed with :443, received without it, and the other way round.
    expect(verifyTwilio({ secret: 't', body, contentType: FORM, header: sign('t', text('https://studio.example:443/hooks/f/sms')), urls: ['https://studio.example/hooks/f/sms'] })).toBeNull();
    expect(verifyTwilio({ secret: 't', body, contentType: FORM, header: sign('t', text('https://studio.example/hooks/f/sms')), urls: ['https://studio.example:443/hooks/f/sms'] })).toBeNull();
    expect(twilioUrlVariants('http://127.0.0.1:3000/hooks/f/sms?a=b c')).toContain('http://127.0.0.1/hooks/f/sms?a=b%20c');
    // Fields of a body that is not a form are not signed (nor parsed).
    expect(verifyTwilio({ secret: 't', body, contentType: 'text/plain', header: sign('t', text('https://studio.example/hooks/f/sms')), urls: ['https://studio.example/hooks/f/sms'] })?.code).toBe('E_HOOK_SIGNATURE_INVALID');
  });

  it('a JSON webhook: the address carries bodySHA256, which must be the body\'s', () => {
    const body = Buffer.from(JSON.stringify({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030' }));
    const url = `https://studio.example/hooks/f/calls?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const header = sign('tok', url);
    expect(verifyTwilio({ secret: 'tok', body, contentType: 'application/json', header, urls: [url] })).toBeNull();
    const edited = Buffer.from(body.toString().replace('+1234', '+9999'));
    expect(verifyTwilio({ secret: 'tok', body: edited, contentType: 'application/json', header, urls: [url] })).toMatchObject({ code: 'E_HOOK_SIGNATURE_INVALID', message: expect.stringContaining('bodySHA256') });
  });

  it('no header, or one that is not a base64 HMAC-SHA1, is refused as such', () => {
    const args = { secret: 't', body: Buffer.alloc(0), contentType: FORM, urls: ['https://x.example/h'] };
    expect(verifyTwilio({ ...args, header: undefined })?.code).toBe('E_HOOK_SIGNATURE_MISSING');
    expect(verifyTwilio({ ...args, header: '  ' })?.code).toBe('E_HOOK_SIGNATURE_MISSING');
    expect(verifyTwilio({ ...args, header: 'sha1=abc' })?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
    expect(verifyTwilio({ ...args, header: Buffer.alloc(32).toString('base64') })?.code).toBe('E_HOOK_SIGNATURE_MALFORMED');
  });
});
