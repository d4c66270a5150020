/**
 * The step spill reads finished records in chunks (server/store/archive/spill.ts, readChunk): a dense
 * chunk of indexes with three range queries, a sparse one record by record. Records finishing far
 * apart (a sparse batch), then close together (a dense one), then a record retried after its spill:
 * every record's steps move to the step segments, each read answers the same steps as before the
 * spill, and nothing of a record still running is moved.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { verifyStore } from '../../../server/store/maintenance.ts';
import { doneUpdate, instant, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterEach(removeTempDirs);

const N = 201; // 200 finish (batches of 10 fill exactly), the last stays running
const open = (storeDir: string) => openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {} });
const shape = async (store: SqlJsStore, idx: number) => (await store.listSteps('run-s', idx)).map((s) => [s.seq, s.nodeId, s.status, s.attempt]);

/**
 * Waits for a spill batch under way. A batch takes every record finished so far once ten have: commits
 * made while one is being written (faster than its segment's fsync on a busy machine) make the next
 * batch larger, and the last few records then stay short of a batch (194 of 200 spilled, seen once).
 * Waiting after each commit keeps the batches at ten.
 */
const spillIdle = (store: SqlJsStore) => (store as unknown as { spill: { idle(): Promise<void> } }).spill.idle();

async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.appendLogs([]);
}

async function spilledRecords(dataDir: string): Promise<number> {
  const text = (await verifyStore(dataDir)).lines.join('\n');
  return Number(/(\d+) records' steps in them/.exec(text)?.[1] ?? 0);
}

describe('the step spill, chunk by chunk', () => {
  it('sparse and dense batches of finished records, and a record retried after its spill, all land in the step segments', async () => {
    const dataDir = tempDir();
    const storeDir = path.join(dataDir, 'store');
    let store = await open(storeDir);
    await store.createRun(runRow('run-s', 'f', instant(0, 0), N), Array.from({ length: N }, (_, i) => recordData(i)));
    for (let i = 0; i < N; i++) for (let seq = 1; seq <= 3; seq++) await store.commitStep(stepRow('run-s', i, seq), stepUpdate('run-s', i, seq));
    const before = new Map<number, unknown>();
    for (let i = 0; i < N; i++) before.set(i, await shape(store, i));

    // Every 20th record finishes: ten records over 181 indexes, a sparse batch.
    const sparse = Array.from({ length: 10 }, (_, k) => k * 20);
    for (const i of sparse) await store.commitStep(stepRow('run-s', i, 4), doneUpdate('run-s', i, 4));
    await settle(store);
    await store.close();
    expect(await spilledRecords(dataDir)).toBe(10);

    store = await open(storeDir);
    for (const i of sparse) expect((await shape(store, i)).map((s) => s[0])).toEqual([1, 2, 3, 4]);
    // The others finish in order: dense batches; the last record stays running.
    for (let i = 0; i < N - 1; i++) {
      if (sparse.includes(i)) continue;
      await store.commitStep(stepRow('run-s', i, 4), doneUpdate('run-s', i, 4));
      await spillIdle(store);
    }
    await settle(store);
    await store.close();
    expect(await spilledRecords(dataDir)).toBe(N - 1);

    store = await open(storeDir);
    for (let i = 0; i < N - 1; i++) {
      const steps = await shape(store, i);
      expect(steps.slice(0, 3)).toEqual(before.get(i));
      expect(steps.map((s) => s[0])).toEqual([1, 2, 3, 4]);
    }
    // The record still running keeps its steps in the database, unmoved.
    expect(await shape(store, N - 1)).toEqual(before.get(N - 1));
    // A spilled record retried: its new steps join the old ones in one frame.
    await store.commitStep(stepRow('run-s', 40, 5), { ...stepUpdate('run-s', 40, 5), status: 'running' });
    await store.commitStep(stepRow('run-s', 40, 6), doneUpdate('run-s', 40, 6));
    for (let i = 0; i < 200; i += 20) await store.commitStep(stepRow("run-s", i + 1, 5), doneUpdate("run-s", i + 1, 5));
    await settle(store);
    expect((await shape(store, 40)).map((s) => s[0])).toEqual([1, 2, 3, 4, 5, 6]);
    await store.close();
    expect(await spilledRecords(dataDir)).toBe(N - 1);
    store = await open(storeDir);
    expect((await shape(store, 40)).map((s) => s[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await shape(store, 41)).map((s) => s[0])).toEqual([1, 2, 3, 4, 5]);
    await store.close();
  });
});
