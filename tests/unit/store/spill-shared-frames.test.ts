/**
 * Finished records' steps share frames in a run's step segments (server/store/archive/spill.ts: up to
 * FRAME_RECORDS records a frame; a record's steps are the rows of its frame with its index). Every
 * record reads back exactly its own steps — live, after a restart and once the run is archived — as
 * a store that never spilled answers; a record retried after its spill takes its earlier rows along
 * and leaves the records it shared a frame with as they were; frames written one record each (the
 * format before) still read; and the run's size counts a shared frame's bytes once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { verifyStore } from '../../../server/store/maintenance.ts';
import { runStoreSize } from '../../../server/store/retention.ts';
import { STEP_COLUMNS } from '../../../server/store/rows.ts';
import type { Sql } from '../../../server/store/sql.ts';
import { SegmentWriter } from '../../../server/store/archive/frames.ts';
import { ARCHIVES_DIR } from '../../../server/store/archive/layout.ts';
import { JSON_COLUMNS, rowJson } from '../../../server/store/archive/rows-json.ts';
import { FRAME_RECORDS, type SpillOp, spillDirName, STEPS_PREFIX } from '../../../server/store/archive/spill.ts';
import { doneUpdate, removeTempDirs, stepRow, stepUpdate, tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';
import { frameKey, recordsByFrame, segmentFrames, spilledRefs } from './spill-damage-fixtures.ts';

afterEach(removeTempDirs);

const NEVER = 1_000_000;
const open = (storeDir: string, spillBatch: number) => openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch, onWarning: () => {} });

/** Waits for the step batches under way (they start after group commits). */
async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.appendLogs([]);
}

const sqlOf = (store: SqlJsStore) => (store as unknown as { sql: Sql }).sql;
const keyOf = (store: SqlJsStore, runId: string) => Number(sqlOf(store).one('SELECT key FROM runs WHERE id = ?', [runId])?.[0]);

/** The step segment files of a run (under way: not archived), with their sizes. */
function segmentFiles(storeDir: string, runId: string): Array<{ file: string; bytes: number }> {
  const dir = path.join(storeDir, ARCHIVES_DIR, spillDirName(runId));
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => ({ file: path.join(dir, f), bytes: fs.statSync(path.join(dir, f)).size }));
}

/** Every frame of every segment of a run, by "seg:offset:length", with the records whose rows it holds. */
function framesOnDisk(storeDir: string, runId: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { file } of segmentFiles(storeDir, runId)) {
    const seg = Number(/steps-(\d+)\.seg$/.exec(file)![1]);
    for (const f of segmentFrames(file)) out.set(frameKey({ seg, offset: f.offset, length: f.length }), f.records);
  }
  return out;
}

/** Every read of a run (`everything`); step durations sorted (a run's durations come "in no particular order", types.ts). */
async function reads(store: SqlJsStore, runId: string, n: number) {
  const all = await everything(store, runId, n);
  return { ...all, stepTimings: all.stepTimings.map((t) => ({ ...t, durations: [...t.durations].sort((a, b) => a - b) })) };
}

/**
 * The same finished run of `n` records in a store that never spills (the reference, left open, and
 * what it reads) and in a store of its own spilling every `spillBatch` finished records.
 */
async function referenceAndStore(runId: string, n: number, spillBatch: number) {
  const reference = await open(tempDir(), NEVER);
  await finishedRun(reference, runId, n);
  const expected = await reads(reference, runId, n);
  const dataDir = tempDir();
  const storeDir = path.join(dataDir, 'store');
  const store = await open(storeDir, spillBatch);
  await finishedRun(store, runId, n);
  return { reference, expected, dataDir, storeDir, store };
}

/** A record retried after it finished: a running step, then a last one that ends it again. */
async function retry(store: SqlJsStore, runId: string, idx: number): Promise<void> {
  await store.commitStep(stepRow(runId, idx, 4), { ...stepUpdate(runId, idx, 4), status: 'running' });
  await store.commitStep(stepRow(runId, idx, 5), doneUpdate(runId, idx, 5));
}

