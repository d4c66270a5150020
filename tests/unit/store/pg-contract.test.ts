/**
 * The store contract against the PostgreSQL store, in a throwaway database on the machine's
 * PostgreSQL (DATABASE_URL names the server; `conveyor_test_<random>` is created and dropped).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Retention } from '../../../server/retention/retention.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { createTestDatabase, emptyStoreTables, type TestDatabase } from './contract/pg-database.ts';
import { storeContract } from './contract/index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('store contract: PostgreSQL', () => {
  storeContract({
    async open(): Promise<PgStore> {
      // The first open creates the schema (migrations); later tests start from empty tables.
      await emptyStoreTables(db.url);
      return openPgStore(db.url);
    },
    async reopen(store) {
      await store.close();
      return openPgStore(db.url);
    },
  });
});

describe('storage figures: PostgreSQL', () => {
  it('the Storage page\'s "store on disk" is the database\'s size on its server, not an empty folder of the data folder', async () => {
    await emptyStoreTables(db.url);
    const store = await openPgStore(db.url);
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const size = Number((await client.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
      await client.end();
      const { totals } = await new Retention({ store, dataDir: mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-storage-')) }).storage();
      expect(totals.disk.store).toBeGreaterThan(1_000_000);
      expect(Math.abs(totals.disk.store - size)).toBeLessThan(size / 10);
    } finally {
      await store.close();
    }
  });
});
