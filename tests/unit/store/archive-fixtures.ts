/** A finished run with a bit of everything, and every read of it, for the run-archive tests. */
import fs from 'node:fs';
import type { SqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { RecordStatus } from '../../../server/store/types.ts';
import { doneUpdate, instant, recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';

/**
 * Run `id` of flow `flowId` with `n` records (business keys `k<i>`): 3 steps each; every 5th record
 * fails, every 7th goes to review; record 1 fans out (checkpoint kept as rows); 300 log lines (more
 * than one log frame); a reject; audit events; ended completed.
 */
export async function finishedRun(store: SqlJsStore, id: string, n: number, flowId = 'f'): Promise<void> {
  await store.createRun(runRow(id, flowId, instant(0, 0), n), Array.from({ length: n }, (_, i) => recordData(i)), {
    keys: Array.from({ length: n }, (_, i) => `k${i}`),
    rejects: [{ row: 9, field: 'email', rule: 'email', value: 'x', message: 'not an email' }],
    rows: Array.from({ length: n }, (_, i) => i + 2),
  });
  for (let i = 0; i < n; i++) {
    for (let seq = 1; seq <= 3; seq++) await store.commitStep(stepRow(id, i, seq), stepUpdate(id, i, seq));
    if (i === 1) {
      await store.updateRecord({
        runId: id,
        index: i,
        status: 'running',
        checkpoint: { tokens: [], groups: [], nextTokenId: 3, nextGroupId: 2, seq: 3, outcomes: ['success'] },
        tokenRows: { put: [['t', 2, 0, { id: 2, nodeId: 'node1', data: { part: 2 }, fromStep: 3, groups: [1] }], ['g', 1, 0, { id: 1, size: 2, ended: 1, parentGroups: [] }]], drop: [] },
      });
    }
    const status: RecordStatus = i % 7 === 3 ? 'needs_review' : i % 5 === 4 ? 'failed' : 'success';
    const error = status === 'success' ? undefined : { code: status === 'failed' ? 'E_HTTP_500' : 'E_IN_DOUBT', message: `record ${i}`, hint: 'Look at it.', transient: false };
    await store.updateRecord({
      ...doneUpdate(id, i, 3),
      status,
      ...(error ? { error } : {}),
      event: { at: instant(i, 9), from: 'running', to: status, actor: 'engine', action: 'finished', note: null, data: { i } },
    });
  }
  await store.updateRecord({
    runId: id,
    index: 0,
    status: 'success',
    checkpoint: null,
    event: { at: instant(0, 20), from: 'success', to: 'success', actor: 'operator', action: 'note', note: 'checked by hand', data: null },
  });
  await store.appendLogs(
    Array.from({ length: 300 }, (_, i) => ({ runId: id, recordIndex: i % n, nodeId: `node${i % 4}`, level: 'info' as const, message: `line ${i} of ${id}`, data: i % 2 ? { i } : null, at: instant(i, 1) })),
  );
  await store.updateRun(id, { status: 'completed', endedAt: instant(n, 0) });
}

/** Everything the store answers about a run, through its public reads. */
export async function everything(store: SqlJsStore, id: string, n: number) {
  const records = [];
  for (let i = 0; i < n; i++) {
    records.push({ record: await store.getRecord(id, i), steps: await store.listSteps(id, i), events: await store.listRecordEvents(id, i) });
  }
  return {
    run: await store.getRun(id),
    records,
    page: await store.listRecords(id, { offset: 3, limit: 4 }),
    failedPage: await store.listRecords(id, { status: 'failed', offset: 1, limit: 2 }),
    reviewPage: await store.listRecords(id, { status: 'needs_review' }),
    counts: await store.countRecords(id),
    unfinished: await store.unfinishedRecords(id),
    stepCounts: await store.stepCounts(id),
    runEvents: await store.listRunEvents(id),
    operatorEvents: await store.listRunEvents(id, { actor: 'operator' }),
    eventsPage: await store.listRunEvents(id, { offset: 2, limit: 3 }),
    logs: await store.listLogs(id, { offset: 250, limit: 20 }),
    logsAll: await store.listLogs(id, { limit: 1000 }),
    rejects: await store.listRejects(id),
    stepTimings: await store.stepTimings(id),
    recordTimings: await store.recordTimings(id),
    summaries: await store.recordSummaries(id, ['name', 'nested', 'tags', 'missing']),
    lastStart: await store.lastRecordStart(id),
    review: await store.listReview({ runId: id }),
    keys: await store.keyAttempts('f', ['k0', 'k3', 'k4', 'k5', 'nope'], 'other-run'),
    reviewCount: await store.reviewCount(id),
  };
}

/**
 * Changes one digit of `file` (from its middle on) into another: a frame still reads as JSON, only
 * its checksum tells.
 */
export function flipDigit(file: string): void {
  const bytes = fs.readFileSync(file);
  let at = Math.floor(bytes.length / 2);
  while (!(bytes[at] >= 0x30 && bytes[at] <= 0x38)) at++;
  bytes[at] += 1;
  fs.writeFileSync(file, bytes);
}
