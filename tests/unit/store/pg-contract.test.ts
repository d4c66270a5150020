/**
 * The store contract against the PostgreSQL store, in a throwaway database on the machine's
 * PostgreSQL (DATABASE_URL names the server; `conveyor_test_<random>` is created and dropped).
 */
import { afterAll, beforeAll, describe } from 'vitest';
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
