/** Contract: business keys, settled records, rejects, the audit trail, the review queue and the report reads. */
import { describe, expect, it } from 'vitest';
import type { KeyAttempts, RecordEventRow, RecordUpdate, StepRow, Store } from '../../../../server/store/types.ts';
import type { RejectInfo } from '../../../../nodes/sdk/types.ts';
import { flowDoc, recordData, runRow, stepRow, stepUpdate } from '../fixtures.ts';
import type { StoreHarness } from './harness.ts';

export const T0 = '2024-03-01T10:00:00.000Z';
export const T1 = '2024-03-02T10:00:00.000Z';
const T2 = '2024-03-03T10:00:00.000Z';
export const err = (code: string) => ({ code, message: `${code} happened`, hint: 'Look.', transient: false });

function finish(runId: string, index: number, status: RecordUpdate['status'], code?: string, nodeId?: string): RecordUpdate {
  return { runId, index, status, checkpoint: null, error: code ? { ...err(code), ...(nodeId ? { nodeId } : {}) } : null, startedAt: T0, endedAt: T1 };
}

const rejects: RejectInfo[] = [
  { row: 7, field: 'email', rule: 'format', value: 'not-an-email', message: 'email is not an address' },
  { row: 3, field: null, rule: 'columns', value: ['a', 'b'], message: 'row has 2 columns, 3 expected' },
  { row: 3, field: 'amount', rule: 'number', value: '=1+1', message: 'amount is not a number' },
];

/** key → [run, index, status, error code, "run:index" of the latest success] of its latest attempt. */
function attemptsOf(found: Map<string, KeyAttempts>) {
  return Object.fromEntries([...found].map(([key, { last, lastSuccess }]) => [key, [last.runId, last.index, last.status, last.errorCode, lastSuccess && `${lastSuccess.runId}:${lastSuccess.index}`]]));
}

/** Run "ra" of flow f: keys k0..k9 (k8 settled skipped, k9 settled success), rejects, file rows, events. */
export async function populate(store: Store): Promise<void> {
  await store.createRun(runRow('ra', 'f', T0, 10), Array.from({ length: 10 }, (_, i) => recordData(i)), {
    keys: Array.from({ length: 10 }, (_, i) => `k${i}`),
    settled: [
      { index: 8, status: 'skipped', reason: 'Duplicate of record #1' },
      { index: 9, status: 'success', reason: 'Already done in run r0' },
    ],
    rejects,
    rows: Array.from({ length: 10 }, (_, i) => (i === 7 ? null : 12 + i)),
  });
  for (let i = 0; i < 7; i++) {
    await store.commitStep(stepRow('ra', i, 1), { ...stepUpdate('ra', i, 1), event: { at: T0, from: 'pending', to: 'running', actor: 'engine', action: 'started', note: null, data: null } });
  }
  for (let i = 0; i < 4; i++) await store.updateRecord(finish('ra', i, 'success'));
  await store.updateRecord(finish('ra', 4, 'failed', 'E_A'));
  await store.updateRecord({ ...finish('ra', 5, 'failed', 'E_B'), event: { at: T1, from: 'running', to: 'failed', actor: 'engine', action: 'finished', note: null, data: { attempt: 2 } } });
  await store.updateRecord(finish('ra', 6, 'needs_review'));
  await store.updateRecord({ runId: 'ra', index: 5, status: 'skipped', checkpoint: null, error: null, event: { at: T2, from: 'failed', to: 'skipped', actor: 'operator', action: 'skip', note: 'not worth it', data: null } });
  await store.updateRecord({ ...finish('ra', 5, 'failed', 'E_B') });
}

