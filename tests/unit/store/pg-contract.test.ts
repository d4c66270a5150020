/**
 * The store contract against the PostgreSQL store, in a throwaway database on the machine's
 * PostgreSQL (DATABASE_URL names the server; `conveyor_test_<random>` is created and dropped).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Retention } from '../../../server/retention/retention.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { sharedTrackingKey } from '../../../server/tracking/key-check.ts';
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
      expect(totals.database).toEqual({ evidence: 0, uploads: 0 });
    } finally {
      await store.close();
    }
  });

  it('the evidence and shared uploads inside the database are counted there, apart from this studio\'s folders', async () => {
    await emptyStoreTables(db.url);
    const store = await openPgStore(db.url);
    try {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-share-'));
      await store.putEvidence('r1', 'r1/shot.png', Buffer.alloc(70_000, 1));
      await store.putEvidence('r2', 'r2/page.html', Buffer.alloc(5_000, 2));
      const file = path.join(dataDir, 'sheet.csv');
      writeFileSync(file, 'a,b\n'.repeat(10_000));
      await store.shareUpload({ id: 'u1', name: 'sheet.csv', size: 40_000, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }, file);
      const { totals } = await new Retention({ store, dataDir }).storage();
      expect(totals.database).toEqual({ evidence: 75_000, uploads: 40_000 });
      // The folders of this studio hold none of it.
      expect(totals.disk.evidence).toBe(0);
      expect(totals.disk.uploads).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('tracking key: PostgreSQL', () => {
  it('two studios starting at once with different tracking secrets: one key is kept, and the other studio is told it makes no link', async () => {
    await emptyStoreTables(db.url);
    const [a, b] = await Promise.all([openPgStore(db.url), openPgStore(db.url)]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-tracking-'));
    try {
      // Several rounds: each starts both at once from an empty database (the race is the point).
      for (let round = 0; round < 6; round++) {
        await a.clearNodeState('install', '~tracking-key');
        const started = await Promise.all([
          sharedTrackingKey(path.join(dir, 'a'), a, { CONVEYOR_TRACKING_SECRET: `a${round}`.repeat(20) }, () => undefined),
          sharedTrackingKey(path.join(dir, 'b'), b, { CONVEYOR_TRACKING_SECRET: `b${round}`.repeat(20) }, () => undefined),
        ]);
        expect(started.filter((s) => s.problem === null), `round ${round}`).toHaveLength(1);
        expect(started.find((s) => s.problem !== null)?.problem).toMatch(/is not the one the other studios and workers of this database sign links with/);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
