import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringFlow, startTestServer } from '../server/support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

async function waitForStatus(id: string, statuses: string[], ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const { body } = await s.api('GET', `/api/runs/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`run ${id} stayed ${body.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('REST: run report', () => {
  it('answers the report as JSON and as an .xlsx attachment', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_report_http'))).body;
    const records = Array.from({ length: 12 }, (_, i) => ({ n: i + 1, note: i === 0 ? '=1+1' : `r${i}` }));
    const started = await s.api('POST', '/api/runs', { flowId: flow.id, input: { records } });
    expect(started.status).toBe(201);
    const runId = started.body.id as string;
    await waitForStatus(runId, ['completed']);

    const { status, body } = await s.api('GET', `/api/runs/${runId}/report`);
    expect(status).toBe(200);
    // n * 2 > 10 for n >= 6: 7 success, 5 needs review.
    expect(body).toMatchObject({ runId, flowId: flow.id, flowName: 'Scoring', status: 'completed', recordCount: 12, rejects: [] });
    // The five records the flow's End step sends to review are its error category (E_ENDED_BY_STEP).
    expect(body.errors).toEqual([{ code: 'E_ENDED_BY_STEP', count: 5, example: 'The step “End with status” ended the record for review.' }]);
    expect(body.counts).toEqual({ pending: 0, running: 0, success: 7, failed: 0, needs_review: 5, skipped: 0 });
    expect(body.perStep.map((p: { nodeId: string; count: number }) => [p.nodeId, p.count])).toEqual([
      ['trigger', 12],
      ['score', 12],
      ['check', 12],
      ['ok', 7],
      ['review', 5],
    ]);
    expect(body.perStep[0]).toMatchObject({ type: 'core.manual-trigger', success: 12, failed: 0 });
    expect(typeof body.perRecord.avgMs).toBe('number');
    expect(body.perRecord.p95Ms).toBeGreaterThanOrEqual(0);
    expect(typeof body.durationMs).toBe('number');

    const res = await fetch(`${s.url}/api/runs/${runId}/report.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="report-${runId}.xlsx"`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Records', 'Rejects']);
    const sheet = wb.getWorksheet('Records')!;
    expect(sheet.rowCount).toBe(13);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(9)).toEqual(['n', 'note']);
    expect(sheet.getRow(2).getCell(11).value).toBe('=1+1');
    expect(sheet.getRow(2).getCell(11).numFmt).toBe('@');
  });

  it('answers 404 E_RUN_NOT_FOUND for an unknown run', async () => {
    for (const url of ['/api/runs/run_nope/report', '/api/runs/run_nope/report.xlsx']) {
      const res = await s.api('GET', url);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('E_RUN_NOT_FOUND');
    }
  });
});
