/**
 * Sign-in sessions on the PostgreSQL store: a person signed in to the studio stays signed in when
 * the studio process is killed and started again; signing out ends the session for the next process too.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../server/auth/password.ts';
import { kill, startStudio } from '../crash/studio-process.ts';
import { freshDatabaseForProcesses } from './scale-setup.ts';

const PASSWORD = 'correct horse battery';
// The hash is set before the studios start (they inherit it); a cheap scrypt cost keeps the test quick.
const setup = freshDatabaseForProcesses('sessions');
beforeAll(async () => {
  process.env.CONVEYOR_ADMIN_PASSWORD_HASH = await hashPassword(PASSWORD, { N: 2 ** 10, r: 8, p: 1 });
});
afterAll(() => {
  delete process.env.CONVEYOR_ADMIN_PASSWORD_HASH;
});

async function get(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/api/flows`, { headers: { cookie } })).status;
}

describe('sign-in sessions on PostgreSQL', () => {
  it('keep a person signed in across a studio restart, and a sign-out holds after it', async () => {
    let studio = await startStudio(setup.dir());
    const login = await fetch(`${studio.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: studio.url }, body: JSON.stringify({ password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const csrf = (await login.json()).csrfToken as string | undefined;
    expect(await get(studio.url, cookie)).toBe(200);
    expect(await get(studio.url, '')).toBe(401);
    // The id itself is not stored: only its hash.
    const client = new pg.Client({ connectionString: setup.db().url });
    await client.connect();
    const keys = (await client.query<{ key: string }>('SELECT key FROM auth_sessions')).rows.map((r) => r.key);
    await client.end();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(cookie.split('=')[1]);

    await kill(studio.child);
    studio = await startStudio(setup.dir());
    expect(await get(studio.url, cookie)).toBe(200);

    const out = await fetch(`${studio.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: studio.url, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
    expect(out.status).toBeLessThan(300);
    expect(await get(studio.url, cookie)).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    await kill(studio.child);
    studio = await startStudio(setup.dir());
    expect(await get(studio.url, cookie)).toBe(401);
    await kill(studio.child);
  }, 120_000);
});
