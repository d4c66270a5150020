import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it, expect, vi } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { FRAME_HEADER_BYTES, journalFileName, scanFrames } from '../../../server/store/journal.ts';
import { crc32 } from '../../../server/store/crc32.ts';
import { checkSnapshot } from '../../../server/store/snapshot.ts';
import { checkpoint, doneUpdate, flowDoc, instant, recordData, runRow, stepRow, stepUpdate, tempDir, removeTempDirs } from './fixtures.ts';
import { completedRun, dumpRuns } from './contract/runs-contract.ts';

const journalFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('journal-'))
    .sort()
    .map((f) => path.join(dir, f));

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    const buf = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(buf)).toBe(0x414fa339);
    expect(crc32(Buffer.concat([Buffer.from('xx'), buf, Buffer.from('yyy')]), 2, 2 + buf.length)).toBe(0x414fa339);
  });
});

describe('sql.js store', () => {
  afterAll(removeTempDirs);

  // Flows, runs, records, steps, logs, refusals and close/reopen are the store contract's
  // (contract/runs-contract.ts, run against this store by contract/sqljs-contract.test.ts). Here: what
  // only this store has — the journal, its replay after a crash, snapshots.

  it('a crash (no close) replays the journal, refused writes included, to the same state', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 3), [recordData(0), recordData(1), recordData(2)]);
    for (const i of [0, 1, 2]) for (let seq = 1; seq <= 9; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
    // A step committed twice is refused by the database's unique key, with its record update; the other
    // writes of the same group commit go through.
    const results = await Promise.allSettled([
      store.commitStep(stepRow('r', 0, 10), stepUpdate('r', 0, 10)),
      store.commitStep(stepRow('r', 1, 9), { ...stepUpdate('r', 1, 99), status: 'failed' }),
      store.commitStep(stepRow('nope', 0, 1), stepUpdate('nope', 0, 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    await store.updateRecord(doneUpdate('r', 2, 9));
    // A failed step that sent its record to review: counted as review, from the journal too.
    await store.commitStep({ ...stepRow('r', 1, 10), nodeId: 'check', status: 'failed' }, { ...stepUpdate('r', 1, 10), status: 'needs_review', checkpoint: null, sentToReview: true });
    expect((await store.stepCounts('r')).check).toEqual({ success: 0, failed: 0, review: 1 });
    const before = await dumpRuns(store, ['r']);
    await store.kill();
    const again = await openSqlJsStore(dir);
    expect(await dumpRuns(again, ['r'])).toEqual(before);
    await again.close();
  });

  it('a step committed twice is refused also when its first commit is in the table (written by a snapshot, read after a reopen)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 2), [recordData(0), recordData(1)]);
    for (let seq = 1; seq <= 3; seq++) await store.commitStep(stepRow('r', 0, seq), stepUpdate('r', 0, seq));
    // Closing takes a snapshot: the held steps go into the table first.
    await store.close();
    const again = await openSqlJsStore(dir);
    await expect(again.commitStep(stepRow('r', 0, 3), stepUpdate('r', 0, 3))).rejects.toThrow(/UNIQUE/);
    await again.commitStep(stepRow('r', 0, 4), stepUpdate('r', 0, 4));
    await again.commitStep(stepRow('r', 1, 1), stepUpdate('r', 1, 1));
    expect((await again.listSteps('r', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect((await again.listSteps('r', 1)).map((s) => s.seq)).toEqual([1]);
    await again.close();
  });

  it('close leaves a snapshot and one empty journal starting after it; each reopen reads everything', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.putFlow(flowDoc('f'));
    await completedRun(store, 'r', 20, 5);
    await store.appendLogs([{ runId: 'r', recordIndex: null, nodeId: null, level: 'info', message: 'done', data: null, at: instant(0, 0) }]);
    const before = await dumpRuns(store, ['r']);
    const lastSeq = store.stats().lastSeq;
    await store.close();
    // The empty journal is kept so that a lost snapshot is noticed on open.
    expect(fs.existsSync(path.join(dir, 'conveyor.db'))).toBe(true);
    expect(journalFiles(dir).map((f) => [path.basename(f), fs.statSync(f).size])).toEqual([[`journal-${String(lastSeq + 1).padStart(16, '0')}.log`, 0]]);

    const again = await openSqlJsStore(dir);
    expect(await dumpRuns(again, ['r'])).toEqual(before);
    await again.putFlow(flowDoc('g'));
    await again.close();
    const third = await openSqlJsStore(dir);
    expect((await third.listFlows()).map((f) => f.id)).toEqual(['f', 'g']);
    await third.close();
  });

  it('refuses to open the same directory twice in one process', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await expect(openSqlJsStore(dir)).rejects.toThrow(/already open/);
    await store.close();
    const again = await openSqlJsStore(path.join(dir, '.'));
    await again.close();
  });

  it('creates a run of 100,000 records as one journal entry, replayed after a crash', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    const n = 100_000;
    const records = Array.from({ length: n }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com` }));
    await store.createRun(runRow('big', 'f', '2024-01-01T00:00:00.000Z', n), records);
    expect(store.stats().lastSeq).toBe(1);
    await store.kill();
    const again = await openSqlJsStore(dir);
    expect((await again.countRecords('big')).pending).toBe(n);
    expect((await again.listRecords('big', { offset: 77_777, limit: 1 })).items[0].data).toEqual(records[77_777]);
    await again.close();
  });

  it('rotates snapshots as the journal grows, and reopens after several rotations', async () => {
    const dir = tempDir();
    const events: string[] = [];
    const options = { snapshotThresholdBytes: 64 * 1024, onSnapshot: (e: { phase: string }) => events.push(e.phase) };
    let store = await openSqlJsStore(dir, options);
    const records = 60;
    const steps = 50;
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', records), Array.from({ length: records }, (_, i) => recordData(i)));
    // Half the steps, then a crash (no snapshot on close), then the other half.
    const commit = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: records }, async (_, i) => {
          for (let seq = from; seq <= to; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
        }),
      );
    await commit(1, steps / 2);
    const firstRound = store.stats();
    expect(firstRound.snapshots).toBeGreaterThanOrEqual(2);
    await store.kill();
    store = await openSqlJsStore(dir, options);
    await commit(steps / 2 + 1, steps);
    const stats = store.stats();
    expect(stats.snapshots).toBeGreaterThanOrEqual(1);
    expect(stats.snapshotSeq).toBeGreaterThan(firstRound.snapshotSeq);
    expect(events.filter((e) => e === 'done').length).toBeGreaterThanOrEqual(3);
    // Old journal files are removed once a snapshot covers them.
    expect(journalFiles(dir).length).toBeLessThanOrEqual(2);
    const before = await dumpRuns(store, ['r']);
    expect((before.r as { steps: unknown[][] }).steps.every((s) => s.length === steps)).toBe(true);
    await store.kill();

    store = await openSqlJsStore(dir, options);
    expect(await dumpRuns(store, ['r'])).toEqual(before);
    await store.close();
    store = await openSqlJsStore(dir, options);
    expect(await dumpRuns(store, ['r'])).toEqual(before);
    await store.close();
  });

  it('reopens from every state a crash can leave during a snapshot', async () => {
    const dir = tempDir();
    const records = 60;
    const steps = 30;
    const acked = new Set<string>();
    const logged = new Set<string>();
    // At "start" the journal has switched and the new snapshot is not written yet: copy the directory.
    // At "done", the snapshot that rotation wrote (renamed in) is kept with it.
    const captured: Array<{ dir: string; seq: number; snapshot?: Buffer; acked: Set<string>; logged: Set<string> }> = [];
    const store = await openSqlJsStore(dir, {
      snapshotThresholdBytes: 32 * 1024,
      onSnapshot: (e) => {
        if (e.phase === 'done') {
          const state = captured.find((c) => c.seq === e.seq && !c.snapshot);
          if (state) state.snapshot = fs.readFileSync(path.join(dir, 'conveyor.db'));
        }
        if (e.phase !== 'start' || captured.length >= 3) return;
        const copy = tempDir('conveyor-store-copy-');
        for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
        captured.push({ dir: copy, seq: e.seq, acked: new Set(acked), logged: new Set(logged) });
      },
    });
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', records), Array.from({ length: records }, (_, i) => recordData(i)));
    await Promise.all(
      Array.from({ length: records }, async (_, i) => {
        for (let seq = 1; seq <= steps; seq++) {
          await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
          acked.add(`${i}/${seq}`);
        }
        await store.appendLogs([{ runId: 'r', recordIndex: i, nodeId: null, level: 'info', message: `log ${i}`, data: null, at: instant(i, 0) }]);
        logged.add(`log ${i}`);
      }),
    );
    expect(captured.length).toBe(3);
    const total = store.stats().lastSeq;
    expect(total).toBe(1 + records * steps + records);
    await store.close();
    expect(captured.every((c) => c.snapshot)).toBe(true);

    for (const state of captured) {
      // As taken: the old snapshot (if any), the old journal and the new, empty one.
      // Then the same with the new snapshot renamed in but the old journal not removed yet.
      for (const withNewSnapshot of [false, true]) {
        const copy = tempDir('conveyor-store-copy-');
        for (const f of fs.readdirSync(state.dir)) fs.copyFileSync(path.join(state.dir, f), path.join(copy, f));
        if (withNewSnapshot) fs.writeFileSync(path.join(copy, 'conveyor.db'), state.snapshot!);
        // And a temporary snapshot half written.
        fs.writeFileSync(path.join(copy, 'conveyor.db.tmp'), Buffer.from('SQLite format 3\0garbage'));

        const s = await openSqlJsStore(copy);
        expect(fs.existsSync(path.join(copy, 'conveyor.db.tmp'))).toBe(false);
        // Every entry applied exactly once: no duplicate log lines.
        const messages = (await s.listLogs('r', { limit: 1000 })).items.map((l) => l.message);
        expect(new Set(messages).size).toBe(messages.length);
        for (const m of state.logged) expect(messages).toContain(m);
        for (let i = 0; i < records; i++) {
          const got = await s.listSteps('r', i);
          expect(got).toEqual(Array.from({ length: got.length }, (_, q) => stepRow('r', i, q + 1)));
          expect((await s.getRecord('r', i))?.checkpoint?.seq ?? 0).toBe(got.length);
          for (let seq = 1; seq <= steps; seq++) if (state.acked.has(`${i}/${seq}`)) expect(got.length).toBeGreaterThanOrEqual(seq);
        }
        // Both: every entry up to the rotation, once (its snapshot holds them all, the old journal too).
        expect(s.stats().lastSeq).toBe(state.seq);
        // Still writable, and the write survives a crash.
        await s.appendLogs([{ runId: 'r', recordIndex: null, nodeId: null, level: 'info', message: 'after', data: null, at: instant(0, 0) }]);
        await s.kill();
        const t = await openSqlJsStore(copy);
        expect((await t.listLogs('r', { limit: 1000 })).items.at(-1)?.message).toBe('after');
        await t.close();
      }
    }
  });

  // close() makes the empty journal that continues its final snapshot before the snapshot is renamed
  // in: a crash just before the rename leaves the old snapshot and journal (replayed), one just after
  // it the new snapshot, which says a journal file continues it (META_JOURNAL_KEPT) — the empty one.
  for (const point of ['before', 'after'] as const) {
    it(`a crash during close(), just ${point} the final snapshot's rename: reopens with every write, none refused as damage`, async () => {
      const dir = tempDir();
      // A snapshot from a clean stop, then writes only the journal holds.
      let store = await openSqlJsStore(dir);
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 3), [0, 1, 2].map(recordData));
      for (const i of [0, 1, 2]) await store.commitStep(stepRow('r', i, 1), stepUpdate('r', i, 1));
      await store.close();
      store = await openSqlJsStore(dir);
      for (const i of [0, 1, 2]) for (let seq = 2; seq <= 4; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
      const acknowledged = await dumpRuns(store, ['r']);
      const lastSeq = store.stats().lastSeq;

      // The crash: the process stops at the rename of the final snapshot (nothing after it runs).
      const rename = fsp.rename.bind(fsp);
      const crash = vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
        if (path.basename(String(to)) !== 'conveyor.db') return rename(from, to);
        if (point === 'after') await rename(from, to);
        throw new Error('crashed at the rename');
      });
      try {
        await expect(store.close()).rejects.toThrow('crashed at the rename');
      } finally {
        crash.mockRestore();
      }
      const snapshot = checkSnapshot(fs.readFileSync(path.join(dir, 'conveyor.db')));
      expect(snapshot.state === 'ok' && snapshot.seq === lastSeq).toBe(point === 'after');
      expect(journalFiles(dir).map((f) => path.basename(f))).toContain(journalFileName(lastSeq + 1));

      store = await openSqlJsStore(dir);
      expect(await dumpRuns(store, ['r'])).toEqual(acknowledged);
      expect(store.stats().lastSeq).toBe(lastSeq);
      await store.close();
      store = await openSqlJsStore(dir);
      expect(await dumpRuns(store, ['r'])).toEqual(acknowledged);
      await store.close();
    });
  }

  it('ignores a torn tail in the journal and keeps appending after the last complete entry', async () => {
    const dir = tempDir();
    let store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 4), [0, 1, 2, 3].map(recordData));
    for (let seq = 1; seq <= 5; seq++) {
      await Promise.all([0, 1, 2, 3].map((i) => store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq))));
    }
    const before = await dumpRuns(store, ['r']);
    await store.kill();

    const [journal] = journalFiles(dir);
    const content = fs.readFileSync(journal);
    const { frames, validLength } = scanFrames(content);
    expect(validLength).toBe(content.length);
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));

    // Half of a frame (as a crash mid-write leaves it), then garbage.
    const extra = (await openFrames(dir, async (s) => s.commitStep(stepRow('r', 0, 6), stepUpdate('r', 0, 6)))).lastFrame;
    fs.appendFileSync(journal, extra.subarray(0, Math.floor(extra.length / 2)));
    fs.appendFileSync(journal, Buffer.from('garbage that is not a frame at all'));

    store = await openSqlJsStore(dir);
    expect(await dumpRuns(store, ['r'])).toEqual(before);
    expect(fs.statSync(journal).size).toBe(content.length); // the tail was cut off
    await store.commitStep(stepRow('r', 0, 6), stepUpdate('r', 0, 6));
    await store.kill();

    // A complete last frame whose bytes were damaged is ignored too.
    const damaged = fs.readFileSync(journal);
    damaged[damaged.length - 5] ^= 0xff;
    fs.writeFileSync(journal, damaged);
    store = await openSqlJsStore(dir);
    expect(await dumpRuns(store, ['r'])).toEqual(before);

    // A header claiming more bytes than the file has.
    await store.commitStep(stepRow('r', 0, 6), stepUpdate('r', 0, 6));
    await store.kill();
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32LE(1 << 30, 0);
    fs.appendFileSync(journal, header);
    store = await openSqlJsStore(dir);
    expect((await store.listSteps('r', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.getRecord('r', 0)).toMatchObject({ checkpoint: checkpoint(0, 6) });
    await store.close();
  });

  it('refuses to open a journal with entries missing', async () => {
    const dir = tempDir();
    let store = await openSqlJsStore(dir);
    for (let i = 0; i < 3; i++) await store.putFlow(flowDoc(`f${i}`));
    await store.kill();
    // Move the journal's frames into a file that claims to start later, leaving a gap.
    const [journal] = journalFiles(dir);
    const content = fs.readFileSync(journal);
    const { frames } = scanFrames(content);
    const firstLen = FRAME_HEADER_BYTES + Buffer.byteLength(frames[0].payload);
    fs.writeFileSync(journal, content.subarray(firstLen));
    await expect(openSqlJsStore(dir)).rejects.toThrow(/entry 1 is missing/);
    fs.writeFileSync(journal, content);
    store = await openSqlJsStore(dir);
    expect((await store.listFlows()).length).toBe(3);
    await store.close();
  });
});

/** Opens the store in `dir` in a scratch copy, runs one write there, and returns the frame it appended. */
async function openFrames(dir: string, write: (s: SqlJsStore) => Promise<unknown>): Promise<{ lastFrame: Buffer }> {
  const copy = tempDir('conveyor-store-copy-');
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  const s = await openSqlJsStore(copy);
  await write(s);
  await s.kill();
  const [journal] = journalFiles(copy);
  const content = fs.readFileSync(journal);
  const { frames, validLength } = scanFrames(content);
  const last = frames[frames.length - 1];
  const len = FRAME_HEADER_BYTES + Buffer.byteLength(last.payload);
  return { lastFrame: content.subarray(validLength - len, validLength) };
}
