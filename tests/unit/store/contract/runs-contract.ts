/** Contract: flows, runs, records, steps (atomic commits, refusals) and the run log. */
import { describe, expect, it } from 'vitest';
import type { LogRow, Store } from '../../../../server/store/types.ts';
import { checkpoint, doneUpdate, finalOutput, flowDoc, instant, recordData, runRow, stepRow, stepUpdate } from '../fixtures.ts';
import type { StoreHarness } from './harness.ts';

/** What a store holds about some runs, through its reads (to compare before and after a reopen). */
export async function dumpRuns(store: Store, runIds: string[]) {
  const out: Record<string, unknown> = { flows: await store.listFlows(), runs: await store.listRuns() };
  for (const id of runIds) {
    const records = await store.listRecords(id, { limit: 1_000_000 });
    const steps = [];
    for (const r of records.items) steps.push(await store.listSteps(id, r.index));
    out[id] = { run: await store.getRun(id), records, steps, counts: await store.countRecords(id), stepCounts: await store.stepCounts(id), logs: await store.listLogs(id, { limit: 1_000_000 }) };
  }
  return out;
}

/** Run `id` of flow f: `n` records of `steps` steps each, committed concurrently, each record done; the run completed. */
export async function completedRun(store: Store, id: string, n: number, steps: number): Promise<void> {
  await store.createRun(runRow(id, 'f', '2024-01-01T00:00:00.000Z', n), Array.from({ length: n }, (_, i) => recordData(i)));
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      for (let seq = 1; seq <= steps; seq++) await store.commitStep(stepRow(id, i, seq), stepUpdate(id, i, seq));
      await store.updateRecord(doneUpdate(id, i, steps));
    }),
  );
  await store.updateRun(id, { status: 'completed', endedAt: instant(99, 0) });
}

