/**
 * Business keys, settled records, rejects, the audit trail, the review queue and the report reads:
 * each new store method, across close/reopen (snapshot) and kill/reopen (journal replay), and the
 * upgrade of a data directory written with the schema-1 layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { loadSqlJs } from '../../../server/store/sqljs.ts';
import { checkSnapshot } from '../../../server/store/snapshot.ts';
import { SCHEMA_VERSION } from '../../../server/store/schema.sql.ts';
import type { KeyAttempts, RecordEventRow, RecordUpdate, StepRow } from '../../../server/store/types.ts';
import type { RejectInfo } from '../../../nodes/sdk/types.ts';
import { flowDoc, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

const T0 = '2024-03-01T10:00:00.000Z';
const T1 = '2024-03-02T10:00:00.000Z';
const T2 = '2024-03-03T10:00:00.000Z';

const err = (code: string, message = `${code} happened`) => ({ code, message, hint: 'Look.', transient: false });

function finish(runId: string, index: number, status: RecordUpdate['status'], code?: string): RecordUpdate {
  return {
    runId,
    index,
    status,
    checkpoint: null,
    error: code ? err(code) : null,
    startedAt: T0,
    endedAt: T1,
  };
}

const rejects: RejectInfo[] = [
  { row: 7, field: 'email', rule: 'format', value: 'not-an-email', message: 'email is not an address' },
  { row: 3, field: null, rule: 'columns', value: ['a', 'b'], message: 'row has 2 columns, 3 expected' },
  { row: 3, field: 'amount', rule: 'number', value: '=1+1', message: 'amount is not a number' },
];

/** Run "ra" of flow f (keys k0..k9; k8 settled skipped, k9 settled success) and the state everything new adds. */
async function populate(store: SqlJsStore): Promise<void> {
  await store.createRun(runRow('ra', 'f', T0, 10), Array.from({ length: 10 }, (_, i) => recordData(i)), {
    keys: Array.from({ length: 10 }, (_, i) => `k${i}`),
    settled: [
      { index: 8, status: 'skipped', reason: 'Duplicate of record #1' },
      { index: 9, status: 'success', reason: 'Already done in run r0' },
    ],
    rejects,
    // The file row of each record (record 7 was not read from a file).
    rows: Array.from({ length: 10 }, (_, i) => (i === 7 ? null : 12 + i)),
  });
  // Records 0-3 succeed, 4-5 fail (E_A, E_B), 6 needs review, 7 stays pending.
  for (let i = 0; i < 7; i++) {
    await store.commitStep(stepRow('ra', i, 1), {
      ...stepUpdate('ra', i, 1),
      event: { at: T0, from: 'pending', to: 'running', actor: 'engine', action: 'started', note: null, data: null },
    });
  }
  for (let i = 0; i < 4; i++) await store.updateRecord(finish('ra', i, 'success'));
  await store.updateRecord(finish('ra', 4, 'failed', 'E_A'));
  await store.updateRecord({
    ...finish('ra', 5, 'failed', 'E_B'),
    event: { at: T1, from: 'running', to: 'failed', actor: 'engine', action: 'finished', note: null, data: { attempt: 2 } },
  });
  await store.updateRecord(finish('ra', 6, 'needs_review'));
  await store.updateRecord({
    runId: 'ra',
    index: 5,
    status: 'skipped',
    checkpoint: null,
    error: null,
    event: { at: T2, from: 'failed', to: 'skipped', actor: 'operator', action: 'skip', note: 'not worth it', data: null },
  });
  await store.updateRecord({ ...finish('ra', 5, 'failed', 'E_B') });
}