export async function checkPopulated(store: Store): Promise<void> {
  expect(await store.getRecord('ra', 8)).toMatchObject({ status: 'skipped', reason: 'Duplicate of record #1', startedAt: T0, endedAt: T0, data: recordData(8), sourceRow: 20 });
  expect((await store.listRecords('ra')).items.map((r) => r.sourceRow)).toEqual([12, 13, 14, 15, 16, 17, 18, null, 20, 21]);
  expect((await store.getRecord('ra', 9))?.status).toBe('success');
  expect(await store.listRecordEvents('ra', 8)).toEqual([{ runId: 'ra', recordIndex: 8, at: T0, from: null, to: 'skipped', actor: 'engine', action: 'settled', note: 'Duplicate of record #1', data: null }]);
  expect(await store.listRejects('ra')).toEqual([rejects[1], rejects[2], rejects[0]].map((r) => ({ runId: 'ra', ...r })));
  expect((await store.listRecordEvents('ra', 5)).map((e) => [e.action, e.from, e.to, e.actor, e.note, e.data])).toEqual([
    ['started', 'pending', 'running', 'engine', null, null],
    ['finished', 'running', 'failed', 'engine', null, { attempt: 2 }],
    ['skip', 'failed', 'skipped', 'operator', 'not worth it', null],
  ]);
  const events = await store.listRunEvents('ra', { actor: 'operator' });
  expect([events.total, events.items.map((e) => e.action)]).toEqual([1, ['skip']]);
  expect((await store.listRunEvents('ra', { offset: 1, limit: 2 })).items.map((e) => e.recordIndex)).toEqual([9, 0]);
  expect(await store.countRecords('ra')).toEqual({ pending: 1, running: 0, success: 5, failed: 2, needs_review: 1, skipped: 1 });
  // Pending (k7) and skipped (k8) records are not attempts.
  const keys = await store.keyAttempts('f', ['k0', 'k3', 'k4', 'k6', 'k7', 'k8', 'k9', 'zz'], 'other');
  expect(attemptsOf(keys)).toEqual({
    k0: ['ra', 0, 'success', null, 'ra:0'],
    k3: ['ra', 3, 'success', null, 'ra:3'],
    k4: ['ra', 4, 'failed', 'E_A', null],
    k6: ['ra', 6, 'needs_review', null, null],
    k9: ['ra', 9, 'success', null, 'ra:9'],
  });
  expect(keys.get('k0')?.last).toMatchObject({ runStatus: 'running', inFlight: false });
  const review = await store.listReview({ code: 'E_B' });
  expect(review.items.map((r) => [r.runId, r.index, r.status, r.error?.code, r.sourceRow])).toEqual([['ra', 5, 'failed', 'E_B', 17]]);
  expect((await store.stepTimings('ra')).map((t) => [t.nodeId, t.status, t.durations.length])).toEqual([['node1', 'success', 7]]);
  expect((await store.recordTimings('ra'))[4]).toEqual({ index: 4, status: 'failed', startedAt: T0, endedAt: T1, errorCode: 'E_A', settled: false });
  expect((await store.recordTimings('ra'))[8]).toEqual({ index: 8, status: 'skipped', startedAt: T0, endedAt: T0, errorCode: null, settled: true });
}

