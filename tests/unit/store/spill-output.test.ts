/**
 * A finished record's output that is its last step's data is kept by reference to that step
 * (server/store/output-ref.ts, `output_step`), in the steps table and then in the run's step segments:
 * every read answers as a store that kept it in the record's row, across a replay of the journal, a
 * restart, the run's archive and a write-back; damage in that frame refuses the records whose steps
 * it holds (E_STORE_DAMAGED: records share frames) instead of serving them without their output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { RecordStatus } from '../../../server/store/types.ts';
import { instant, recordData, removeTempDirs, runRow, stepRow, tempDir } from './fixtures.ts';
import { recordsByFrame, segmentFrames, spilledRefs } from './spill-damage-fixtures.ts';

afterEach(removeTempDirs);

const N = 30;
const open = (dir: string, spillBatch = 10) => openSqlJsStore(dir, { archiveAfterMs: null, spillBatch, onWarning: () => {} });
/** success, except every 5th failed and every 7th in review: those keep their output in the database. */
const statusOf = (i: number): RecordStatus => (i % 7 === 3 ? 'needs_review' : i % 5 === 4 ? 'failed' : 'success');

/** Records whose output is what their last step emitted, as the engine writes them. */
async function run(store: SqlJsStore, id: string): Promise<void> {
  await store.createRun(runRow(id, 'f', instant(0, 0), N), Array.from({ length: N }, (_, i) => recordData(i)));
  for (let i = 0; i < N; i++) {
    for (let seq = 1; seq <= 3; seq++) {
      const step = { ...stepRow(id, i, seq), status: 'success' as const, error: null };
      const last = seq === 3;
      const status = last ? statusOf(i) : 'running';
      await store.commitStep(step, {
        runId: id,
        index: i,
        status,
        checkpoint: null,
        ...(last ? { output: step.output[0].data, endedAt: instant(i, 9) } : {}),
        ...(last && status !== 'success' ? { error: { code: 'E_TEST', message: `record ${i}`, hint: 'Look.', transient: false } } : {}),
      });
    }
  }
  await store.updateRun(id, { status: 'completed', endedAt: instant(N, 0) });
}

async function reads(store: SqlJsStore, id: string) {
  const records = [];
  for (let i = 0; i < N; i++) records.push({ record: await store.getRecord(id, i), steps: await store.listSteps(id, i) });
  return {
    records,
    page: await store.listRecords(id, { offset: 3, limit: 7 }),
    successes: await store.listRecords(id, { status: 'success', limit: 100 }),
    review: await store.listReview({ runId: id }),
  };
}

/** Records whose output column is empty, their output kept by reference to their step. */
function emptied(store: SqlJsStore): number {
  const sql = (store as unknown as { sql: { one(q: string, p: unknown[]): unknown[] | null } }).sql;
  return Number(sql.one('SELECT count(*) FROM records WHERE output_step > 0 AND output IS NULL', [])?.[0]);
}

/** A store with run-a written and all its batches spilled. */
async function spilled(dir: string): Promise<SqlJsStore> {
  const store = await open(dir);
  await run(store, 'run-a');
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  return store;
}

const successes = Array.from({ length: N }, (_, i) => i).filter((i) => statusOf(i) === 'success').length;

