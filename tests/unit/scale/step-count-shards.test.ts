/**
 * Step counters under concurrent writers (PostgreSQL migration 6): a transaction that holds its
 * counter increments uncommitted — a worker whose process waits for a core before COMMIT — does not
 * hold up another writer's commit of the same run and node, and the counters read back exact after
 * two stores commit steps of one run at once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { writeCounts } from '../../../server/store/pg/writes.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { flowDoc, recordData, runRow, stepRow, stepUpdate } from '../store/fixtures.ts';

const RUN = 'run_shards';
const RECORDS = 16;
const STEPS = 8;
let db: TestDatabase;
let a: PgStore;
let b: PgStore;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await openPgStore(db.url, { poolSize: 3 });
  b = await openPgStore(db.url, { poolSize: 3 });
  await a.putFlow(flowDoc('flow_shards'));
  await a.createRun(runRow(RUN, 'flow_shards', '2024-01-01T00:00:00.000Z', RECORDS), Array.from({ length: RECORDS }, (_, i) => recordData(i)));
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

/** Resolves 'lock wait' once a session of the test database waits for a lock (polled, no timing). */
async function lockWait(url: string, until: Promise<unknown>): Promise<'lock wait'> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let done = false;
  void until.finally(() => (done = true));
  try {
    while (!done) {
      const r = await c.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if ((r.rowCount ?? 0) > 0) return 'lock wait';
      await new Promise((res) => setImmediate(res));
    }
    return new Promise(() => undefined);
  } finally {
    await c.end();
  }
}

describe('step counters with several writers (PostgreSQL)', () => {
  it("a commit does not wait for another transaction's uncommitted counters of the same node; the counts are exact", async () => {
    // An open transaction that added to node1's success counter and has not committed yet.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await writeCounts(holder as unknown as pg.PoolClient, new Map([[`${RUN}\u0000node1`, [1, 0, 0] as [number, number, number]]]));

    // Another store commits a step of node1 (stepRow seq 1) meanwhile: it must not queue behind it.
    const commit = b.commitStep(stepRow(RUN, 0, 1), stepUpdate(RUN, 0, 1)).then(() => 'committed' as const);
    expect(await Promise.race([commit, lockWait(db.url, commit)])).toBe('committed');
    await holder.query('COMMIT');
    await holder.end();

    // Both stores commit the other steps at once, record by record, interleaved.
    const expected: Record<string, { success: number; failed: number; review: number }> = { node1: { success: 1, failed: 0, review: 0 } };
    const writes: Promise<void>[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const store = i % 2 === 0 ? a : b;
      writes.push(
        (async () => {
          for (let seq = i === 0 ? 2 : 1; seq <= STEPS; seq++) await store.commitStep(stepRow(RUN, i, seq), stepUpdate(RUN, i, seq));
        })(),
      );
    }
    for (let i = 0; i < RECORDS; i++) {
      for (let seq = 1; seq <= STEPS; seq++) {
        const s = stepRow(RUN, i, seq);
        const c = (expected[s.nodeId] ??= { success: 0, failed: 0, review: 0 });
        c[s.status === 'success' ? 'success' : 'failed']++;
      }
    }
    await Promise.all(writes);
    expect(await a.stepCounts(RUN)).toEqual(expected);
    expect(await b.stepCounts(RUN)).toEqual(expected);
  });
});
