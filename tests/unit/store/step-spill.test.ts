/**
 * Steps of a run's finished records leave the database for the run's step segments while it runs
 * (server/store/archive/spill.ts): every read answers as before, across restarts and into the archive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { instant, removeTempDirs, stepRow, tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';

afterEach(removeTempDirs);

const N = 30;
const open = (dir: string) => openSqlJsStore(dir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {} });
const spillDir = (dir: string) => path.join(dir, 'runs', 'run-a.steps');
/** Waits for batches under way (they start after group commits). */
const settle = async (store: SqlJsStore) => {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.close();
};

describe('step segments of a run under way', () => {
  it('take the steps of finished records out of the database; steps, the report and the run size read the same, after a restart and once archived', async () => {
    const dir = tempDir();
    const plain = tempDir();
    // The same writes on a store that keeps every step in the database (batches never fill).
    const reference = await openSqlJsStore(plain, { archiveAfterMs: null, spillBatch: 1_000_000 });
    await finishedRun(reference, 'run-a', N);
    const expected = await everything(reference, 'run-a', N);
    const size = await reference.runStoreSize('run-a');
    await reference.close();

    let store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await settle(store);
    expect(fs.readdirSync(spillDir(dir)).some((f) => f.startsWith('steps-'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'conveyor.db')).size).toBeLessThan(fs.statSync(path.join(plain, 'conveyor.db')).size);

    store = await open(dir);
    expect(await everything(store, 'run-a', N)).toEqual(expected);
    expect((await store.runStoreSize('run-a'))?.steps).toBe(size?.steps);
    await store.archiveRun('run-a');
    expect(fs.existsSync(spillDir(dir))).toBe(false);
    expect(await everything(store, 'run-a', N)).toEqual(expected);
    await store.close();
  });

  it('a record retried after its steps moved: the new steps join the old ones, and move together when it ends again', async () => {
    const dir = tempDir();
    let store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await settle(store);
    store = await open(dir);
    const before = await store.listSteps('run-a', 4);
    expect(before).toHaveLength(3);
    await store.commitStep({ ...stepRow('run-a', 4, 4), status: 'success', error: null }, { runId: 'run-a', index: 4, status: 'running', checkpoint: null });
    expect((await store.listSteps('run-a', 4)).map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    // Ten more records end, so a batch of eleven (with record 4) is written. Record 0 is retried too:
    // its row held the durations of its whole first batch (spill.ts, `Durations`), which stay.
    for (const i of [0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) {
      if (i !== 4) await store.commitStep({ ...stepRow('run-a', i, 4), status: 'success', error: null }, { runId: 'run-a', index: i, status: 'running', checkpoint: null });
      await store.updateRecord({ runId: 'run-a', index: i, status: 'success', checkpoint: null, endedAt: instant(i, 40) });
    }
    await settle(store);
    store = await open(dir);
    const after = await store.listSteps('run-a', 4);
    expect(after.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect(after.slice(0, 3)).toEqual(before);
    expect((await store.stepTimings('run-a')).reduce((n, t) => n + t.durations.length, 0)).toBe(N * 3 + 11);
    expect((await store.listSteps('run-a', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    await store.close();
  });

  it('a flipped byte in a step segment answers E_STORE_DAMAGED for that record, naming the file', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await settle(store);
    const seg = path.join(spillDir(dir), 'steps-0000.seg');
    const bytes = fs.readFileSync(seg);
    bytes[40] ^= 0x08;
    fs.writeFileSync(seg, bytes);
    const again = await open(dir);
    await expect(again.listSteps('run-a', 0)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringContaining(seg) });
    await again.close();
  });
});
