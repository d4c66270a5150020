/**
 * The PostgreSQL store's start: versioned migrations (once, even with processes starting together),
 * a newer schema refused, an unreachable database named without its password, one studio per
 * database, and the explicit choice of the store (CONVEYOR_STORE) over a DATABASE_URL alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, PgStore } from '../../../server/store/pg/pg-store.ts';
import { MIGRATIONS, PG_SCHEMA_VERSION } from '../../../server/store/pg/migrations/index.ts';
import { storeChoice, describeChoice } from '../../../server/store/open-store.ts';
import { openConveyor } from '../../../server/conveyor.ts';
import { openPastRuns } from '../../../server/cli/past-runs.ts';
import { runRow, recordData } from './fixtures.ts';
import { createTestDatabase, type TestDatabase } from './contract/pg-database.ts';

const made: TestDatabase[] = [];
const fresh = async () => {
  const db = await createTestDatabase();
  made.push(db);
  return db;
};
afterAll(async () => {
  for (const db of made) await db.drop();
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

describe('PostgreSQL store migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await fresh();
  });

  it('runs each migration once, recorded in conveyor_migrations, even when four processes start at once', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPgStore(db.url, { poolSize: 2 })));
    expect(stores.map((s) => s.migration.applied).sort()).toEqual([[], [], [], Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1)]);
    const rows = await query<{ version: number; name: string }>(db.url, 'SELECT version, name FROM conveyor_migrations ORDER BY version');
    // Shipped migrations keep their number and name; every module of the build is recorded once.
    expect(rows.slice(0, 4)).toEqual([{ version: 1, name: 'initial' }, { version: 2, name: 'record-claims' }, { version: 3, name: 'sessions' }, { version: 4, name: 'studios' }]);
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    // Every process can work on the schema.
    await Promise.all(stores.map((s, i) => s.putFlow({ format: 'conveyor.flow/v1', id: `f${i}`, name: `F${i}`, description: '', settings: { concurrency: 1 }, nodes: [], edges: [] } as never)));
    expect((await stores[0].listFlows()).length).toBe(4);
    await Promise.all(stores.map((s) => s.close()));
    const again = await openPgStore(db.url);
    expect(again.migration).toEqual({ applied: [], version: PG_SCHEMA_VERSION });
    await again.close();
  });

  it('refuses a database a newer Conveyor migrated (E_STORE_NEWER), changing nothing', async () => {
    const newer = await fresh();
    await (await openPgStore(newer.url)).close();
    await query(newer.url, "INSERT INTO conveyor_migrations (version, name) VALUES (999, 'from the future')");
    await expect(openPgStore(newer.url)).rejects.toMatchObject({ code: 'E_STORE_NEWER', message: expect.stringMatching(/schema 999/) });
    expect((await query<{ n: number }>(newer.url, 'SELECT count(*)::int AS n FROM conveyor_migrations'))[0].n).toBe(PG_SCHEMA_VERSION + 1);
  });

  it('names an unreachable database without its password (E_STORE_UNREACHABLE)', async () => {
    const err = (await openPgStore('postgres://conveyor:s3cret-pass@127.0.0.1:1/nowhere').then(
      () => null,
      (e: unknown) => e,
    )) as { code: string; message: string; hint: string };
    expect(err).toMatchObject({ code: 'E_STORE_UNREACHABLE' });
    expect(err.message).toContain('127.0.0.1:1/nowhere');
    expect(`${err.message} ${err.hint}`).not.toContain('s3cret');
  });

  it('holds the database for one studio: a second is refused (E_STORE_IN_USE) until the first closes', async () => {
    const first = await openPgStore(db.url, { exclusive: true });
    await expect(openPgStore(db.url, { exclusive: true })).rejects.toMatchObject({ code: 'E_STORE_IN_USE' });
    const reader = await openPgStore(db.url); // not exclusive: a copy or a check may read alongside
    await reader.close();
    await first.close();
    const next = await openPgStore(db.url, { exclusive: true });
    await next.close();
  });
});

describe('choosing the store', () => {
  it('stays embedded unless CONVEYOR_STORE=postgres: a DATABASE_URL alone changes nothing', () => {
    expect(storeChoice({})).toEqual({ kind: 'embedded' });
    expect(storeChoice({ DATABASE_URL: 'postgres://x@h/db' })).toEqual({ kind: 'embedded' });
    expect(storeChoice({ CONVEYOR_STORE: 'embedded', DATABASE_URL: 'postgres://x@h/db' })).toEqual({ kind: 'embedded' });
    expect(storeChoice({ CONVEYOR_STORE: 'postgres', DATABASE_URL: 'postgresql://x:pw@h:5433/db' })).toEqual({ kind: 'postgres', url: 'postgresql://x:pw@h:5433/db' });
    expect(describeChoice({ kind: 'postgres', url: 'postgresql://x:pw@h:5433/db' }, '/d')).toBe('PostgreSQL store at h:5433/db');
  });

  it('refuses a choice it cannot open (E_STORE_CONFIG), without repeating the URL', () => {
    expect(() => storeChoice({ CONVEYOR_STORE: 'postgres' })).toThrow(expect.objectContaining({ code: 'E_STORE_CONFIG', message: expect.stringMatching(/DATABASE_URL is not set/) }));
    expect(() => storeChoice({ CONVEYOR_STORE: 'mysql' })).toThrow(expect.objectContaining({ code: 'E_STORE_CONFIG' }));
    let message = '';
    try {
      storeChoice({ CONVEYOR_STORE: 'postgres', DATABASE_URL: 'mysql://root:hunter2@h/db' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not a PostgreSQL connection URL/);
    expect(message).not.toContain('hunter2');
  });

  it('openConveyor on the PostgreSQL store keeps no store in the data folder', async () => {
    const db = await fresh();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-open-'));
    try {
      const c = await openConveyor(dir, { store: { kind: 'postgres', url: db.url } });
      expect(c.store).toBeInstanceOf(PgStore);
      const flow = await c.flows.create('Kept in PostgreSQL');
      await c.close();
      expect(existsSync(path.join(dir, 'store'))).toBe(false);
      expect(await query(db.url, 'SELECT id, name FROM flows')).toEqual([{ id: flow.id, name: 'Kept in PostgreSQL' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dry check reads past runs from PostgreSQL when it is the store (CONVEYOR_STORE=postgres)', async () => {
    const db = await fresh();
    const seed = await openPgStore(db.url);
    await seed.createRun(runRow('earlier', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)], { keys: ['k'] });
    await seed.updateRecord({ runId: 'earlier', index: 0, status: 'success', checkpoint: null });
    await seed.close();
    const saved = { store: process.env.CONVEYOR_STORE, url: process.env.DATABASE_URL };
    process.env.CONVEYOR_STORE = 'postgres';
    process.env.DATABASE_URL = db.url;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-check-'));
    try {
      const past = await openPastRuns(dir);
      expect(past.store).toBeInstanceOf(PgStore);
      expect((await past.store.keyAttempts('f', ['k'], 'next')).get('k')?.lastSuccess).toMatchObject({ runId: 'earlier' });
      await past.close();
      expect(existsSync(path.join(dir, 'store'))).toBe(false);
    } finally {
      process.env.CONVEYOR_STORE = saved.store ?? '';
      if (saved.url === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved.url;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