describe('records sharing frames in the step segments', () => {
  it(`40 records spilled in one batch share ${Math.ceil(40 / FRAME_RECORDS)} frames (at most ${FRAME_RECORDS} records each); every record reads its own steps exactly: live, after a restart, once archived`, async () => {
    const N = 40;
    const { reference, expected, dataDir, storeDir, store: spilling } = await referenceAndStore('run-s', N, N);
    await reference.close();
    let store = spilling;
    await settle(store);

    const refs = spilledRefs(store, 'run-s');
    expect([...refs.keys()]).toEqual(Array.from({ length: N }, (_, i) => i));
    const named = recordsByFrame(refs);
    expect(named.size).toBe(Math.ceil(N / FRAME_RECORDS));
    expect(named.size).toBeLessThan(N);
    expect([...named.values()].map((records) => records.length)).toEqual([FRAME_RECORDS, FRAME_RECORDS, N - 2 * FRAME_RECORDS]);
    for (const records of named.values()) expect(records.length).toBeLessThanOrEqual(FRAME_RECORDS);
    // Each frame on disk holds the rows of exactly the records that name it, and no frame is unnamed.
    expect(framesOnDisk(storeDir, 'run-s')).toEqual(named);
    // Live: every read as a store that never spilled answers it (no step left in the database).
    expect(Number(sqlOf(store).one('SELECT count(*) FROM steps WHERE run_key = ?', [keyOf(store, 'run-s')])?.[0])).toBe(0);
    expect(await reads(store, 'run-s', N)).toEqual(expected);
    for (let i = 0; i < N; i++) expect((await store.listSteps('run-s', i)).map((s) => [s.recordIndex, s.seq])).toEqual([1, 2, 3].map((seq) => [i, seq]));
    await store.close();
    expect((await verifyStore(dataDir)).lines.join('\n')).toContain(`${N} records' steps in them`);

    store = await open(storeDir, N);
    expect(await reads(store, 'run-s', N)).toEqual(expected);
    await store.archiveRun('run-s');
    expect(store.isArchived('run-s')).toBe(true);
    expect(fs.existsSync(path.join(storeDir, ARCHIVES_DIR, spillDirName('run-s')))).toBe(false);
    expect(await reads(store, 'run-s', N)).toEqual(expected);
    await store.close();
    store = await open(storeDir, N);
    expect(await reads(store, 'run-s', N)).toEqual(expected);
    await store.close();
  });

  it('records retried after their spill read their earlier steps then their new ones; the records that shared their old frame read theirs unchanged', async () => {
    const N = 30;
    const { reference, expected: first, dataDir, storeDir, store: spilling } = await referenceAndStore('run-r', N, 10);
    let store = spilling;
    await settle(store);
    await store.close();

    store = await open(storeDir, 2);
    const before = spilledRefs(store, 'run-r');
    const oldFrame = frameKey(before.get(13)!);
    const sharers = recordsByFrame(before).get(oldFrame)!;
    // 13 and 17 shared a frame with other records.
    expect(sharers).toContain(17);
    expect(sharers.length).toBeGreaterThan(2);
    for (const idx of [13, 17]) {
      await retry(reference, 'run-r', idx);
      await retry(store, 'run-r', idx);
    }
    await settle(store);
    const expected = await reads(reference, 'run-r', N);
    await reference.close();

    // The two retried records spilled again, together, in a new frame holding their earlier rows and their new ones.
    const after = spilledRefs(store, 'run-r');
    const newFrame = frameKey(after.get(13)!);
    expect(newFrame).not.toBe(oldFrame);
    expect(recordsByFrame(after).get(newFrame)).toEqual([13, 17]);
    expect([after.get(13)!.steps, after.get(17)!.steps]).toEqual([5, 5]);
    expect(framesOnDisk(storeDir, 'run-r').get(newFrame)).toEqual([13, 17]);
    // The records that shared their old frame still name it.
    expect(recordsByFrame(after).get(oldFrame)).toEqual(sharers.filter((i) => i !== 13 && i !== 17));
    expect(Number(sqlOf(store).one('SELECT count(*) FROM steps WHERE run_key = ?', [keyOf(store, 'run-r')])?.[0])).toBe(0);

    const check = async (s: SqlJsStore) => {
      expect(await reads(s, 'run-r', N)).toEqual(expected);
      for (const idx of [13, 17]) {
        const steps = await s.listSteps('run-r', idx);
        expect(steps.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(steps.slice(0, 3)).toEqual(first.records[idx].steps);
      }
      for (let i = 0; i < N; i++) if (i !== 13 && i !== 17) expect(await s.listSteps('run-r', i)).toEqual(first.records[i].steps);
    };
    await check(store);
    await store.close();
    const verified = await verifyStore(dataDir);
    expect(verified.healthy).toBe(true);
    expect(verified.lines.join('\n')).toContain(`${N} records' steps in them`);
    store = await open(storeDir, 2);
    await check(store);
    await store.archiveRun('run-r');
    await check(store);
    await store.close();
  });

  it('frames written one record each (the format before frames were shared) still read: each record its rows, live, after a restart, once retried and once archived', async () => {
    const N = 12;
    const { reference, expected, dataDir, storeDir, store: unspilled } = await referenceAndStore('run-o', N, NEVER);
    await unspilled.close();

    // Spilled by hand as the store did before: one frame per record, then one 'P' op naming each.
    let store = await open(storeDir, NEVER);
    const sql = sqlOf(store);
    const key = keyOf(store, 'run-o');
    const dir = path.join(storeDir, ARCHIVES_DIR, spillDirName('run-o'));
    fs.mkdirSync(dir, { recursive: true });
    const writer = new SegmentWriter(dir, STEPS_PREFIX);
    const entries: SpillOp[2] = [];
    const durations = new Map<string, number[]>();
    for (let i = 0; i < N; i++) {
      const rows = sql.all(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_key = ? AND record_idx = ? ORDER BY seq`, [key, i]);
      expect(rows).toHaveLength(3);
      const ref = writer.append(Buffer.from(`[${rows.map((r) => rowJson(r, JSON_COLUMNS.step)).join(',')}]`, 'utf8'));
      for (const r of rows) {
        const id = `${r[3] as string}\x1f${r[6] === 'success' ? 's' : 'f'}`;
        durations.set(id, [...(durations.get(id) ?? []), Number(r[14])]);
      }
      entries.push([i, ref.seg, ref.offset, ref.length, rows[rows.length - 1][1] as number, rows.length, '']);
    }
    entries[0][6] = [...durations].map(([id, ms]) => `${id}\x1f${ms.join(',')}`).join('\x1e');
    writer.close();
    await (store as unknown as { submit(op: SpillOp): Promise<unknown> }).submit(['P', 'run-o', entries]);

    const frames = framesOnDisk(storeDir, 'run-o');
    expect([...frames.values()]).toEqual(Array.from({ length: N }, (_, i) => [i]));
    expect(recordsByFrame(spilledRefs(store, 'run-o'))).toEqual(frames);
    expect(Number(sql.one('SELECT count(*) FROM steps WHERE run_key = ?', [key])?.[0])).toBe(0);
    expect(await reads(store, 'run-o', N)).toEqual(expected);
    await store.close();
    const verified = await verifyStore(dataDir);
    expect(verified.healthy).toBe(true);
    expect(verified.lines.join('\n')).toContain(`${N} records' steps in them`);

    store = await open(storeDir, 1);
    expect(await reads(store, 'run-o', N)).toEqual(expected);
    // A record of an old frame retried: its old rows go with its new ones into a frame of the new kind.
    await retry(reference, 'run-o', 5);
    await retry(store, 'run-o', 5);
    await settle(store);
    const retried = await reads(reference, 'run-o', N);
    await reference.close();
    expect(spilledRefs(store, 'run-o').get(5)!.seg).toBe(1);
    expect((await store.listSteps('run-o', 5)).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await reads(store, 'run-o', N)).toEqual(retried);
    await store.archiveRun('run-o');
    expect(await reads(store, 'run-o', N)).toEqual(retried);
    await store.close();
  });

  it("the run's size counts a shared frame's bytes once: the spilled bytes are the step segments' bytes", async () => {
    const N = 40;
    const dataDir = tempDir();
    const storeDir = path.join(dataDir, 'store');
    let store = await open(storeDir, 10);
    await finishedRun(store, 'run-z', N);
    await settle(store);

    const check = async (s: SqlJsStore) => {
      const refs = spilledRefs(s, 'run-z');
      const files = segmentFiles(storeDir, 'run-z');
      const onDisk = files.reduce((n, f) => n + f.bytes, 0);
      const frames = [...framesOnDisk(storeDir, 'run-z').keys()].reduce((n, k) => n + Number(k.split(':')[2]), 0);
      // Frames back to back, every one named: the segments' bytes are the distinct frames' lengths, less than a sum per record.
      expect(frames).toBe(onDisk);
      expect([...refs.values()].reduce((n, r) => n + r.length, 0)).toBeGreaterThan(onDisk);
      const size = await s.runStoreSize('run-z');
      const hot = runStoreSize(sqlOf(s), keyOf(s, 'run-z'));
      expect(hot.steps).toBe(0);
      expect(size).toEqual({ records: N, steps: 3 * N, bytes: hot.bytes + onDisk });
    };
    await check(store);
    await store.close();
    store = await open(storeDir, 10);
    await check(store);
    await store.close();
  });
});
