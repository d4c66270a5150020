/**
 * The vault on the PostgreSQL store, as several processes see it (two Vault objects on one database,
 * each with its own data folder, as on two machines): the key comes from configuration and never
 * reaches the database; another key or none is refused with its code; a credential saved by one is
 * read by the other; two saved at once are both kept; a data folder's old vault.json is handed over once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVault, type Vault } from '../../../server/vault/vault.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

let db: TestDatabase;
const opened: Vault[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const v of opened) await v.close();
  await db?.drop();
});

const folder = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-studio-vault-'));
const key = () => randomBytes(32).toString('base64');
const credential = (name: string, secret: string) => ({ name, kind: 'api_key', secrets: { key: secret }, scope: { nodeTypes: ['core.http-request'] } });

async function open(dir: string, secretKey: string | undefined, url = db.url): Promise<Vault> {
  const vault = await openVault(dir, { env: secretKey ? { CONVEYOR_SECRET_KEY: secretKey } : {}, store: { kind: 'postgres', url } });
  opened.push(vault);
  return vault;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  return p.then(
    () => ({ code: 'none', message: '' }),
    (err: { code: string; message: string }) => err,
  );
}

async function doc(): Promise<string> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<{ doc: string }>('SELECT doc FROM vault')).rows[0]?.doc ?? '';
  } finally {
    await c.end();
  }
}

describe('the vault on PostgreSQL, shared by processes', () => {
  const K = key();

  it('refuses a first credential without CONVEYOR_SECRET_KEY (a key file would be one machine\'s only)', async () => {
    const dir = folder();
    const vault = await open(dir, undefined);
    const err = await failure(vault.create(credential('A', 'secret-aaaa')));
    expect(err.code).toBe('E_VAULT_KEY_MISSING');
    expect(err.message).toMatch(/CONVEYOR_SECRET_KEY/);
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
  });

  it('keeps the secrets encrypted in the database, read by another process with the same key', async () => {
    const a = await open(folder(), K);
    const b = await open(folder(), K);
    await a.create(credential('A', 'secret-aaaa'));
    const text = await doc();
    expect(text).not.toContain('secret-aaaa');
    expect(text).not.toContain(K);
    // B was told (NOTIFY); a lookup that misses reads the row anyway.
    expect((await b.lookup('A'))?.secrets.key).toBe('secret-aaaa');
    // Two saved at once on two processes: both kept (each change is made on the row under its lock).
    await Promise.all([a.create(credential('B', 'secret-bbbb')), b.create(credential('C', 'secret-cccc'))]);
    const c = await open(folder(), K);
    expect(c.list().map((x) => x.name)).toEqual(['A', 'B', 'C']);
  });

  it('refuses another key, and no key, with their codes', async () => {
    expect((await failure(open(folder(), key()))).code).toBe('E_VAULT_KEY_WRONG');
    const missing = await failure(open(folder(), undefined));
    expect(missing.code).toBe('E_VAULT_KEY_MISSING');
    expect(missing.message).toMatch(/every studio and worker/);
    // A configuration the server lacks, answered as such (503), not as a fault of its own (500).
    expect(missing).toMatchObject({ status: 503 });
  });

  it('hands a data folder\'s vault.json over once, still encrypted, when the database has no vault yet', async () => {
    const other = await createTestDatabase();
    try {
      const dir = folder();
      const local = await openVault(dir, { env: { CONVEYOR_SECRET_KEY: K } });
      await local.create(credential('Old', 'secret-old1'));
      const shared = await open(dir, K, other.url);
      expect((await shared.lookup('Old'))?.secrets.key).toBe('secret-old1');
      expect(existsSync(path.join(dir, 'vault.json'))).toBe(false);
      expect(existsSync(path.join(dir, 'vault.json.moved-to-postgres'))).toBe(true);
      await shared.close();
    } finally {
      await other.drop();
    }
  });
});
