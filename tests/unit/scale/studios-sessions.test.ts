/**
 * Two studios behind one load balancer (two processes, two data folders, one PostgreSQL database):
 * a person signed in on studio A is signed in on studio B, and signing out on A signs out on B too.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../server/auth/password.ts';
import { kill } from '../crash/studio-process.ts';
import { freshDatabaseForProcesses, startStudioForWorkers } from './scale-setup.ts';

const PASSWORD = 'correct horse battery';
// A fresh database and data folder for this file's processes (they inherit CONVEYOR_STORE and DATABASE_URL).
freshDatabaseForProcesses('studio-sessions');
beforeAll(async () => {
  // Set before the studios start (they inherit it); a cheap scrypt cost keeps the test quick.
  process.env.CONVEYOR_ADMIN_PASSWORD_HASH = await hashPassword(PASSWORD, { N: 2 ** 10, r: 8, p: 1 });
});
afterAll(() => {
  delete process.env.CONVEYOR_ADMIN_PASSWORD_HASH;
});

const folder = (name: string) => mkdtempSync(path.join(os.tmpdir(), `conveyor-sessions-${name}-`));

/** The status of GET /api/flows with the cookie, once it is `want` (the other studio is told within milliseconds) or after 5 s. */
async function statusOn(url: string, cookie: string, want: number): Promise<number> {
  const stop = Date.now() + 5000;
  for (;;) {
    const status = (await fetch(`${url}/api/flows`, { headers: { cookie } })).status;
    if (status === want || Date.now() > stop) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sign-in sessions across studios', () => {
  it('a session made on studio A is valid on studio B, and a sign-out on A ends it on B', async () => {
    const a = await startStudioForWorkers(folder('a'));
    const b = await startStudioForWorkers(folder('b'));
    try {
      expect((await fetch(`${b.url}/api/flows`)).status).toBe(401);
      const login = await fetch(`${a.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: a.url }, body: JSON.stringify({ password: PASSWORD }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const csrf = (await login.json()).csrfToken as string | undefined;
      expect(await statusOn(b.url, cookie, 200)).toBe(200);

      const out = await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: a.url, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
      expect(out.status).toBeLessThan(300);
      expect(await statusOn(b.url, cookie, 401)).toBe(401);
      expect(await statusOn(a.url, cookie, 401)).toBe(401);
    } finally {
      await kill(a.child);
      await kill(b.child);
    }
  }, 150_000);
});
