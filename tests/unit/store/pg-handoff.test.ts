/**
 * Workers' groundwork: a step's commit and its record's job (graphile-worker, same database) are one
 * transaction — a refused step adds no job, a committed one adds exactly one (a newer hand-off of the
 * same record replaces a job not yet taken), and a worker takes it once.
 */
import pg from 'pg';
import { runOnce } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { commitStepAndHandOff, prepareQueue, RECORD_TASK, type RecordJob } from '../../../server/store/pg/hand-off.ts';
import { createTestDatabase, type TestDatabase } from './contract/pg-database.ts';
import { recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';

let db: TestDatabase;
let store: PgStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPgStore(db.url);
  await prepareQueue(db.url);
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function jobs(): Promise<RecordJob[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<{ payload: RecordJob }>('SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = $1 ORDER BY j.id', [RECORD_TASK])).rows.map((r) => r.payload);
  } finally {
    await c.end();
  }
}

describe('hand-off in the commit', () => {
  it('adds the job with the step, never without it, one per record, taken once by a worker', async () => {
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 2), [recordData(0), recordData(1)]);
    await store.transact(commitStepAndHandOff(stepRow('r', 0, 1), stepUpdate('r', 0, 1), undefined, { runId: 'r', index: 0, seq: 1 }));
    expect(await jobs()).toEqual([{ runId: 'r', index: 0, seq: 1 }]);

    // Refused (committed already): neither the step's update nor a job.
    await expect(store.transact(commitStepAndHandOff(stepRow('r', 0, 1), { ...stepUpdate('r', 0, 1), status: 'failed' }, undefined, { runId: 'r', index: 0, seq: 99 }))).rejects.toThrow(/refused/);
    expect(await jobs()).toEqual([{ runId: 'r', index: 0, seq: 1 }]);
    expect((await store.getRecord('r', 0))?.status).toBe('running');

    // The next step of the same record replaces its job not yet taken; another record gets its own.
    await store.transact(commitStepAndHandOff(stepRow('r', 0, 2), stepUpdate('r', 0, 2), undefined, { runId: 'r', index: 0, seq: 2 }));
    await store.transact(commitStepAndHandOff(stepRow('r', 1, 1), stepUpdate('r', 1, 1), undefined, { runId: 'r', index: 1, seq: 1 }));
    expect(await jobs()).toEqual([
      { runId: 'r', index: 0, seq: 2 },
      { runId: 'r', index: 1, seq: 1 },
    ]);

    const taken: RecordJob[] = [];
    await runOnce({ connectionString: db.url, concurrency: 2, taskList: { [RECORD_TASK]: async (payload) => void taken.push(payload as RecordJob) } });
    expect(taken.sort((a, b) => a.index - b.index)).toEqual([
      { runId: 'r', index: 0, seq: 2 },
      { runId: 'r', index: 1, seq: 1 },
    ]);
    expect(await jobs()).toEqual([]);
  });
});
