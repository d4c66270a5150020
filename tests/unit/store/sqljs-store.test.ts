import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { FRAME_HEADER_BYTES, scanFrames } from '../../../server/store/journal.ts';
import { crc32 } from '../../../server/store/crc32.ts';
import type { LogRow } from '../../../server/store/types.ts';
import {
  checkpoint,
  doneUpdate,
  finalOutput,
  flowDoc,
  instant,
  recordData,
  runRow,
  stepRow,
  stepUpdate,
  tempDir,
  removeTempDirs,
} from './fixtures.ts';

const journalFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('journal-'))
    .sort()
    .map((f) => path.join(dir, f));

/** Everything a store holds about some runs, for comparing two stores. */
async function dump(store: SqlJsStore, runIds: string[]) {
  const out: Record<string, unknown> = { flows: await store.listFlows(), runs: await store.listRuns() };
  for (const id of runIds) {
    const records = await store.listRecords(id, { limit: 1_000_000 });
    const steps = [];
    for (const r of records.items) steps.push(await store.listSteps(id, r.index));
    out[id] = {
      run: await store.getRun(id),
      records,
      steps,
      counts: await store.countRecords(id),
      stepCounts: await store.stepCounts(id),
      logs: await store.listLogs(id, { limit: 1_000_000 }),
    };
  }
  return out;
}

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

  it('stores, updates and deletes flows', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    const a = await store.putFlow(flowDoc('a', 'Beta'));
    expect(a.createdAt).toBe(a.updatedAt);
    expect(a.doc).toEqual(flowDoc('a', 'Beta'));
    await store.putFlow(flowDoc('b', 'alpha'));
    await new Promise((r) => setTimeout(r, 5));
    const a2 = await store.putFlow(flowDoc('a', 'Gamma'));
    expect(a2.createdAt).toBe(a.createdAt);
    expect(a2.updatedAt > a.updatedAt).toBe(true);
    expect((await store.getFlow('a'))?.name).toBe('Gamma');
    expect((await store.getFlow('a'))?.doc).toEqual(flowDoc('a', 'Gamma'));
    expect(await store.getFlow('nope')).toBeNull();
    expect((await store.listFlows()).map((f) => f.id)).toEqual(['b', 'a']);
    expect(await store.deleteFlow('b')).toBe(true);
    expect(await store.deleteFlow('b')).toBe(false);
    expect((await store.listFlows()).map((f) => f.id)).toEqual(['a']);
    await store.close();
  });

  it('creates runs with their records and patches runs', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r1', 'f1', '2024-01-01T00:00:00.000Z', 3), [recordData(0), recordData(1), recordData(2)]);
    await store.createRun(runRow('r2', 'f2', '2024-01-03T00:00:00.000Z', 0), []);
    await store.createRun(runRow('r3', 'f1', '2024-01-02T00:00:00.000Z', 1), [recordData(0)]);

    expect(await store.getRun('r1')).toEqual(runRow('r1', 'f1', '2024-01-01T00:00:00.000Z', 3));
    expect(await store.getRun('missing')).toBeNull();
    expect((await store.listRuns()).map((r) => r.id)).toEqual(['r2', 'r3', 'r1']);
    expect((await store.listRuns({ flowId: 'f1' })).map((r) => r.id)).toEqual(['r3', 'r1']);
    expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual(['r2']);

    const reason = { code: 'E_PAUSED', message: 'Paused by the operator.', hint: 'Resume it.', transient: true };
    await store.updateRun('r1', { status: 'paused', reason });
    let r1 = await store.getRun('r1');
    expect(r1).toMatchObject({ status: 'paused', reason, startedAt: '2024-01-01T00:00:00.000Z', endedAt: null });
    await store.updateRun('r1', { status: 'completed', reason: null, endedAt: '2024-01-05T00:00:00.000Z' });
    r1 = await store.getRun('r1');
    expect(r1).toMatchObject({ status: 'completed', reason: null, endedAt: '2024-01-05T00:00:00.000Z' });
    await store.updateRun('nope', { status: 'failed' }); // no such run: nothing happens

    expect((await store.listRunsWithStatus(['running', 'pausing'])).map((r) => r.id)).toEqual(['r2', 'r3']);
    expect(await store.listRunsWithStatus([])).toEqual([]);

    // A second run with the same id is refused, and changes nothing.
    await expect(store.createRun(runRow('r1', 'f9', '2024-02-01T00:00:00.000Z', 1), [recordData(5)])).rejects.toThrow(/refused/);
    expect((await store.getRun('r1'))?.flowId).toBe('f1');
    expect((await store.listRecords('r1')).total).toBe(3);
    await store.close();
  });

  it('pages, filters and counts records; updates keep what they do not name', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    const n = 250;
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', n), Array.from({ length: n }, (_, i) => recordData(i)));

    const first = await store.listRecords('r');
    expect(first.total).toBe(n);
    expect(first.items).toHaveLength(100);
    expect(first.items[0]).toEqual({
      runId: 'r',
      index: 0,
      status: 'pending',
      data: recordData(0),
      output: null,
      error: null,
      reason: null,
      checkpoint: null,
      startedAt: null,
      endedAt: null,
      sourceRow: null,
    });
    const last = await store.listRecords('r', { offset: 240, limit: 50 });
    expect(last.items.map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, i) => 240 + i));

    await store.updateRecord({ runId: 'r', index: 5, status: 'running', checkpoint: checkpoint(5, 0), startedAt: instant(5, 0) });
    await store.updateRecord({ runId: 'r', index: 7, status: 'failed', checkpoint: null, error: { code: 'E', message: 'm', hint: 'h', transient: false, nodeId: 'set' }, endedAt: instant(7, 9) });
    await store.updateRecord({ runId: 'r', index: 9, status: 'needs_review', checkpoint: null, reason: 'Check the address' });
    await store.updateRecord({ runId: 'r', index: 11, status: 'skipped', checkpoint: null, output: { skipped: true } });
    await store.updateRecord({ runId: 'r', index: 12, status: 'success', checkpoint: null, output: { ok: 1 } });

    // Fields not named stay; null clears.
    await store.updateRecord({ runId: 'r', index: 5, status: 'running', checkpoint: checkpoint(5, 1) });
    expect(await store.getRecord('r', 5)).toMatchObject({ status: 'running', checkpoint: checkpoint(5, 1), startedAt: instant(5, 0) });
    await store.updateRecord({ runId: 'r', index: 5, status: 'running', checkpoint: checkpoint(5, 2), startedAt: null });
    expect((await store.getRecord('r', 5))?.startedAt).toBeNull();
    expect(await store.getRecord('r', 7)).toMatchObject({ status: 'failed', error: { code: 'E', nodeId: 'set' }, endedAt: instant(7, 9), data: recordData(7) });
    expect((await store.getRecord('r', 9))?.reason).toBe('Check the address');
    expect(await store.getRecord('r', n)).toBeNull();
    expect(await store.getRecord('nope', 0)).toBeNull();

    expect(await store.countRecords('r')).toEqual({ pending: n - 5, running: 1, success: 1, failed: 1, needs_review: 1, skipped: 1 });
    expect(await store.countRecords('nope')).toEqual({ pending: 0, running: 0, success: 0, failed: 0, needs_review: 0, skipped: 0 });
    const failed = await store.listRecords('r', { status: 'failed' });
    expect(failed.total).toBe(1);
    expect(failed.items.map((r) => r.index)).toEqual([7]);
    const pending = await store.listRecords('r', { status: 'pending', offset: 3, limit: 4 });
    expect(pending.total).toBe(n - 5);
    expect(pending.items.map((r) => r.index)).toEqual([3, 4, 6, 8]);
    const unfinished = await store.unfinishedRecords('r');
    expect(unfinished).toHaveLength(n - 4);
    expect(unfinished.slice(0, 7).map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await store.listRecords('nope')).toEqual({ items: [], total: 0 });
    await store.close();
  });

  it('commits steps with their record atomically, and counts them per node', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 3), [recordData(0), recordData(1), recordData(2)]);
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        for (let seq = 1; seq <= 9; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
      }),
    );
    expect(await store.listSteps('r', 1)).toEqual(Array.from({ length: 9 }, (_, k) => stepRow('r', 1, k + 1)));
    expect(await store.getRecord('r', 1)).toMatchObject({ status: 'running', checkpoint: checkpoint(1, 9), startedAt: instant(1, 0) });
    expect(await store.listSteps('r', 3)).toEqual([]);
    expect(await store.stepCounts('r')).toEqual({
      node0: { success: 3 * 2, failed: 0 }, // seq 4, 8
      node1: { success: 3 * 3, failed: 0 }, // seq 1, 5, 9
      node2: { success: 3 * 2, failed: 0 }, // seq 2, 6
      node3: { success: 3 * 1, failed: 3 }, // seq 3; 7 failed
    });

    // A step that was already committed is refused, and its record update is not applied;
    // the other writes of the same group commit still go through.
    const results = await Promise.allSettled([
      store.commitStep(stepRow('r', 0, 10), stepUpdate('r', 0, 10)),
      store.commitStep(stepRow('r', 1, 9), { ...stepUpdate('r', 1, 99), status: 'failed' }),
      store.commitStep(stepRow('r', 2, 10), stepUpdate('r', 2, 10)),
      store.commitStep(stepRow('nope', 0, 1), stepUpdate('nope', 0, 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/no run "nope"/);
    expect(await store.getRecord('r', 1)).toMatchObject({ status: 'running', checkpoint: checkpoint(1, 9) });
    expect((await store.listSteps('r', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await store.stepCounts('r')).node2).toEqual({ success: 3 * 2 + 2, failed: 0 });

    await store.updateRecord(doneUpdate('r', 2, 10));
    expect(await store.getRecord('r', 2)).toMatchObject({ status: 'success', output: finalOutput(2, 10), checkpoint: null, startedAt: instant(2, 0) });

    // Reopening replays the journal (including the refused writes) to the same state.
    const before = await dump(store, ['r']);
    await store.kill();
    const again = await openSqlJsStore(dir);
    expect(await dump(again, ['r'])).toEqual(before);
    await again.close();
  });

  it('appends and pages the run log', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
    const lines: LogRow[] = Array.from({ length: 25 }, (_, i) => ({
      runId: 'r',
      recordIndex: i % 5 === 0 ? null : i,
      nodeId: i % 2 ? 'set' : null,
      level: (['debug', 'info', 'warn', 'error'] as const)[i % 4],
      message: `line ${i}`,
      data: i % 3 ? { i, nested: [i] } : null,
      at: instant(0, i),
    }));
    await store.appendLogs(lines.slice(0, 10));
    await Promise.all([store.appendLogs(lines.slice(10, 20)), store.appendLogs(lines.slice(20)), store.appendLogs([])]);
    const page = await store.listLogs('r', { offset: 5, limit: 10 });
    expect(page.total).toBe(25);
    expect(page.items).toEqual(lines.slice(5, 15));
    expect((await store.listLogs('r')).items).toEqual(lines);
    expect(await store.listLogs('nope')).toEqual({ items: [], total: 0 });
    await expect(store.appendLogs([{ ...lines[0], runId: 'nope' }])).rejects.toThrow(/no run/);
    await store.close();
  });

  it('keeps everything across close and reopen, and refuses writes after close', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.putFlow(flowDoc('f'));
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 20), Array.from({ length: 20 }, (_, i) => recordData(i)));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(
        (async () => {
          for (let seq = 1; seq <= 5; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
          await store.updateRecord(doneUpdate('r', i, 5));
        })(),
      );
    }
    await Promise.all(writes);
    await store.appendLogs([{ runId: 'r', recordIndex: null, nodeId: null, level: 'info', message: 'done', data: null, at: instant(0, 0) }]);
    await store.updateRun('r', { status: 'completed', endedAt: instant(99, 0) });
    const before = await dump(store, ['r']);

    // A write queued before close is flushed by it.
    const late = store.putFlow(flowDoc('late'));
    await store.close();
    expect((await late).id).toBe('late');
    await expect(store.commitStep(stepRow('r', 0, 7), stepUpdate('r', 0, 7))).rejects.toThrow(/closed/);
    await expect(store.putFlow(flowDoc('g'))).rejects.toThrow(/closed/);
    await expect(store.getRun('r')).rejects.toThrow(/closed/);
    await store.close(); // twice is fine

    // close() left a snapshot and one empty journal starting after it (so a lost snapshot is noticed).
    expect(fs.existsSync(path.join(dir, 'conveyor.db'))).toBe(true);
    expect(journalFiles(dir).map((f) => [path.basename(f), fs.statSync(f).size])).toEqual([['journal-0000000000000126.log', 0]]);

    const again = await openSqlJsStore(dir);
    const after = await dump(again, ['r']);
    expect((after.flows as Array<{ id: string }>).map((f) => f.id)).toEqual(['f', 'late']);
    expect({ ...after, flows: null }).toEqual({ ...before, flows: null });
    await again.putFlow(flowDoc('g'));
    await again.close();
    const third = await openSqlJsStore(dir);
    expect((await third.listFlows()).map((f) => f.id)).toEqual(['f', 'g', 'late']);
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

  it('creates a run of 100,000 records in one write', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    const n = 100_000;
    const records = Array.from({ length: n }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com` }));
    await store.createRun(runRow('big', 'f', '2024-01-01T00:00:00.000Z', n), records);
    expect(store.stats().lastSeq).toBe(1);
    expect((await store.countRecords('big')).pending).toBe(n);
    const page = await store.listRecords('big', { offset: n - 2 });
    expect(page.items.map((r) => r.data)).toEqual(records.slice(n - 2));
    await store.kill();
    const again = await openSqlJsStore(dir);
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
    const before = await dump(store, ['r']);
    expect((before.r as { steps: unknown[][] }).steps.every((s) => s.length === steps)).toBe(true);
    await store.kill();

    store = await openSqlJsStore(dir, options);
    expect(await dump(store, ['r'])).toEqual(before);
    await store.close();
    store = await openSqlJsStore(dir, options);
    expect(await dump(store, ['r'])).toEqual(before);
    await store.close();
  });

  it('reopens from every state a crash can leave during a snapshot', async () => {
    const dir = tempDir();
    const records = 60;
    const steps = 30;
    const acked = new Set<string>();
    const logged = new Set<string>();
    // At "start" the journal has switched and the new snapshot is not written yet: copy the directory.
    const captured: Array<{ dir: string; acked: Set<string>; logged: Set<string> }> = [];
    const store = await openSqlJsStore(dir, {
      snapshotThresholdBytes: 32 * 1024,
      onSnapshot: (e) => {
        if (e.phase !== 'start' || captured.length >= 3) return;
        const copy = tempDir('conveyor-store-copy-');
        for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
        captured.push({ dir: copy, acked: new Set(acked), logged: new Set(logged) });
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
    const finalSnapshot = fs.readFileSync(path.join(dir, 'conveyor.db'));

    for (const state of captured) {
      // As taken: the old snapshot (if any), the old journal and the new, empty one.
      // Then the same with the new snapshot renamed in but the old journal not removed yet.
      for (const withNewSnapshot of [false, true]) {
        const copy = tempDir('conveyor-store-copy-');
        for (const f of fs.readdirSync(state.dir)) fs.copyFileSync(path.join(state.dir, f), path.join(copy, f));
        if (withNewSnapshot) fs.writeFileSync(path.join(copy, 'conveyor.db'), finalSnapshot);
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
        if (withNewSnapshot) {
          expect(s.stats().lastSeq).toBe(total);
          expect(messages.length).toBe(records);
        }
        // Still writable, and the write survives a crash.
        await s.appendLogs([{ runId: 'r', recordIndex: null, nodeId: null, level: 'info', message: 'after', data: null, at: instant(0, 0) }]);
        await s.kill();
        const t = await openSqlJsStore(copy);
        expect((await t.listLogs('r', { limit: 1000 })).items.at(-1)?.message).toBe('after');
        await t.close();
      }
    }
  });

  it('ignores a torn tail in the journal and keeps appending after the last complete entry', async () => {
    const dir = tempDir();
    let store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 4), [0, 1, 2, 3].map(recordData));
    for (let seq = 1; seq <= 5; seq++) {
      await Promise.all([0, 1, 2, 3].map((i) => store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq))));
    }
    const before = await dump(store, ['r']);
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
    expect(await dump(store, ['r'])).toEqual(before);
    expect(fs.statSync(journal).size).toBe(content.length); // the tail was cut off
    await store.commitStep(stepRow('r', 0, 6), stepUpdate('r', 0, 6));
    await store.kill();

    // A complete last frame whose bytes were damaged is ignored too.
    const damaged = fs.readFileSync(journal);
    damaged[damaged.length - 5] ^= 0xff;
    fs.writeFileSync(journal, damaged);
    store = await openSqlJsStore(dir);
    expect(await dump(store, ['r'])).toEqual(before);

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
