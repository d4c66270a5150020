/**
 * What a worker's records cost the database (issue 14, point 7: workers add up only if a record costs
 * little CPU). A claim reads the rows it takes, whatever the size of the run; step commits of
 * different records queued together are one statement each, with no transaction around them, and a
 * refused one fails alone; a worker claims ahead of its slots (fewer, larger claims) and still never
 * walks more records at once than its slots.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { createPool } from '../../../server/store/pg/connection.ts';
import { WriteQueue } from '../../../server/store/pg/write-queue.ts';
import * as w from '../../../server/store/pg/writes.ts';
import { claimRecords } from '../../../server/worker/claims.ts';
import { notePacing } from '../../../server/worker/pacing.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { effectFlow } from '../store/contract/effects.ts';
import { recordData, runRow, stepRow, stepUpdate } from '../store/fixtures.ts';
import { inProcessWorkers } from './in-process-workers.ts';

let db: TestDatabase;
let store: PgStore;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPgStore(db.url, { poolSize: 2 });
  pool = createPool(db.url, 4);
});

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await db?.drop();
});

async function workerRun(id: string, records: number): Promise<void> {
  const row = runRow(id, 'flow_rt', new Date().toISOString(), records);
  await store.createRun({ ...row, settings: { ...row.settings, executor: 'workers' } }, Array.from({ length: records }, (_, i) => recordData(i)));
  await notePacing(pool, createRegistry());
}

describe('what a worker\'s records cost the database', () => {
  it('a claim on a large run half done reads about the rows it takes, not the run\'s free records', async () => {
    await workerRun('run_big', 5000);
    await pool.query("UPDATE records SET status = 'success' WHERE run_id = 'run_big' AND idx < 2500");
    await pool.query('ANALYZE records');
    // The claim's statements run in this transaction, so its own table statistics (pg_stat_xact_*) count their reads.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const read = async () => {
        const r = await client.query<{ n: string }>("SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'records'");
        return Number(r.rows[0].n);
      };
      const before = await read();
      const claim = await claimRecords(client as unknown as pg.Pool, 'w1', 30_000, 4);
      const rowsRead = (await read()) - before;
      expect(claim?.indexes).toEqual([2500, 2501, 2502, 2503]);
      // The claim hands the records over whole: no read after it.
      expect(claim?.rows.map((r) => JSON.parse(r.data as string))).toEqual([2500, 2501, 2502, 2503].map(recordData));
      // The run search and the claim: a few index entries each (a scan of the free records read 2,500 or more).
      expect(rowsRead).toBeLessThan(100);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('step commits of different records queued together are one statement each, and a refused one fails alone', async () => {
    await workerRun('run_commits', 8);
    const statements: string[] = [];
    // The queue's connections, with every statement they send written down.
    const counted = createPool(db.url, 8);
    const connect = counted.connect.bind(counted) as () => Promise<pg.PoolClient>;
    (counted as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const client = await connect();
      if (!(client as unknown as { counted?: boolean }).counted) {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const q = args[0] as string | { text: string };
          statements.push(typeof q === 'string' ? q : q.text);
          return query(...args);
        };
        (client as unknown as { counted?: boolean }).counted = true;
      }
      return client;
    };
    const queue = new WriteQueue(counted, 'test');
    try {
      // Submitted at once: the first goes alone, the others queue behind it and go together.
      const writes = Array.from({ length: 8 }, (_, i) => queue.submit(w.commitStep(stepRow('run_commits', i, 1), stepUpdate('run_commits', i, 1))));
      // A step of a run that does not exist, among them.
      const refused = queue.submit(w.commitStep(stepRow('run_gone', 0, 1), stepUpdate('run_gone', 0, 1)));
      await Promise.all(writes);
      await expect(refused).rejects.toThrow(/no run "run_gone"/);
      expect(statements.filter((s) => /^\s*(BEGIN|COMMIT|SAVEPOINT)/i.test(s))).toEqual([]);
      // One statement per commit (the refused one reads whether its run exists: one more).
      expect(statements.length).toBeLessThanOrEqual(8 + 2);
      const steps = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM steps WHERE run_id = 'run_commits'");
      expect(steps.rows[0].n).toBe(8);
      const counts = await store.stepCounts('run_commits');
      const total = Object.values(counts).reduce((a, c) => a + c.success + c.failed, 0);
      expect(total).toBe(8);
    } finally {
      await counted.end();
    }
  });
});

describe('a worker claims ahead of its slots', () => {
  const workers = inProcessWorkers('round-trips');
  let server: Server | null = null;
  afterAll(async () => {
    delete process.env.CONVEYOR_ALLOW_HOSTS;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('holds up to twice its slots in claims, walks no more than its slots at once, and calls every key once', async () => {
    const SLOTS = 2;
    const RECORDS = 24;
    const calls = new Map<string, number>();
    let open = 0;
    let maxOpen = 0;
    server = createServer((req, res) => {
      const key = decodeURIComponent(req.url!.split('/').pop()!);
      calls.set(key, (calls.get(key) ?? 0) + 1);
      maxOpen = Math.max(maxOpen, ++open);
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ key, count: calls.get(key) }));
      }, 40);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
    await workers.start(1, { batch: SLOTS, pollMs: 50 });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await workers.studio().startRun(effectFlow('flow_ahead', base, { concurrency: 8 }), { input: { records: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}` })) } });
    const probe = createPool(workers.db().url, 1);
    let maxHeld = 0;
    try {
      for (const end = Date.now() + 60_000; ; ) {
        const held = await probe.query<{ n: number }>("SELECT count(*)::int AS n FROM record_claims WHERE worker = 'w0'");
        maxHeld = Math.max(maxHeld, held.rows[0].n);
        const status = (await workers.store().getRun(run.id))?.status;
        if (status === 'completed') break;
        if (Date.now() > end) throw new Error(`the run is ${status}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await probe.end();
    }
    expect(maxHeld).toBeGreaterThan(SLOTS);
    expect(maxHeld).toBeLessThanOrEqual(2 * SLOTS);
    expect(maxOpen).toBeLessThanOrEqual(SLOTS);
    expect(calls.size).toBe(RECORDS);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