describe("a finished record's output kept by reference to its last step", () => {
  it('is not in the row of success records and reads the same: live, after a replay of the journal, a restart, once archived and written back', async () => {
    const plain = tempDir();
    const reference = await openSqlJsStore(plain, { archiveAfterMs: null, spillBatch: 1_000_000 });
    await run(reference, 'run-a');
    const expected = await reads(reference, 'run-a');
    // Kept by reference in the steps table there (batches never fill): the outputs written, read back.
    expect(emptied(reference)).toBe(successes);
    await reference.close();
    expect(expected.records.map((r) => r.record?.output)).toEqual(Array.from({ length: N }, (_, i) => stepRow('run-a', i, 3).output[0].data));

    const dir = tempDir();
    let store = await spilled(dir);
    // All batches written: the success records' outputs left, the others' stayed.
    expect(emptied(store)).toBe(successes);
    expect(await reads(store, 'run-a')).toEqual(expected);
    // The journal alone (a crash: no snapshot) replays to the same decisions.
    await store.kill();
    store = await open(dir);
    expect(emptied(store)).toBe(successes);
    expect(await reads(store, 'run-a')).toEqual(expected);
    await store.close();
    store = await open(dir);
    expect(await reads(store, 'run-a')).toEqual(expected);
    await store.archiveRun('run-a');
    expect(await reads(store, 'run-a')).toEqual(expected);
    // A write to the archived run puts its rows back (outputs whole) and the reads stay the same.
    await store.appendLogs([{ runId: 'run-a', recordIndex: 0, nodeId: null, level: 'info', message: 'late line', data: null, at: instant(N, 1) }]);
    expect(store.isArchived('run-a')).toBe(false);
    expect(emptied(store)).toBe(0);
    expect(await reads(store, 'run-a')).toEqual(expected);
    await store.close();
  });

  it('a later output replaces the one read from the steps; an output that is not the last step\'s data stays in the database', async () => {
    const dir = tempDir();
    let store = await spilled(dir);
    expect(emptied(store)).toBe(successes);
    // Not something the engine does to a success record, but the store's contract allows it.
    await store.updateRecord({ runId: 'run-a', index: 0, status: 'success', checkpoint: null, output: { edited: true } });
    await store.close();
    store = await open(dir);
    expect((await store.getRecord('run-a', 0))?.output).toEqual({ edited: true });
    expect(emptied(store)).toBe(successes - 1);
    await store.close();
  });

  it('a flipped byte in that frame answers E_STORE_DAMAGED for every success record sharing it (never served without its output), and refuses the steps of the others sharing it; every other record is served', async () => {
    const dir = tempDir();
    const store = await spilled(dir);
    const before = await reads(store, 'run-a');
    // The records whose steps are in the segment's first frame (record 0's, a success record of the first batch).
    const refs = spilledRefs(store, 'run-a');
    const first = refs.get(0)!;
    expect([first.seg, first.offset]).toEqual([0, 0]);
    const shared = recordsByFrame(refs).get(`0:0:${first.length}`)!;
    await store.close();
    const seg = path.join(dir, 'runs', 'run-a.steps', 'steps-0000.seg');
    expect(segmentFrames(seg)[0].records).toEqual(shared);
    // Shared by success records and by records that keep their output in their row (failed, in review).
    expect(shared.filter((i) => statusOf(i) === 'success').length).toBeGreaterThan(1);
    expect(shared.filter((i) => statusOf(i) !== 'success').length).toBeGreaterThan(0);
    const bytes = fs.readFileSync(seg);
    // A byte in the first frame's payload.
    bytes[20] ^= 0xff;
    fs.writeFileSync(seg, bytes);
    const damaged = await open(dir);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
    for (let i = 0; i < N; i++) {
      if (!shared.includes(i)) {
        expect(await damaged.getRecord('run-a', i)).toEqual(before.records[i].record);
        expect(await damaged.listSteps('run-a', i)).toEqual(before.records[i].steps);
        continue;
      }
      const steps = await failure(damaged.listSteps('run-a', i));
      expect(steps?.code).toBe('E_STORE_DAMAGED');
      expect(steps?.message).toContain(`${seg} at byte 0: `);
      expect(steps?.message).toContain(`holds the steps of its record ${i}: they cannot be read and are not served`);
      if (statusOf(i) === 'success') {
        const err = await failure(damaged.getRecord('run-a', i));
        expect(err?.code).toBe('E_STORE_DAMAGED');
        expect(err?.message).toContain(`holds the steps of its record ${i}, whose output is its last step's data there`);
      } else {
        expect(await damaged.getRecord('run-a', i)).toEqual(before.records[i].record);
      }
    }
    await damaged.close();
  });
});