export function runsContract(h: StoreHarness): void {
  describe('flows, runs, records, steps, logs', () => {
    it('stores, updates and deletes flows; listed by name without case, then id', async () => {
      const store = await h.open();
      const a = await store.putFlow(flowDoc('a', 'Beta'));
      expect(a.createdAt).toBe(a.updatedAt);
      expect(a.doc).toEqual(flowDoc('a', 'Beta'));
      await store.putFlow(flowDoc('b', 'alpha'));
      await new Promise((r) => setTimeout(r, 5));
      const a2 = await store.putFlow(flowDoc('a', 'Gamma'));
      expect(a2.createdAt).toBe(a.createdAt);
      expect(a2.updatedAt > a.updatedAt).toBe(true);
      expect(await store.getFlow('a')).toMatchObject({ name: 'Gamma', doc: flowDoc('a', 'Gamma') });
      expect(await store.getFlow('nope')).toBeNull();
      expect((await store.listFlows()).map((f) => f.id)).toEqual(['b', 'a']);
      expect(await store.deleteFlow('b')).toBe(true);
      expect(await store.deleteFlow('b')).toBe(false);
      expect((await store.listFlows()).map((f) => f.id)).toEqual(['a']);
      await store.close();
    });

    it('creates runs with their records, patches runs, and refuses a second run with the same id', async () => {
      const store = await h.open();
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
      expect(await store.getRun('r1')).toMatchObject({ status: 'paused', reason, startedAt: '2024-01-01T00:00:00.000Z', endedAt: null });
      await store.updateRun('r1', { status: 'completed', reason: null, endedAt: '2024-01-05T00:00:00.000Z' });
      expect(await store.getRun('r1')).toMatchObject({ status: 'completed', reason: null, endedAt: '2024-01-05T00:00:00.000Z' });
      await store.updateRun('nope', { status: 'failed' }); // no such run: nothing happens
      expect((await store.listRunsWithStatus(['running', 'pausing'])).map((r) => r.id)).toEqual(['r2', 'r3']);
      expect(await store.listRunsWithStatus([])).toEqual([]);

      await expect(store.createRun(runRow('r1', 'f9', '2024-02-01T00:00:00.000Z', 1), [recordData(5)])).rejects.toThrow(/refused/);
      expect((await store.getRun('r1'))?.flowId).toBe('f1');
      expect((await store.listRecords('r1')).total).toBe(3);
      await store.close();
    });

    it("keeps a run's halts: written whole, left as they were by patches that do not name them, and after a reopen", async () => {
      let store = await h.open();
      await store.createRun(runRow('h1', 'f1', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
      // A run that never halted has none (nor had runs of earlier versions).
      expect((await store.getRun('h1'))?.halts).toBeUndefined();
      await store.updateRun('h1', { status: 'paused', halts: [['2024-01-01T00:01:00.000Z', null]] });
      await store.updateRun('h1', { reason: null });
      expect((await store.getRun('h1'))?.halts).toEqual([['2024-01-01T00:01:00.000Z', null]]);
      expect(await store.updateRunIf('h1', ['paused'], { status: 'running', halts: [['2024-01-01T00:01:00.000Z', '2024-01-01T01:01:00.000Z']] })).toEqual({ written: true });
      store = await h.reopen(store);
      expect(await store.getRun('h1')).toMatchObject({ status: 'running', halts: [['2024-01-01T00:01:00.000Z', '2024-01-01T01:01:00.000Z']] });
      expect((await store.listRuns()).find((r) => r.id === 'h1')?.halts).toHaveLength(1);
      await store.close();
    });

    it('pages, filters and counts records; updates keep the fields they do not name', async () => {
      const store = await h.open();
      const n = 250;
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', n), Array.from({ length: n }, (_, i) => recordData(i)));
      const first = await store.listRecords('r');
      expect(first.total).toBe(n);
      expect(first.items).toHaveLength(100);
      expect(first.items[0]).toEqual({ runId: 'r', index: 0, status: 'pending', data: recordData(0), output: null, error: null, reason: null, checkpoint: null, startedAt: null, endedAt: null, sourceRow: null });
      expect((await store.listRecords('r', { offset: 240, limit: 50 })).items.map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, i) => 240 + i));

      await store.updateRecord({ runId: 'r', index: 5, status: 'running', checkpoint: checkpoint(5, 0), startedAt: instant(5, 0) });
      await store.updateRecord({ runId: 'r', index: 7, status: 'failed', checkpoint: null, error: { code: 'E', message: 'm', hint: 'h', transient: false, nodeId: 'set' }, endedAt: instant(7, 9) });
      await store.updateRecord({ runId: 'r', index: 9, status: 'needs_review', checkpoint: null, reason: 'Check the address' });
      await store.updateRecord({ runId: 'r', index: 11, status: 'skipped', checkpoint: null, output: { skipped: true } });
      await store.updateRecord({ runId: 'r', index: 12, status: 'success', checkpoint: null, output: { ok: 1 } });
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
      expect([failed.total, failed.items.map((r) => r.index)]).toEqual([1, [7]]);
      const pending = await store.listRecords('r', { status: 'pending', offset: 3, limit: 4 });
      expect([pending.total, pending.items.map((r) => r.index)]).toEqual([n - 5, [3, 4, 6, 8]]);
      const unfinished = await store.unfinishedRecords('r');
      expect(unfinished).toHaveLength(n - 4);
      expect(unfinished.slice(0, 7).map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(await store.listRecords('nope')).toEqual({ items: [], total: 0 });
      expect(await store.lastRecordStart('r')).toBe(null); // record 5's start was cleared
      await store.updateRecord({ runId: 'r', index: 12, status: 'success', checkpoint: null, startedAt: instant(12, 0) });
      expect(await store.lastRecordStart('r')).toBe(instant(12, 0));
      await store.close();
    });

    it('commits steps with their record atomically, counts them per node, refuses a step committed twice alone', async () => {
      let store = await h.open();
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 3), [recordData(0), recordData(1), recordData(2)]);
      await Promise.all(
        [0, 1, 2].map(async (i) => {
          for (let seq = 1; seq <= 9; seq++) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
        }),
      );
      expect(await store.listSteps('r', 1)).toEqual(Array.from({ length: 9 }, (_, k) => stepRow('r', 1, k + 1)));
      expect(await store.getRecord('r', 1)).toMatchObject({ status: 'running', checkpoint: checkpoint(1, 9), startedAt: instant(1, 0) });
      expect(await store.listSteps('r', 3)).toEqual([]);
      const perNode = { node0: { success: 6, failed: 0, review: 0 }, node1: { success: 9, failed: 0, review: 0 }, node2: { success: 6, failed: 0, review: 0 }, node3: { success: 3, failed: 3, review: 0 } };
      expect(await store.stepCounts('r')).toEqual(perNode);

      // Submitted together: the duplicate and the unknown run fail, and only they.
      const results = await Promise.allSettled([
        store.commitStep(stepRow('r', 0, 10), stepUpdate('r', 0, 10)),
        store.commitStep(stepRow('r', 1, 9), { ...stepUpdate('r', 1, 99), status: 'failed' }),
        store.commitStep(stepRow('r', 2, 10), stepUpdate('r', 2, 10)),
        store.commitStep(stepRow('nope', 0, 1), stepUpdate('nope', 0, 1)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/refused/);
      expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/no run "nope"/);
      expect(await store.getRecord('r', 1)).toMatchObject({ status: 'running', checkpoint: checkpoint(1, 9) });
      expect((await store.listSteps('r', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await store.stepCounts('r')).node2).toEqual({ success: 8, failed: 0, review: 0 });
      expect((await store.stepCounts('r')).node1).toEqual(perNode.node1); // the refused step counted nothing

      await store.updateRecord(doneUpdate('r', 2, 10));
      expect(await store.getRecord('r', 2)).toMatchObject({ status: 'success', output: finalOutput(2, 10), checkpoint: null, startedAt: instant(2, 0) });
      const before = await dumpRuns(store, ['r']);
      store = await h.reopen(store);
      expect(await dumpRuns(store, ['r'])).toEqual(before);
      await store.close();
    });

    it('counts a failed step that sent its record to review apart from the failed ones, alone or with the trigger a record entered past; kept when reopened', async () => {
      let store = await h.open();
      await store.createRun(runRow('v', 'f', '2024-01-01T00:00:00.000Z', 3), [recordData(0), recordData(1), recordData(2)]);
      const failedAt = (i: number) => ({ ...stepRow('v', i, 7), nodeId: 'check' }); // seq 7: a failed step
      // Record 0: its step fails and the record ends in review. Record 1: the same, on its first commit,
      // having entered past the trigger. Record 2: its step fails and the record fails.
      await store.commitStep(failedAt(0), { ...stepUpdate('v', 0, 1), status: 'needs_review', checkpoint: null, sentToReview: true });
      await store.commitStep(failedAt(1), { ...stepUpdate('v', 1, 1), status: 'needs_review', checkpoint: null, entered: 'trigger', sentToReview: true });
      await store.commitStep(failedAt(2), { ...stepUpdate('v', 2, 1), status: 'failed', checkpoint: null });
      const counts = { check: { success: 0, failed: 1, review: 2 }, trigger: { success: 1, failed: 0, review: 0 } };
      expect(await store.stepCounts('v')).toEqual(counts);
      expect((await store.listSteps('v', 0)).map((s) => s.status)).toEqual(['failed']);
      store = await h.reopen(store);
      expect(await store.stepCounts('v')).toEqual(counts);
      await store.close();
    });

    it('writes a run or record conditionally: only while it is as expected, else the status found; of two at once exactly one is written', async () => {
      const store = await h.open();
      await store.createRun(runRow('c', 'f', '2024-01-01T00:00:00.000Z', 2), [recordData(0), recordData(1)]);
      await store.updateRun('c', { status: 'paused' });
      // Two Resumes at once: both read "paused", one is written.
      const both = await Promise.all([store.updateRunIf('c', ['paused'], { status: 'running', endedAt: null }), store.updateRunIf('c', ['paused'], { status: 'running', endedAt: null })]);
      expect(both.filter((r) => r.written)).toHaveLength(1);
      expect(both.find((r) => !r.written)).toEqual({ written: false, found: 'running' });
      expect(await store.updateRunIf('c', ['paused', 'stopped'], { status: 'stopped' })).toEqual({ written: false, found: 'running' });
      expect((await store.getRun('c'))?.status).toBe('running');
      expect(await store.updateRunIf('missing', ['paused'], { status: 'running' })).toEqual({ written: false, found: null });

      // A record: its status and end time as read, with its audit event only when written.
      const ended = instant(5, 0);
      await store.updateRecord({ runId: 'c', index: 0, status: 'needs_review', checkpoint: null, endedAt: ended });
      const retry = (note: string) => ({
        runId: 'c',
        index: 0,
        status: 'running' as const,
        checkpoint: null,
        endedAt: null,
        event: { at: instant(6, 0), from: 'needs_review' as const, to: 'running' as const, actor: 'operator' as const, action: 'retry', note, data: null },
      });
      const events = (await store.listRecordEvents('c', 0)).length;
      const retries = await Promise.all([store.updateRecordIf(retry('a'), { status: ['needs_review'], endedAt: ended }), store.updateRecordIf(retry('b'), { status: ['needs_review'], endedAt: ended })]);
      expect(retries.filter((r) => r.written)).toHaveLength(1);
      expect(retries.find((r) => !r.written)).toEqual({ written: false, found: 'running' });
      expect((await store.listRecordEvents('c', 0)).length).toBe(events + 1);
      // Back in review, ended again: a write that expects the earlier end is refused (retried and failed anew meanwhile).
      await store.updateRecord({ runId: 'c', index: 0, status: 'needs_review', checkpoint: null, endedAt: instant(7, 0) });
      expect(await store.updateRecordIf(retry('late'), { status: ['needs_review'], endedAt: ended })).toEqual({ written: false, found: 'needs_review' });
      expect(await store.updateRecordIf(retry('now'), { status: ['needs_review'], endedAt: instant(7, 0) })).toEqual({ written: true });
      expect(await store.updateRecordIf({ ...retry('none'), index: 9 }, { status: ['needs_review'] })).toEqual({ written: false, found: null });
      const notes = (await store.listRecordEvents('c', 0)).map((e) => e.note).filter(Boolean);
      expect(notes).toEqual([retries[0].written ? 'a' : 'b', 'now']);
      await store.close();
    });

    it('appends and pages the run log in the order written; refuses lines of an unknown run', async () => {
      const store = await h.open();
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
      expect((await store.listLogs('r')).total).toBe(25);
      await store.close();
    });

    it('keeps every acknowledged write across close and reopen; a write queued before close is flushed, later ones are refused', async () => {
      let store = await h.open();
      await store.putFlow(flowDoc('f'));
      await completedRun(store, 'r', 20, 5);
      const before = await dumpRuns(store, ['r']);
      const late = store.putFlow(flowDoc('late'));
      await store.close();
      expect((await late).id).toBe('late');
      await expect(store.commitStep(stepRow('r', 0, 7), stepUpdate('r', 0, 7))).rejects.toThrow(/closed/);
      await expect(store.putFlow(flowDoc('g'))).rejects.toThrow(/closed/);
      await expect(store.getRun('r')).rejects.toThrow(/closed/);
      await store.close(); // twice is fine
      store = await h.reopen(store);
      const after = await dumpRuns(store, ['r']);
      expect((after.flows as Array<{ id: string }>).map((f) => f.id)).toEqual(['f', 'late']);
      expect({ ...after, flows: null }).toEqual({ ...before, flows: null });
      await store.close();
    });

    it('creates a run of 100,000 records in one write', async () => {
      let store = await h.open();
      const n = 100_000;
      const records = Array.from({ length: n }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com` }));
      await store.createRun(runRow('big', 'f', '2024-01-01T00:00:00.000Z', n), records);
      expect((await store.countRecords('big')).pending).toBe(n);
      expect((await store.listRecords('big', { offset: n - 2 })).items.map((r) => r.data)).toEqual(records.slice(n - 2));
      store = await h.reopen(store);
      expect((await store.listRecords('big', { offset: 77_777, limit: 1 })).items[0].data).toEqual(records[77_777]);
      await store.close();
    });
  });
}