async function checkPopulated(store: SqlJsStore): Promise<void> {
  const settled = await store.getRecord('ra', 8);
  expect(settled).toMatchObject({ status: 'skipped', reason: 'Duplicate of record #1', startedAt: T0, endedAt: T0, data: recordData(8), sourceRow: 20 });
  expect((await store.listRecords('ra')).items.map((r) => r.sourceRow)).toEqual([12, 13, 14, 15, 16, 17, 18, null, 20, 21]);
  expect((await store.getRecord('ra', 9))?.status).toBe('success');
  expect(await store.listRecordEvents('ra', 8)).toEqual([
    { runId: 'ra', recordIndex: 8, at: T0, from: null, to: 'skipped', actor: 'engine', action: 'settled', note: 'Duplicate of record #1', data: null },
  ]);
  expect(await store.listRejects('ra')).toEqual([
    { runId: 'ra', ...rejects[1] },
    { runId: 'ra', ...rejects[2] },
    { runId: 'ra', ...rejects[0] },
  ]);
  expect((await store.listRecordEvents('ra', 5)).map((e) => [e.action, e.from, e.to, e.actor, e.note, e.data])).toEqual([
    ['started', 'pending', 'running', 'engine', null, null],
    ['finished', 'running', 'failed', 'engine', null, { attempt: 2 }],
    ['skip', 'failed', 'skipped', 'operator', 'not worth it', null],
  ]);
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

/** key → [run, index, status, error code, "run:index" of the latest success] of its latest attempt. */
function attemptsOf(found: Map<string, KeyAttempts>): Record<string, [string, number, string, string | null, string | null]> {
  return Object.fromEntries(
    [...found].map(([key, { last, lastSuccess }]) => [key, [last.runId, last.index, last.status, last.errorCode, lastSuccess && `${lastSuccess.runId}:${lastSuccess.index}`]]),
  );
}

describe('sql.js store: keys, rejects, audit, review, report reads', () => {
  afterAll(removeTempDirs);

  it('creates a run with business keys, settled records (with their audit event) and rejects', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.putFlow(flowDoc('f'));
    await populate(store);
    await checkPopulated(store);
    // Nothing extra for runs created without extras.
    await store.createRun(runRow('plain', 'f', T1, 2), [recordData(0), recordData(1)]);
    expect(await store.listRejects('plain')).toEqual([]);
    expect((await store.getRecord('plain', 0))?.sourceRow).toBeNull();
    expect(await store.listRecordEvents('plain', 0)).toEqual([]);
    expect(await store.listRejects('nope')).toEqual([]);
    expect(await store.listRecordEvents('nope', 0)).toEqual([]);
    await store.close();
  });

  it('writes an audit event atomically with the update, only for a record that exists', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('r', 'f', T0, 2), [recordData(0), recordData(1)]);
    const event = { at: T1, from: 'pending' as const, to: 'running' as const, actor: 'engine' as const, action: 'started', note: null, data: null };
    await store.commitStep(stepRow('r', 0, 1), { ...stepUpdate('r', 0, 1), event });
    await store.updateRecord({ runId: 'r', index: 99, status: 'skipped', checkpoint: null, event });
    // A step committed twice fails: its event is not written either.
    await expect(store.commitStep(stepRow('r', 0, 1), { ...stepUpdate('r', 0, 1), event: { ...event, action: 'again' } })).rejects.toThrow();
    expect((await store.listRecordEvents('r', 0)).map((e) => e.action)).toEqual(['started']);
    expect(await store.listRecordEvents('r', 99)).toEqual([]);
    await expect(store.updateRecord({ runId: 'nope', index: 0, status: 'skipped', checkpoint: null, event })).rejects.toThrow(/no run/);
    await store.close();
  });

  it('finds where keys were last attempted and last succeeded in other runs of the same flow, newest run first', async () => {
    const store = await openSqlJsStore(tempDir());
    const keysOf = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    await store.createRun(runRow('r1', 'f', T0, 4), keysOf(4).map((id) => ({ id })), { keys: keysOf(4) });
    await store.createRun(runRow('r2', 'f', T1, 4), keysOf(4).map((id) => ({ id })), { keys: [null, 'k1', 'k2', 'k3'] });
    await store.createRun(runRow('g1', 'g', T1, 4), keysOf(4).map((id) => ({ id })), { keys: keysOf(4) });
    for (const i of [0, 1, 2]) await store.updateRecord(finish('r1', i, 'success'));
    await store.updateRecord(finish('r1', 3, 'failed', 'E_X'));
    await store.updateRecord(finish('r2', 1, 'success'));
    await store.updateRecord(finish('r2', 3, 'needs_review'));
    for (const i of [0, 1, 2, 3]) await store.updateRecord(finish('g1', i, 'success'));

    // r2's k2 has not run (pending): r1's success is k2's latest attempt. k3 waits for review in r2
    // after failing in r1.
    const found = await store.keyAttempts('f', ['k0', 'k1', 'k2', 'k3', 'k1', 'k9'], 'r3');
    expect(attemptsOf(found)).toEqual({
      k0: ['r1', 0, 'success', null, 'r1:0'],
      k1: ['r2', 1, 'success', null, 'r2:1'],
      k2: ['r1', 2, 'success', null, 'r1:2'],
      k3: ['r2', 3, 'needs_review', null, null],
    });
    // Once r2's k2 started an unsafe step and its run was interrupted, that is k2's latest attempt.
    await store.updateRecord({ runId: 'r2', index: 2, status: 'running', checkpoint: { tokens: [], groups: [], nextTokenId: 2, nextGroupId: 1, seq: 1, outcomes: [], inFlight: { tokenId: 1, nodeId: 'n', attempt: 1, startedAt: T1 } } });
    await store.updateRun('r2', { status: 'interrupted' });
    expect((await store.keyAttempts('f', ['k2'], 'r3')).get('k2')).toEqual({
      last: { runId: 'r2', index: 2, status: 'running', runStatus: 'interrupted', errorCode: null, inFlight: true },
      lastSuccess: { runId: 'r1', index: 2, status: 'success', runStatus: 'running', errorCode: null, inFlight: false },
    });
    // The run itself is excluded; another flow never matches.
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
    const store = await openSqlJsStore(tempDir());
    await store.putFlow(flowDoc('f', 'Flow F'));
    await store.createRun(runRow('old', 'f', T0, 5), Array.from({ length: 5 }, (_, i) => recordData(i)));
    await store.createRun({ ...runRow('new', 'f', T1, 5), flowName: 'Flow F renamed' }, Array.from({ length: 5 }, (_, i) => recordData(i)));
    await store.createRun(runRow('other', 'g', T2, 3), Array.from({ length: 3 }, (_, i) => recordData(i)));
    await store.updateRecord(finish('old', 0, 'failed', 'E_HTTP'));
    await store.updateRecord(finish('old', 3, 'needs_review'));
    await store.updateRecord(finish('old', 4, 'success'));
    await store.updateRecord(finish('new', 1, 'needs_review'));
    await store.updateRecord(finish('new', 2, 'failed', 'E_VALID'));
    await store.updateRecord(finish('new', 4, 'skipped'));
    await store.updateRecord(finish('other', 2, 'failed', 'E_HTTP'));

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
    expect(ids(await store.listReview({ statuses: ['skipped', 'success'] }))).toEqual(['new#4', 'old#4']);
    expect(await store.listReview({ statuses: [] })).toEqual({ items: [], total: 0 });
    expect(await store.listReview({ runId: 'nope' })).toEqual({ items: [], total: 0 });
    const page = await store.listReview({ offset: 1, limit: 2 });
    expect(page.total).toBe(5);
    expect(ids(page)).toEqual(['new#1', 'new#2']);
    expect((await store.listReview({ offset: 10 })).items).toEqual([]);

    // A record that is retried and succeeds leaves the queue; its error code goes with its error.
    await store.updateRecord({ runId: 'new', index: 2, status: 'success', checkpoint: null, error: null });
    expect(ids(await store.listReview({ code: 'E_VALID', statuses: ['failed', 'success'] }))).toEqual([]);
    await store.close();
  });

  it('reads step durations per node and status, and record timings, without the JSON columns', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('r', 'f', T0, 3), [recordData(0), recordData(1), recordData(2)]);
    const step = (index: number, seq: number, nodeId: string, status: StepRow['status'], durationMs: number): StepRow => ({
      ...stepRow('r', index, seq),
      nodeId,
      status,
      durationMs,
    });
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
    await store.close();
  });

  it('keeps everything new across close/reopen (snapshot) and kill/reopen (journal replay)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.putFlow(flowDoc('f'));
    await populate(store);
    await store.kill(); // no snapshot: the reopen replays the journal
    expect(fs.existsSync(path.join(dir, 'conveyor.db'))).toBe(false);
    const replayed = await openSqlJsStore(dir);
    await checkPopulated(replayed);
    await replayed.close(); // snapshot
    const reopened = await openSqlJsStore(dir);
    await checkPopulated(reopened);
    await reopened.close();
  });

  it('upgrades a data directory written with the schema-1 layout', async () => {
    const dir = tempDir();
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    old.exec(SCHEMA_V1);
    const flow = flowDoc('f');
    old.run(
      `INSERT INTO runs (key, id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at)
       VALUES (1, 'r-old', 'f', 'Flow f', ?, 'completed', '{"concurrency":2}', 2, NULL, ?, ?, ?)`,
      [JSON.stringify(flow), T0, T0, T1],
    );
    old.run(`INSERT INTO records (run_key, idx, status, data, error, started_at, ended_at) VALUES (1, 0, 'failed', '{"a":1}', ?, ?, ?)`, [
      JSON.stringify({ ...err('E_OLD'), nodeId: 'set' }),
      T0,
      T1,
    ]);
    old.run(`INSERT INTO records (run_key, idx, status, data, started_at, ended_at) VALUES (1, 1, 'success', '{"a":2}', ?, ?)`, [T0, T1]);
    old.run(`INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('last_seq', '0')`);
    fs.writeFileSync(path.join(dir, 'conveyor.db'), old.export());
    old.close();

    const store = await openSqlJsStore(dir);
    expect((await store.getRecord('r-old', 0))?.error?.code).toBe('E_OLD');
    expect((await store.listReview({ code: 'E_OLD' })).items.map((r) => [r.runId, r.index])).toEqual([['r-old', 0]]);
    expect((await store.recordTimings('r-old'))[0].errorCode).toBe('E_OLD');
    expect(await store.listRejects('r-old')).toEqual([]);
    expect((await store.keyAttempts('f', ['x'], 'r-new')).size).toBe(0);
    await populate(store);
    await checkPopulated(store);
    await store.close();

    const again = await openSqlJsStore(dir);
    await checkPopulated(again);
    expect((await again.getRecord('r-old', 1))?.data).toEqual({ a: 2 });
    await again.close();
    // The legacy raw SQLite snapshot was written again in the checked form.
    const snap = checkSnapshot(fs.readFileSync(path.join(dir, 'conveyor.db')));
    expect(snap.state).toBe('ok');
    const check = new SQL.Database(snap.bytes!);
    expect(check.exec(`SELECT value FROM meta WHERE key = 'schema_version'`)[0].values[0][0]).toBe(String(SCHEMA_VERSION));
    check.close();
  });
});

