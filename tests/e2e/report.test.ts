import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type RunSummary } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('the run report', () => {
  test('shows totals, statuses, step timings and error categories, and downloads as .xlsx', async () => {
    // Records with an odd n fail at the HTTP step (nothing listens on port 9): an error category.
    const doc = {
      format: 'conveyor.flow/v1', id: 'flow_report', name: 'Report demo', description: '', settings: { concurrency: 4 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
        { id: 'odd', type: 'core.if', position: { x: 250, y: 0 }, params: { condition: 'n % 2 = 1' } },
        { id: 'call', type: 'core.http-request', position: { x: 500, y: -80 }, params: { url: 'http://127.0.0.1:9/', timeoutMs: 2000 } },
        { id: 'ok', type: 'core.end', position: { x: 500, y: 80 }, params: { status: 'success' } },
      ],
      edges: [
        { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'odd', targetPort: 'in' },
        { id: 'e2', source: 'odd', sourcePort: 'true', target: 'call', targetPort: 'in' },
        { id: 'e3', source: 'odd', sourcePort: 'false', target: 'ok', targetPort: 'in' },
      ],
    };
    await importFlowViaApi(studio.url, doc);
    const run = await api<{ id: string }>(studio.url, 'POST', '/api/runs', { flowId: 'flow_report', input: { records: Array.from({ length: 10 }, (_, n) => ({ n, note: n === 0 ? '=HYPERLINK("http://evil")' : 'ok' })) } });
    await waitForRun(studio.url, run.id);
    // A person retries a failed record from the review queue a while after the run finished: the
    // run's end moves to the retry's, but the wait between is not the run's duration.
    await new Promise((r) => setTimeout(r, 1500));
    const retried = await api<{ results: Array<{ ok: boolean }> }>(studio.url, 'POST', '/api/review/actions', { action: 'retry', items: [{ runId: run.id, index: 1 }] });
    expect(retried.results[0].ok).toBe(true);
    for (let i = 0; i < 200 && (await api<{ record: { status: string } }>(studio.url, 'GET', `/api/runs/${run.id}/records/1`)).record.status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    await waitForRun(studio.url, run.id);

    const page = await studio.page();
    await page.goto(`${studio.url}/runs/${run.id}/report`);
    await page.locator(s.tid('report-page')).waitFor();
    expect((await page.locator(s.tid('report-total')).textContent())?.trim()).toBe('10');
    await expect(page.locator(s.tid('report-count-success')).textContent()).resolves.toContain('5');
    await expect(page.locator(s.tid('report-count-failed')).textContent()).resolves.toContain('5');
    await page.locator(s.tid('report-step-call')).waitFor();
    await expect(page.locator(s.tid('report-error-E_HTTP_NETWORK')).textContent()).resolves.toContain('5');
    await expect(page.locator(s.tid('report-review-wait')).textContent()).resolves.toMatch(/sat finished for \d(\.\d)? s until a person retried/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(s.tid('report-download')).click()]);
    const file = await download.path();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file!) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Records', 'Rejects']);
    const records = wb.getWorksheet('Records')!;
    expect(records.rowCount).toBe(11);
    const cells: ExcelJS.Cell[] = [];
    records.eachRow((row) => row.eachCell((c) => cells.push(c)));
    // A value that looks like a formula is written as the record's text, exactly, formatted as Text — never as a formula.
    const evil = cells.find((c) => c.value === '=HYPERLINK("http://evil")');
    expect(evil?.type).toBe(ExcelJS.ValueType.String);
    expect(evil?.numFmt).toBe('@');
    expect(studio.pageErrors).toEqual([]);
  });

  test('a run paused and resumed: the pause is not in its length, in the runs list nor in the report, which says how long it stood still', async () => {
    const entry = await createFlowViaApi(studio.url, 'Paused over lunch', [{ id: 'wait', type: 'core.delay', x: 260, y: 200, params: { ms: 200 } }], [['trigger', 'out', 'wait']], { concurrency: 2 });
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: Array.from({ length: 6 }, (_, n) => ({ n })) } });
    await new Promise((r) => setTimeout(r, 250));
    await api(studio.url, 'POST', `/api/runs/${run.id}/pause`);
    await waitForRun(studio.url, run.id, ['paused']);
    await new Promise((r) => setTimeout(r, 3000));
    await api(studio.url, 'POST', `/api/runs/${run.id}/resume`);
    const done = await waitForRun(studio.url, run.id, ['completed']);
    const span = Date.parse(done.endedAt!) - Date.parse(done.startedAt!);
    expect(span).toBeGreaterThan(3000);

    const page = await studio.page();
    await page.goto(studio.url + '/runs');
    const row = page.locator(s.tid(`run-row-${run.id}`));
    await row.waitFor();
    // 6 records of 200 ms, 2 at a time: well under the 3 s it stood still.
    const length = (await row.locator('td').last().textContent())?.trim() ?? '';
    expect(length).toMatch(/^(\d+ ms|[0-2](\.\d)? s)$/);

    await page.goto(`${studio.url}/runs/${run.id}/report`);
    await page.locator(s.tid('report-page')).waitFor();
    await expect(page.locator(s.tid('report-halted')).textContent()).resolves.toMatch(/stood still for [3-9](\.\d)? s/);
    expect(studio.pageErrors).toEqual([]);
  });
});
