/**
 * The workers' queue on a real PostgreSQL database: claims are exclusive while their lease runs, a
 * record of a worker whose lease lapsed is taken by another, and the late worker's commit is refused
 * (E_CLAIM_LOST) and changes nothing; a step commit renews the lease and the record's end drops the
 * claim; runs are settled once (completed, paused) by whichever worker sees it first.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { createPool } from '../../../server/store/pg/connection.ts';
import { claimRecords, isClaimLost, keptClaims, releaseClaims, renewClaims } from '../../../server/worker/claims.ts';
import { settleRuns } from '../../../server/worker/settle.ts';
import { notePacing } from '../../../server/worker/pacing.ts';
import { createRegistry } from '../../../nodes/index.ts';
import { workerUrl } from '../../../server/worker/worker-url.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { doneUpdate, recordData, runRow, stepRow, stepUpdate } from '../store/fixtures.ts';

let db: TestDatabase;
let pool: pg.Pool;
const stores: PgStore[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
});

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await pool?.end();
  await db?.drop();
});

async function storeOf(worker: string | null): Promise<PgStore> {
  const s = await openPgStore(worker ? workerUrl(db.url, worker) : db.url, { poolSize: 2 });
  stores.push(s);
  return s;
}

async function workerRun(store: PgStore, id: string, records: number): Promise<void> {
  const row = runRow(id, 'flow_c', new Date().toISOString(), records);
  await store.createRun({ ...row, settings: { ...row.settings, executor: 'workers' } }, Array.from({ length: records }, (_, i) => recordData(i)));
  // As a worker does before it claims: the run's loop interval read from its flow (none here).
  await notePacing(pool, createRegistry());
}

const LEASE = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('record claims (the workers\' queue)', () => {
  it('hands each record to one worker; a lapsed claim moves on and the late commit is refused', async () => {
    const studio = await storeOf(null);
    const [w1, w2] = [await storeOf('w1'), await storeOf('w2')];
    await workerRun(studio, 'run_a', 6);
    // A run the studio executes itself is never claimed by workers.
    await studio.createRun(runRow('run_self', 'flow_c', new Date().toISOString(), 2), [recordData(0), recordData(1)]);

    // Claimed together, no record twice.
    // A short lease, long enough for the next few statements on a loaded machine (load 45 on 2 cores lapsed 400 ms).
    const [a, b] = await Promise.all([claimRecords(pool, 'w1', LEASE, 4), claimRecords(pool, 'w2', LEASE, 4)]);
    const taken = [...(a?.indexes ?? []), ...(b?.indexes ?? [])];
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a?.runId ?? b?.runId).toBe('run_a');
    const w1Has = a!.indexes[0];

    // The holder commits (its lease is renewed by the same transaction)...
    await w1.commitStep(stepRow('run_a', w1Has, 1), stepUpdate('run_a', w1Has, 1));
    // ...another worker cannot write the record it does not hold, and nothing changes.
    const other = await w2.commitStep(stepRow('run_a', w1Has, 2), stepUpdate('run_a', w1Has, 2)).catch((e: unknown) => e);
    expect(isClaimLost(other)).toBe(true);
    expect((await studio.listSteps('run_a', w1Has)).map((s) => s.seq)).toEqual([1]);
    // Nothing is free while the leases run.
    expect(await claimRecords(pool, 'w3', LEASE, 10)).toBeNull();

    // w1 stalls past its lease: w3 takes its records, and w1's late commit is refused.
    await renewClaims(pool, 'w2', 5000);
    await sleep(LEASE + 200);
    const c = await claimRecords(pool, 'w3', 5000, 10);
    expect(c?.indexes.sort()).toEqual(a!.indexes.sort());
    const late = await w1.commitStep(stepRow('run_a', w1Has, 2), stepUpdate('run_a', w1Has, 2)).catch((e: unknown) => e);
    expect(isClaimLost(late)).toBe(true);
    expect((late as Error).message).toMatch(/E_CLAIM_LOST/);
    expect((await studio.listSteps('run_a', w1Has)).map((s) => s.seq)).toEqual([1]);
    // The studio (no worker named) is not fenced: review actions still write.
    await studio.updateRecord({ runId: 'run_self', index: 0, status: 'running', checkpoint: null });
  });

  it('two workers claiming at the same instant both get records: rows the other\'s claim took first are looked past at once', async () => {
    const studio = await storeOf(null);
    // Each pair claims together on a run of its own; before, one claim in 6–10 came back empty.
    for (let i = 0; i < 12; i++) {
      await workerRun(studio, `run_pair_${i}`, 8);
      const [a, b] = await Promise.all([claimRecords(pool, `pa${i}`, 60_000, 4), claimRecords(pool, `pb${i}`, 60_000, 4)]);
      expect([a?.indexes.length, b?.indexes.length], `pair ${i}`).toEqual([4, 4]);
      expect([...a!.indexes, ...b!.indexes].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      await releaseClaims(pool, `pa${i}`);
      await releaseClaims(pool, `pb${i}`);
      await studio.updateRun(`run_pair_${i}`, { status: 'stopped' });
    }
  });

  it('a claim whose picked rows were taken by another worker meanwhile is made again for what is still wanted', async () => {
    const asked: Array<[number, number]> = [];
    const answers = [
      // The first statement picked 0–3; another claim took 0 and 1 first.
      [{ idx: 0, status: 'pending', lost: true }, { idx: 1, status: 'pending', lost: true }, { idx: 2, status: 'pending', lost: false }, { idx: 3, status: 'running', lost: false }],
      // Again, for the two still wanted (one of them pending at most: the running one was not).
      [{ idx: 5, status: 'pending', lost: false }, { idx: 4, status: 'pending', lost: false }],
    ];
    const rows = await keptClaims(async (limit, pending) => (asked.push([limit, pending]), answers.shift() ?? []), 4, 3);
    expect(asked).toEqual([[4, 3], [2, 2]]);
    expect(rows.map((r) => r.idx)).toEqual([2, 3, 4, 5]);
    expect(rows.every((r) => !('lost' in r))).toBe(true);
    // Nothing lost: one statement. Always lost: a few statements, then what was won.
    asked.length = 0;
    await keptClaims(async (limit, pending) => (asked.push([limit, pending]), []), 4, 4);
    expect(asked).toHaveLength(1);
    asked.length = 0;
    expect(await keptClaims(async (limit, pending) => (asked.push([limit, pending]), [{ idx: 9, status: 'pending', lost: true }]), 4, 4)).toEqual([]);
    expect(asked.length).toBe(4);
  });

  it('ends a claim with its record and settles each run once', async () => {
    const studio = await storeOf(null);
    const w = await storeOf('wz');
    await workerRun(studio, 'run_b', 2);
    const claim = await claimRecords(pool, 'wz', 5000, 10);
    expect(claim?.runId).toBe('run_b');
    await w.commitStep(stepRow('run_b', 0, 1), doneUpdate('run_b', 0, 1));
    const left = await pool.query("SELECT idx FROM record_claims WHERE run_id = 'run_b'");
    expect(left.rows.map((r) => r.idx)).toEqual([1]);
    // A record left: not completed yet.
    expect((await settleRuns(pool)).filter((s) => s.id === 'run_b')).toEqual([]);
    await w.commitStep(stepRow('run_b', 1, 1), doneUpdate('run_b', 1, 1));
    const settled = await Promise.all([settleRuns(pool), settleRuns(pool)]);
    expect(settled.flat().filter((s) => s.id === 'run_b')).toEqual([{ id: 'run_b', status: 'completed' }]);
    expect((await studio.getRun('run_b'))?.status).toBe('completed');

    // Pausing: paused once no worker holds a record of the run.
    await workerRun(studio, 'run_p', 3);
    await claimRecords(pool, 'wz', 5000, 1);
    await studio.updateRun('run_p', { status: 'pausing' });
    expect((await settleRuns(pool)).filter((s) => s.id === 'run_p')).toEqual([]);
    await releaseClaims(pool, 'wz', 'run_p');
    expect((await settleRuns(pool)).filter((s) => s.id === 'run_p')).toEqual([{ id: 'run_p', status: 'paused' }]);
    // It stands still from then until it is resumed (its report leaves that time out): one halt, open.
    const halts = (await studio.getRun('run_p'))?.halts;
    expect(halts).toHaveLength(1);
    expect(halts![0][1]).toBeNull();
    expect(Date.now() - Date.parse(halts![0][0])).toBeLessThan(60_000);
    // Paused again after a resume: a second halt; never a second one while the first is open.
    await studio.updateRun('run_p', { status: 'pausing', halts: [[halts![0][0], new Date().toISOString()]] });
    expect((await settleRuns(pool)).filter((s) => s.id === 'run_p')).toEqual([{ id: 'run_p', status: 'paused' }]);
    expect((await studio.getRun('run_p'))?.halts).toHaveLength(2);
    await studio.updateRun('run_p', { status: 'pausing' });
    await settleRuns(pool);
    expect((await studio.getRun('run_p'))?.halts).toHaveLength(2);
    // A paused run's records are not handed out.
    expect((await claimRecords(pool, 'wz', 5000, 10))?.runId).not.toBe('run_p');
  });
});