/** Chronological order is insertion order, whatever the clock said. */
describe('record events order', () => {
  afterAll(removeTempDirs);
  it('lists events in the order they were written', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('r', 'f', T0, 1), [recordData(0)]);
    const ev = (action: string): Omit<RecordEventRow, 'runId' | 'recordIndex'> => ({ at: T0, from: null, to: 'running', actor: 'engine', action, note: null, data: null });
    for (const a of ['one', 'two', 'three']) await store.updateRecord({ runId: 'r', index: 0, status: 'running', checkpoint: null, event: ev(a) });
    expect((await store.listRecordEvents('r', 0)).map((e) => e.action)).toEqual(['one', 'two', 'three']);
    await store.close();
  });
});

/** The tables of schema 1 that changed since (a data directory of that version holds them so). */
const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, flow_id TEXT NOT NULL, flow_name TEXT NOT NULL, flow TEXT NOT NULL,
  status TEXT NOT NULL, settings TEXT NOT NULL, record_count INTEGER NOT NULL, reason TEXT, created_at TEXT NOT NULL,
  started_at TEXT, ended_at TEXT
);
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_flow ON runs (flow_id, created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE records (
  run_key INTEGER NOT NULL, idx INTEGER NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, output TEXT, error TEXT,
  reason TEXT, checkpoint TEXT, started_at TEXT, ended_at TEXT
);
CREATE UNIQUE INDEX records_pk ON records (run_key, idx);
CREATE INDEX records_by_status ON records (run_key, status, idx);
`;
