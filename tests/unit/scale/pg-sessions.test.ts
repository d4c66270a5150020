/**
 * Sign-in sessions on the PostgreSQL store: a person signed in to the studio stays signed in when
 * the studio process is killed and started again; signing out ends the session for the next process too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../server/auth/password.ts';
import { kill, killAllStudios, startStudio } from '../crash/studio-process.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

const PASSWORD = 'correct horse battery';
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.CONVEYOR_STORE = 'postgres';
  process.env.DATABASE_URL = db.url;
  process.env.CONVEYOR_ADMIN_PASSWORD_HASH = await hashPassword(PASSWORD, { N: 2 ** 10, r: 8, p: 1 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-sessions-'));
});

afterAll(async () => {
  killAllStudios();
  delete process.env.CONVEYOR_ADMIN_PASSWORD_HASH;
  await new Promise((r) => setTimeout(r, 300));
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/api/flows`, { headers: { cookie } })).status;
}

describe('sign-in sessions on PostgreSQL', () => {
  it('keep a person signed in across a studio restart, and a sign-out holds after it', async () => {
    let studio = await startStudio(dir);
    const login = await fetch(`${studio.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: studio.url }, body: JSON.stringify({ password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const csrf = (await login.json()).csrfToken as string | undefined;
    expect(await get(studio.url, cookie)).toBe(200);
    expect(await get(studio.url, '')).toBe(401);
    // The id itself is not stored: only its hash.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const keys = (await client.query<{ key: string }>('SELECT key FROM auth_sessions')).rows.map((r) => r.key);
    await client.end();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(cookie.split('=')[1]);

    await kill(studio.child);
    studio = await startStudio(dir);
    expect(await get(studio.url, cookie)).toBe(200);

    const out = await fetch(`${studio.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: studio.url, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
    expect(out.status).toBeLessThan(300);
    expect(await get(studio.url, cookie)).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    await kill(studio.child);
    studio = await startStudio(dir);
    expect(await get(studio.url, cookie)).toBe(401);
    await kill(studio.child);
  }, 120_000);
});
