import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { buildReport, percentile } from '../../../server/report/build-report.ts';
import { ConveyorError } from '../../../server/errors.ts';
import { removeTempDirs, tempDir, runRow } from '../store/fixtures.ts';
import { buildReportRun, iso, rejects, RUN_ID } from './fixtures.ts';

afterAll(removeTempDirs);

describe('percentile (nearest rank)', () => {
  it('picks the value at rank ceil(p × n)', () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
    expect(percentile([1, 2], 50)).toBe(1);
  });
});

describe('buildReport', () => {
  it('reports counts, time per record and per step, error categories and rejects', async () => {
    const store = await openSqlJsStore(tempDir());
    await buildReportRun(store);
    const report = await buildReport(store, RUN_ID);
    expect(report).toEqual({
      runId: RUN_ID,
      flowId: 'flow_report',
      flowName: 'Invoices =check',
      status: 'completed',
      recordCount: 8,
      counts: { pending: 1, running: 0, success: 2, failed: 3, needs_review: 1, skipped: 1 },
      startedAt: iso(0),
      endedAt: iso(12_345),
      durationMs: 12_345,
      // 100, 300, 200, 400, 1000, 50 (the settled and the pending record are left out)
      perRecord: { avgMs: 341.667, p95Ms: 1000 },
      perStep: [
        { nodeId: 'clean', name: 'Clean data', type: 'core.set-fields', count: 6, success: 5, failed: 1, review: 0, avgMs: 41.833, p95Ms: 90 },
        // Record 4's send step failed and sent it to review: among the steps, not among the failed.
        { nodeId: 'send', name: 'core.http-request', type: 'core.http-request', count: 6, success: 2, failed: 3, review: 1, avgMs: 16.333, p95Ms: 40 },
      ],
      errors: [
        { code: 'E_HTTP', count: 2, example: 'HTTP 500 from the API' },
        { code: 'E_VALID', count: 1, example: 'Amount is missing' },
      ],
      rejects: [rejects[1], rejects[0]],
    });
    await store.close();
  });

  it('reports an empty or unfinished run, and refuses an unknown one', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('empty', 'f', iso(0), 2), [{ a: 1 }, { a: 2 }]);
    await store.updateRun('empty', { startedAt: null });
    const report = await buildReport(store, 'empty');
    expect(report).toMatchObject({
      recordCount: 2,
      durationMs: null,
      perRecord: { avgMs: null, p95Ms: null },
      perStep: [],
      errors: [],
      rejects: [],
    });
    expect(report.counts.pending).toBe(2);
    const err = await buildReport(store, 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConveyorError);
    expect(err).toMatchObject({ code: 'E_RUN_NOT_FOUND', status: 404 });
    await store.close();
  });

  // 10 s alone at load 3; past the default 30 s twice in unit runs at load 6-15, beside another file.
  it('builds the report of 100,000 records × 10 steps', { timeout: 120_000 }, async () => {
    const store: SqlJsStore = await openSqlJsStore(tempDir());
    const n = 100_000;
    const run = runRow('big', 'f', iso(0), n);
    run.flow = {
      ...run.flow,
      nodes: Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, type: 'core.set-fields', position: { x: i * 100, y: 0 }, params: {} })),
    };
    await store.createRun(run, Array.from({ length: n }, (_, i) => ({ i })));
    // A million steps through commitStep would take the test far longer than the report itself:
    // the rows are generated inside SQLite, the way the store lays them out.
    const sql = (store as unknown as { sql: { run(q: string, p: unknown[]): void; one(q: string, p: unknown[]): unknown[] | null } }).sql;
    const key = Number(sql.one('SELECT key FROM runs WHERE id = ?', ['big'])![0]);
    sql.run(
      `WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < ${n * 10 - 1})
       INSERT INTO steps (run_key, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from, output, error, evidence, started_at, ended_at, duration_ms)
       SELECT ?, x / 10, x % 10 + 1, 1, 'n' || (x % 10), 'core.set-fields', 1, CASE WHEN x % 97 = 0 THEN 'failed' ELSE 'success' END,
         NULL, NULL, '[]', NULL, '[]', ?, ?, (x % 1000) / 4.0 FROM s`,
      [key, iso(0), iso(1)],
    );
    sql.run(
      `UPDATE records SET status = CASE WHEN idx % 10 = 0 THEN 'failed' ELSE 'success' END,
         error = CASE WHEN idx % 10 = 0 THEN '{"code":"E_' || (idx % 3) || '","message":"m"}' END,
         error_code = CASE WHEN idx % 10 = 0 THEN 'E_' || (idx % 3) END,
         started_at = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?, '+' || (idx % 500) || ' seconds') WHERE run_key = ?`,
      [iso(0), iso(0), key],
    );
    const report = await buildReport(store, 'big');
    expect(report.perStep).toHaveLength(10);
    expect(report.perStep.reduce((sum, s) => sum + s.count, 0)).toBe(n * 10);
    expect(report.perStep[0]).toMatchObject({ nodeId: 'n0', count: n });
    expect(report.counts).toMatchObject({ success: 90_000, failed: 10_000 });
    expect(report.errors.map((e) => e.count)).toEqual([3334, 3333, 3333]);
    expect(report.perRecord.p95Ms).toBe(474_000); // 0..499 s, 200 records each: rank 95,000
    await store.close();
  });
});