export function auditContract(h: StoreHarness): void {
  describe('keys, rejects, audit, review, report reads', () => {
    it('creates a run with business keys, settled records (with their audit event) and rejects, kept across a reopen', async () => {
      let store = await h.open();
      await store.putFlow(flowDoc('f'));
      await populate(store);
      await checkPopulated(store);
      await store.createRun(runRow('plain', 'f', T1, 2), [recordData(0), recordData(1)]);
      expect(await store.listRejects('plain')).toEqual([]);
      expect((await store.getRecord('plain', 0))?.sourceRow).toBeNull();
      expect(await store.listRecordEvents('plain', 0)).toEqual([]);
      expect(await store.listRejects('nope')).toEqual([]);
      expect(await store.listRecordEvents('nope', 0)).toEqual([]);
      store = await h.reopen(store);
      await checkPopulated(store);
      await store.close();
    });

    it('writes an audit event atomically with the update, only for a record that exists', async () => {
      const store = await h.open();
      await store.createRun(runRow('r', 'f', T0, 2), [recordData(0), recordData(1)]);
      const event = { at: T1, from: 'pending' as const, to: 'running' as const, actor: 'engine' as const, action: 'started', note: null, data: null };
      await store.commitStep(stepRow('r', 0, 1), { ...stepUpdate('r', 0, 1), event });
      await store.updateRecord({ runId: 'r', index: 99, status: 'skipped', checkpoint: null, event });
      await expect(store.commitStep(stepRow('r', 0, 1), { ...stepUpdate('r', 0, 1), event: { ...event, action: 'again' } })).rejects.toThrow();
      expect((await store.listRecordEvents('r', 0)).map((e) => e.action)).toEqual(['started']);
      expect(await store.listRecordEvents('r', 99)).toEqual([]);
      await expect(store.updateRecord({ runId: 'nope', index: 0, status: 'skipped', checkpoint: null, event })).rejects.toThrow(/no run/);
      // Chronological order is the order written, whatever the clock said.
      const ev = (action: string): Omit<RecordEventRow, 'runId' | 'recordIndex'> => ({ at: T0, from: null, to: 'running', actor: 'engine', action, note: null, data: null });
      for (const a of ['one', 'two', 'three']) await store.updateRecord({ runId: 'r', index: 1, status: 'running', checkpoint: null, event: ev(a) });
      expect((await store.listRecordEvents('r', 1)).map((e) => e.action)).toEqual(['one', 'two', 'three']);
      await store.close();
    });

    it('finds where keys were last attempted and last succeeded in other runs of the same flow, newest run first', async () => {
      const store = await h.open();
      const keysOf = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      await store.createRun(runRow('r1', 'f', T0, 4), keysOf(4).map((id) => ({ id })), { keys: keysOf(4) });
      await store.createRun(runRow('r2', 'f', T1, 4), keysOf(4).map((id) => ({ id })), { keys: [null, 'k1', 'k2', 'k3'] });
      await store.createRun(runRow('g1', 'g', T1, 4), keysOf(4).map((id) => ({ id })), { keys: keysOf(4) });
      for (const i of [0, 1, 2]) await store.updateRecord(finish('r1', i, 'success'));
      await store.updateRecord(finish('r1', 3, 'failed', 'E_X'));
      await store.updateRecord(finish('r2', 1, 'success'));
      await store.updateRecord(finish('r2', 3, 'needs_review'));
      for (const i of [0, 1, 2, 3]) await store.updateRecord(finish('g1', i, 'success'));
      expect(attemptsOf(await store.keyAttempts('f', ['k0', 'k1', 'k2', 'k3', 'k1', 'k9'], 'r3'))).toEqual({
        k0: ['r1', 0, 'success', null, 'r1:0'],
        k1: ['r2', 1, 'success', null, 'r2:1'],
        k2: ['r1', 2, 'success', null, 'r1:2'],
        k3: ['r2', 3, 'needs_review', null, null],
      });
      // An unsafe step started and never committed, its run interrupted: that is k2's latest attempt, in doubt.
      await store.updateRecord({ runId: 'r2', index: 2, status: 'running', checkpoint: { tokens: [], groups: [], nextTokenId: 2, nextGroupId: 1, seq: 1, outcomes: [], inFlight: { tokenId: 1, nodeId: 'n', attempt: 1, startedAt: T1 } } });
      await store.updateRun('r2', { status: 'interrupted' });
      expect((await store.keyAttempts('f', ['k2'], 'r3')).get('k2')).toEqual({
        last: { runId: 'r2', index: 2, status: 'running', runStatus: 'interrupted', errorCode: null, inFlight: true },
        lastSuccess: { runId: 'r1', index: 2, status: 'success', runStatus: 'running', errorCode: null, inFlight: false },
      });
      expect(attemptsOf(await store.keyAttempts('f', ['k0', 'k1'], 'r1'))).toEqual({ k1: ['r2', 1, 'success', null, 'r2:1'] });
      expect((await store.keyAttempts('nope', ['k0'], 'x')).size).toBe(0);
      expect((await store.keyAttempts('f', [], 'x')).size).toBe(0);
      // 100,000 keys against a run of 100,000 keyed records.
      const n = 100_000;
      const big = keysOf(n, 'b');
      await store.createRun(runRow('big', 'f', T2, n), big.map((id) => ({ id })), { keys: big });
      for (let i = 0; i < n; i += 1000) await store.updateRecord(finish('big', i, 'success'));
      const hits = await store.keyAttempts('f', big, 'next');
      expect(hits.size).toBe(100);
      expect(hits.get('b5000')?.lastSuccess).toMatchObject({ runId: 'big', index: 5000 });
      await store.close();
    });

    it('lists the review queue with filters, newest runs first, paged', async () => {
      const store = await h.open();
      await store.putFlow(flowDoc('f', 'Flow F'));
      await store.createRun(runRow('old', 'f', T0, 5), Array.from({ length: 5 }, (_, i) => recordData(i)));
      await store.createRun({ ...runRow('new', 'f', T1, 5), flowName: 'Flow F renamed' }, Array.from({ length: 5 }, (_, i) => recordData(i)));
      await store.createRun(runRow('other', 'g', T2, 3), Array.from({ length: 3 }, (_, i) => recordData(i)));
      await store.updateRecord(finish('old', 0, 'failed', 'E_HTTP'));
      await store.updateRecord(finish('old', 3, 'needs_review', 'E_IN_DOUBT', 'call'));
      await store.updateRecord(finish('old', 4, 'success'));
      await store.updateRecord(finish('new', 1, 'needs_review'));
      await store.updateRecord(finish('new', 2, 'failed', 'E_VALID'));
      await store.updateRecord(finish('new', 4, 'skipped'));
      await store.updateRecord(finish('other', 2, 'failed', 'E_HTTP', 'call'));
      const ids = (page: { items: Array<{ runId: string; index: number }> }) => page.items.map((r) => `${r.runId}#${r.index}`);
      const all = await store.listReview({});
      expect(all.total).toBe(5);
      expect(ids(all)).toEqual(['other#2', 'new#1', 'new#2', 'old#0', 'old#3']);
      expect(all.items[1]).toMatchObject({ flowId: 'f', flowName: 'Flow F renamed', status: 'needs_review', data: recordData(1) });
      expect(all.items[2].error).toEqual(err('E_VALID'));
      expect(ids(await store.listReview({ flowId: 'f' }))).toEqual(['new#1', 'new#2', 'old#0', 'old#3']);
      expect(ids(await store.listReview({ runId: 'old' }))).toEqual(['old#0', 'old#3']);
      expect(ids(await store.listReview({ code: 'E_HTTP' }))).toEqual(['other#2', 'old#0']);
      expect(ids(await store.listReview({ code: 'E_HTTP', flowId: 'f' }))).toEqual(['old#0']);
      // By the step its error happened at (a record without one, or elsewhere, is not listed).
      expect(ids(await store.listReview({ nodeId: 'call' }))).toEqual(['other#2', 'old#3']);
      expect(ids(await store.listReview({ nodeId: 'call', runId: 'old' }))).toEqual(['old#3']);
      expect(await store.listReview({ nodeId: 'nowhere' })).toEqual({ items: [], total: 0 });
      expect(ids(await store.listReview({ statuses: ['skipped', 'success'] }))).toEqual(['new#4', 'old#4']);
      expect(await store.listReview({ statuses: [] })).toEqual({ items: [], total: 0 });
      expect(await store.listReview({ runId: 'nope' })).toEqual({ items: [], total: 0 });
      const page = await store.listReview({ offset: 1, limit: 2 });
      expect([page.total, ids(page)]).toEqual([5, ['new#1', 'new#2']]);
      expect((await store.listReview({ offset: 10 })).items).toEqual([]);
      // Retried and succeeded: it leaves the queue, its error code goes with its error.
      await store.updateRecord({ runId: 'new', index: 2, status: 'success', checkpoint: null, error: null });
      expect(ids(await store.listReview({ code: 'E_VALID', statuses: ['failed', 'success'] }))).toEqual([]);
      await store.close();
    });

    it('reads step durations per node and status, record timings and summaries', async () => {
      const store = await h.open();
      await store.createRun(runRow('r', 'f', T0, 3), [{ term: 'a b', group: 'g1' }, { term: 'c', group: 'g2' }, { group: 'g2' }]);
      const step = (index: number, seq: number, nodeId: string, status: StepRow['status'], durationMs: number): StepRow => ({ ...stepRow('r', index, seq), nodeId, status, durationMs });
      await store.commitStep(step(0, 1, 'a', 'success', 10), stepUpdate('r', 0, 1));
      await store.commitStep(step(0, 2, 'b', 'failed', 2.5), stepUpdate('r', 0, 2));
      await store.commitStep(step(0, 3, 'b', 'success', 0.125), stepUpdate('r', 0, 3));
      await store.commitStep(step(1, 1, 'a', 'success', 30), stepUpdate('r', 1, 1));
      await store.updateRecord(finish('r', 0, 'success'));
      await store.updateRecord(finish('r', 1, 'failed', 'E_X'));
      const timings = await store.stepTimings('r');
      expect(timings.map((t) => ({ ...t, durations: [...t.durations].sort((x, y) => x - y) }))).toEqual([
        { nodeId: 'a', status: 'success', durations: [10, 30] },
        { nodeId: 'b', status: 'success', durations: [0.125] },
        { nodeId: 'b', status: 'failed', durations: [2.5] },
      ]);
      expect(await store.recordTimings('r')).toEqual([
        { index: 0, status: 'success', startedAt: T0, endedAt: T1, errorCode: null, settled: false },
        { index: 1, status: 'failed', startedAt: T0, endedAt: T1, errorCode: 'E_X', settled: false },
        { index: 2, status: 'pending', startedAt: null, endedAt: null, errorCode: null, settled: false },
      ]);
      expect(await store.stepTimings('nope')).toEqual([]);
      expect(await store.recordTimings('nope')).toEqual([]);
      // Summaries: the fields asked for (any name), and the outcomes of a record's paths so far.
      await store.updateRecord({ runId: 'r', index: 2, status: 'running', checkpoint: { tokens: [], groups: [], nextTokenId: 3, nextGroupId: 1, seq: 2, outcomes: ['success', 'failed'] } });
      expect(await store.recordSummaries('r', ['group', 'term'])).toEqual([
        { index: 0, status: 'success', fields: ['g1', 'a b'], outcomes: null },
        { index: 1, status: 'failed', fields: ['g2', 'c'], outcomes: null },
        { index: 2, status: 'running', fields: ['g2', null], outcomes: ['success', 'failed'] },
      ]);
      expect(await store.recordSummaries('nope', ['group'])).toEqual([]);
      await store.close();
    });
  });
}
