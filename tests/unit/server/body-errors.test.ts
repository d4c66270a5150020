import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support.ts';

/**
 * How a body the parser refuses is answered: a body over an address's own limit says that limit (a
 * sign-in takes 16 KB, an unsubscribe 2 KB — "at most 20 MB" was said to all), and broken JSON says
 * where it breaks without quoting the bytes around it (Node's message quoted a password sent with
 * broken quoting back to the sender, and into whatever logged the answer).
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

const SECRET = 'hunter2-correct-horse';

describe('bodies the parser refuses', () => {
  it('a body over the address\'s limit is 413 E_BODY_TOO_LARGE naming that limit', async () => {
    const login = await s.api('POST', '/api/auth/login', JSON.stringify({ password: 'x'.repeat(20 * 1024) }));
    expect(login.status).toBe(413);
    expect(login.body.error).toMatchObject({ code: 'E_BODY_TOO_LARGE', message: 'The request body is larger than this address takes (16 KB).' });
    expect(login.body.error.hint).toContain('at most 16 KB');
    const unsubscribe = await fetch(`${s.url}/t/u/some-token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'x'.repeat(3000)}` });
    expect(unsubscribe.status).toBe(413);
    expect((await unsubscribe.json()).error.message).toContain('(2 KB)');
  });

  it('broken JSON is 400 E_BODY_INVALID saying where, never quoting the body', async () => {
    for (const url of ['/api/auth/login', '/api/flows', '/api/credentials']) {
      const unquoted = await s.api('POST', url, `{"password": ${SECRET}, "key": ${SECRET}}`);
      expect([url, unquoted.status, unquoted.body.error.code, unquoted.body.error.message]).toEqual([url, 400, 'E_BODY_INVALID', 'The request body is not valid JSON.']);
      expect(JSON.stringify(unquoted.body)).not.toContain(SECRET.slice(0, 6));
    }
    const cut = await s.api('POST', '/api/flows', `{\n  "name": "x"\n  "description": "${SECRET}"\n}`);
    expect([cut.status, cut.body.error.message]).toEqual([400, 'The request body is not valid JSON at line 3, column 3.']);
    expect(JSON.stringify(cut.body)).not.toContain(SECRET.slice(0, 6));
  });

  it('JSON that is no object is said to be so on every address, credentials too', async () => {
    for (const url of ['/api/credentials', '/api/flows', '/api/auth/login']) {
      const res = await s.api('POST', url, 'null');
      expect([url, res.status, res.body.error.message]).toEqual([url, 400, 'The request body must be a JSON object ({ … }).']);
    }
  });
});
