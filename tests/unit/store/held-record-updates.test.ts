/**
 * The embedded store holds back the record row's rewrite at each step of a running record (ops.ts,
 * `Applier.deferred`): the step's journal entry has it; the row is written when something reads it,
 * before a snapshot, or merged into the record's next update that cannot wait. What the operator and
 * the engine see must not change: reads show the latest step's status and checkpoint, a field set by
 * an earlier step (the start time) stays set, the final update keeps it, and a store stopped after a
 * snapshot (its journal cut there) or killed without one opens with the same rows.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { RecordUpdate } from '../../../server/store/types.ts';
import { checkpoint, doneUpdate, finalOutput, instant, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterEach(removeTempDirs);

const open = (dir: string, snapshotThresholdBytes?: number) => openSqlJsStore(dir, { archiveAfterMs: null, onWarning: () => {}, ...(snapshotThresholdBytes ? { snapshotThresholdBytes } : {}) });

async function running(store: SqlJsStore, steps: number): Promise<void> {
  await store.createRun(runRow('run-h', 'f', instant(0, 0), 3), [0, 1, 2].map(recordData));
  for (let seq = 1; seq <= steps; seq++) {
    for (const i of [0, 1, 2]) await store.commitStep(stepRow('run-h', i, seq), stepUpdate('run-h', i, seq));
  }
}

describe('record rows held back while records run', () => {
  it('reads show the latest step; the start time of the first step stays; the final update keeps it', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await open(dir);
    await running(store, 4);
    for (const i of [0, 1, 2]) {
      const r = await store.getRecord('run-h', i);
      expect(r).toMatchObject({ status: 'running', checkpoint: checkpoint(i, 4), startedAt: instant(i, 0) });
    }
    const page = await store.listRecords('run-h', { limit: 10 });
    expect(page.items.map((r) => [r.status, r.checkpoint?.seq])).toEqual([['running', 4], ['running', 4], ['running', 4]]);
    // Record 1 ends: its final row carries the start time its first step set, and the output.
    await store.commitStep(stepRow('run-h', 1, 5), doneUpdate('run-h', 1, 5));
    expect(await store.getRecord('run-h', 1)).toMatchObject({ status: 'success', startedAt: instant(1, 0), endedAt: instant(1, 6), output: finalOutput(1, 5) });
    // The others were not written by record 1's end, and still read as they are.
    expect(await store.getRecord('run-h', 2)).toMatchObject({ status: 'running', checkpoint: checkpoint(2, 4), startedAt: instant(2, 0) });
    await store.close();
  });

  for (const [how, threshold, end] of [
    ['closed (its last snapshot taken, the journal emptied)', undefined, 'close'],
    ['killed after snapshots (the journal cut at each)', 2048, 'kill'],
    ['killed before any snapshot', undefined, 'kill'],
  ] as const) {
    it(`a store ${how} opens with every held-back row`, async () => {
      const dir = path.join(tempDir(), 'store');
      const store = await open(dir, threshold);
      await running(store, 6);
      // Held back in memory only until now: no read has written them.
      await (end === 'close' ? store.close() : store.kill());
      const again = await open(dir);
      for (const i of [0, 1, 2]) {
        expect(await again.getRecord('run-h', i)).toMatchObject({ status: 'running', checkpoint: checkpoint(i, 6), startedAt: instant(i, 0) });
      }
      await again.close();
    });
  }

  // A record's first commit carries its 'started' audit event: the row is held as any other running
  // update, the event written at once, so the run's events keep the order things happened in.
  const started = (runId: string, index: number, seq: number): RecordUpdate => ({
    ...stepUpdate(runId, index, seq),
    event: { at: instant(index, 0), from: 'pending', to: 'running', actor: 'engine', action: 'started', note: null, data: null },
  });
  const finished = (runId: string, index: number, seq: number): RecordUpdate => ({
    ...doneUpdate(runId, index, seq),
    event: { at: instant(index, seq + 1), from: 'running', to: 'success', actor: 'engine', action: 'finished', note: null, data: null },
  });
  const eventsOf = async (store: SqlJsStore) => (await store.listRunEvents('run-h')).items.map((e) => `${e.recordIndex} ${e.action}`);

  for (const end of ['read', 'close', 'kill'] as const) {
    it(`a record's start is held with its event written in order; records read running, started (${end === 'read' ? 'live' : `after ${end === 'close' ? 'a close' : 'a kill'}`})`, async () => {
      const dir = path.join(tempDir(), 'store');
      const store = await open(dir);
      await store.createRun(runRow('run-h', 'f', instant(0, 0), 3), [0, 1, 2].map(recordData));
      await store.commitStep(stepRow('run-h', 0, 1), started('run-h', 0, 1));
      await store.commitStep(stepRow('run-h', 1, 1), started('run-h', 1, 1));
      await store.commitStep(stepRow('run-h', 0, 2), finished('run-h', 0, 2));
      await store.commitStep(stepRow('run-h', 2, 1), started('run-h', 2, 1));
      await store.commitStep(stepRow('run-h', 1, 2), stepUpdate('run-h', 1, 2));
      // A start for a record the run does not have changes nothing and writes no event.
      await store.commitStep(stepRow('run-h', 7, 1), started('run-h', 7, 1)).catch(() => undefined);
      await store.updateRecord(started('run-h', 9, 1)).catch(() => undefined);
      const reader = end === 'read' ? store : (await (end === 'close' ? store.close() : store.kill()), await open(dir));
      expect(await eventsOf(reader)).toEqual(['0 started', '1 started', '0 finished', '2 started']);
      expect(await reader.listRecordEvents('run-h', 1)).toMatchObject([{ action: 'started', from: 'pending', to: 'running', at: instant(1, 0) }]);
      expect(await reader.getRecord('run-h', 0)).toMatchObject({ status: 'success', startedAt: instant(0, 0), endedAt: instant(0, 3), output: finalOutput(0, 2) });
      expect(await reader.getRecord('run-h', 1)).toMatchObject({ status: 'running', checkpoint: checkpoint(1, 2), startedAt: instant(1, 0) });
      expect(await reader.getRecord('run-h', 2)).toMatchObject({ status: 'running', checkpoint: checkpoint(2, 1), startedAt: instant(2, 0) });
      expect(await reader.getRecord('run-h', 9)).toBeNull();
      expect((await reader.listRecords('run-h', { limit: 10 })).total).toBe(3);
      await reader.close();
    });
  }
});
