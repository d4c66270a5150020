import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringFlow, startTestServer } from '../server/support.ts';
import { until } from '../../support/until.ts';
import { reviewWaits, waitedForPerson } from '../../../server/report/review-wait.ts';
import { runWorkingMs } from '../../../server/report/run-working-time.ts';
import type { RecordEventRow, Store } from '../../../server/store/types.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));


const WAIT_MS = 1500;

describe('report: time per record', () => {
  it('does not count the time records waited in the review queue for a person (resolve, skip, retry), in the report nor in the .xlsx', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_review_wait'))).body;
    // n * 2 > 10 for n >= 6: records 0-4 go to review.
    const records = Array.from({ length: 12 }, (_, i) => ({ n: i + 1 }));
    const runId = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records } })).body.id as string;
    await until('the run completed', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'completed');

    // The operator comes back to the review queue later.
    await new Promise((r) => setTimeout(r, WAIT_MS));
    const act = (action: string, index: number, extra: object = {}) => s.api('POST', '/api/review/actions', { action, items: [{ runId, index }], ...extra });
    expect((await act('resolve', 0, { note: 'checked by phone' })).body.results[0].ok).toBe(true);
    expect((await act('skip', 1)).body.results[0].ok).toBe(true);
    expect((await act('retry', 2)).body.results[0].ok).toBe(true);
    await until('record 2 back in review', () => s.api('GET', `/api/runs/${runId}/records/2`), (r) => r.body.record.status === 'needs_review');
    const run = (await s.api('GET', `/api/runs/${runId}`)).body;
    expect(run.counts).toMatchObject({ success: 8, needs_review: 3, skipped: 1 });

    // Each record took milliseconds of the flow's time: the wait for the operator is not in it.
    const report = (await s.api('GET', `/api/runs/${runId}/report`)).body;
    expect(report.perRecord.p95Ms).toBeLessThan(WAIT_MS / 2);
    expect(report.perRecord.avgMs).toBeLessThan(WAIT_MS / 2);
    // The End that sends records to review: its steps succeeded, its records did not — said so.
    expect(report.perStep.find((st: { nodeId: string }) => st.nodeId === 'review')).toMatchObject({ endsAs: 'needs_review' });
    expect(report.perStep.find((st: { nodeId: string }) => st.nodeId === 'ok').endsAs).toBeUndefined();
    // The run's end moved to the retry's, past the wait; its duration is the time it worked (the
    // first pass and the retry), and the wait is said apart.
    // (The retry came at least WAIT_MS after the first pass ended: the wait is that long at least,
    // whatever the machine's load made of the work.)
    const span = Date.parse(report.endedAt) - Date.parse(report.startedAt);
    expect(report.reviewWaitMs).toBeGreaterThanOrEqual(WAIT_MS);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.durationMs + report.reviewWaitMs).toBe(span);

    const res = await fetch(`${s.url}/api/runs/${runId}/report.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const summary = wb.getWorksheet('Summary')!;
    const rows = new Map<unknown, unknown>();
    summary.eachRow((row) => rows.set(row.getCell(1).value, row.getCell(2).value));
    expect(rows.get('Duration (ms)')).toBe(report.durationMs);
    expect(rows.get('Waited for a person (ms)')).toBe(report.reviewWaitMs);
    const stepRows: unknown[][] = [];
    summary.eachRow((row) => stepRows.push(row.values as unknown[]));
    expect(stepRows.find((v) => v[2] === 'core.end' && v[9] === 'needs_review')).toBeDefined();
    const sheet = wb.getWorksheet('Records')!;
    expect((sheet.getRow(1).values as unknown[])[9]).toBe('Duration (ms)');
    const durations = Array.from({ length: 12 }, (_, i) => sheet.getRow(i + 2).getCell(9).value as number);
    expect(durations.every((ms) => typeof ms === 'number' && ms >= 0 && ms < WAIT_MS / 2)).toBe(true);

    // The run's records list says how long each record waited for a person, so its Time column
    // shows the flow's time as the report does; records nobody acted on carry nothing.
    const list = (await s.api('GET', `/api/runs/${runId}/records?limit=50`)).body.items as Array<{ index: number; reviewWaitMs?: number }>;
    const waited = Object.fromEntries(list.filter((r) => r.reviewWaitMs !== undefined).map((r) => [r.index, r.reviewWaitMs!]));
    expect(Object.keys(waited).map(Number).sort()).toEqual([0, 1, 2]);
    for (const ms of Object.values(waited)) expect(ms).toBeGreaterThanOrEqual(WAIT_MS);
  });

  it('counts a wait from the record leaving the flow to the next action of a person, and only such waits', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    expect(
      waitedForPerson([
        { at: at(100), actor: 'engine', to: 'needs_review' },
        { at: at(10_100), actor: 'operator', to: 'running' }, // retry: 10 s waited
        { at: at(10_300), actor: 'engine', to: 'failed' },
        { at: at(70_300), actor: 'operator', to: 'success' }, // resolve: 60 s waited
      ]),
    ).toBe(70_000);
    // Still waiting: nothing ended the wait yet.
    expect(waitedForPerson([{ at: at(100), actor: 'engine', to: 'needs_review' }])).toBe(0);
  });

  it("a run's working time: its first pass and each retry, overlaps once, not the waits between", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
    const left = (s: number, to = 'needs_review') => ({ at: at(s), actor: 'engine', to });
    const retry = (s: number) => ({ at: at(s), actor: 'operator', to: 'running' });
    const records = [
      { index: 0, endedAt: at(100) },
      { index: 1, endedAt: at(90) },
      { index: 2, endedAt: at(1030) },
      { index: 3, endedAt: at(1020) },
    ];
    // No person acted: the span.
    expect(runWorkingMs(at(0), at(100), records.slice(0, 2), new Map())).toBe(100_000);
    // Records 2 and 3 left at 50 and 60 (first pass: 0–100), retried together at 1000 (until 1030 and
    // 1020: 30 s, overlapping), record 2 retried again at 5000 and still running at the run's end (5010).
    const trails = new Map([
      [2, [left(50), retry(1000), left(1030, 'failed'), retry(5000)]],
      [3, [left(60), retry(1000), left(1020, 'success')]],
    ]);
    expect(runWorkingMs(at(0), at(5010), records, trails)).toBe((100 + 30 + 10) * 1000);
    // A retry during the first pass adds nothing to it.
    expect(runWorkingMs(at(0), at(100), records.slice(0, 2).concat({ index: 2, endedAt: at(80) }), new Map([[2, [left(20), retry(30), left(80, 'success')]]]))).toBe(100_000);
    // Resolved or skipped by a person (no retry): only the first pass worked.
    expect(runWorkingMs(at(0), at(900), records.slice(0, 2).concat({ index: 2, endedAt: at(900) }), new Map([[2, [left(50), { at: at(900), actor: 'operator', to: 'skipped' }]]]))).toBe(100_000);
  });

  it('reads the same waits whether a few records or hundreds were acted on', async () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const trail = (n: number): RecordEventRow[] => {
      const row = { runId: 'r', recordIndex: n, note: null, data: null };
      return [
        { ...row, at: at(0), from: 'pending', to: 'needs_review', actor: 'engine', action: 'finished' },
        { ...row, at: at(1000 * (n + 1)), from: 'needs_review', to: 'skipped', actor: 'operator', action: 'skip' },
      ];
    };
    const storeOf = (acted: number): Store => {
      const events = Array.from({ length: acted + 50 }, (_, n) => (n < acted ? trail(n) : trail(n).slice(0, 1))).flat();
      const page = (items: RecordEventRow[], offset = 0, limit = 100) => ({ items: items.slice(offset, offset + limit), total: items.length });
      return {
        listRunEvents: async (_: string, f: { actor?: string; offset?: number; limit?: number } = {}) => page(events.filter((e) => !f.actor || e.actor === f.actor), f.offset, f.limit),
        listRecordEvents: async (_: string, index: number) => events.filter((e) => e.recordIndex === index),
      } as unknown as Store;
    };
    for (const acted of [3, 450]) {
      const waits = await reviewWaits(storeOf(acted), 'r');
      expect(waits.byRecord.size).toBe(acted);
      expect([...waits.byRecord].every(([n, ms]) => ms === 1000 * (n + 1))).toBe(true);
    }
  });
});
