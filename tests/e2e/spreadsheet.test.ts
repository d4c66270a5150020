import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('an operator with a spreadsheet', () => {
  test('chooses the file, dry-checks it (rejects with their rows, nothing runs), then runs the valid rows', async () => {
    const doc = JSON.parse(readFileSync('flows/spreadsheet-contacts.json', 'utf8'));
    doc.settings = { ...doc.settings, businessKey: 'email' };
    const entry = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import', doc);
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${encodeURIComponent(entry.id)}`);
    await page.locator(s.tid('editor')).waitFor();
    await s.waitForCanvas(page);

    // The flow starts with a Spreadsheet trigger: the dialog opens on the file mode.
    await page.locator(s.tid('btn-run')).click();
    await page.locator(s.tid('run-dialog')).waitFor();
    await page.locator(`${s.tid('run-file-drop')}`).waitFor();
    await expect(page.locator(s.tid('btn-start-run')).isDisabled()).resolves.toBe(true);

    // Excel's plain "CSV (Comma delimited)" is Windows-1252: the dry check names the line and the
    // setting to change, and nothing is read with wrong letters.
    await page.locator(s.tid('run-file-input')).setInputFiles({ name: 'ansi.csv', mimeType: 'text/csv', buffer: Buffer.from('first_name,last_name,email\nJos\xe9,M\xfcller,jose@example.com\n', 'latin1') });
    await page.locator(s.tid('run-file-info')).filter({ hasText: 'ansi.csv' }).waitFor();
    await page.locator(s.tid('btn-dry-check')).click();
    const problem = page.locator(s.tid('preflight-problem')).filter({ hasText: 'line 2 holds the byte 0xE9' });
    await problem.waitFor();
    await expect(problem.textContent()).resolves.toContain('Text encoding');

    await page.locator(s.tid('run-file-input')).setInputFiles(path.resolve('flows/samples/contacts.csv'));
    await page.locator(s.tid('run-file-info')).filter({ hasText: 'contacts.csv' }).waitFor();

    await page.locator(s.tid('btn-dry-check')).click();
    await page.locator(s.tid('preflight-report')).waitFor();
    expect(await page.locator(s.tid('preflight-record-count')).textContent()).toBe('5 records');
    expect(await page.locator(s.tid('preflight-reject-count')).textContent()).toBe('3 rows');
    const rows = await page.locator(s.tid('preflight-reject')).evaluateAll((els) => els.map((e) => e.getAttribute('data-row')));
    expect(rows).toEqual(['4', '7', '9']);
    await expect(page.locator(s.tid('preflight-rejects')).textContent()).resolves.toContain('not a valid email address');
    // nothing ran
    expect(await api<unknown[]>(studio.url, 'GET', `/api/runs?flowId=${entry.id}`)).toEqual([]);

    // A file of another type is refused before uploading.
    await page.locator(s.tid('run-file-input')).setInputFiles({ name: 'old.xls', mimeType: 'application/vnd.ms-excel', buffer: Buffer.from('x') });
    await page.locator(s.tid('run-file-error')).filter({ hasText: 'is not a spreadsheet file' }).waitFor();
    await page.locator(s.tid('run-file-info')).filter({ hasText: 'contacts.csv' }).waitFor();

    await page.locator(s.tid('btn-start-run')).click();
    await page.locator(s.tid('run-panel')).waitFor();
    await s.waitForRunStatus(page, 'completed');
    const runs = await api<Array<{ recordCount: number; counts: { success: number } }>>(studio.url, 'GET', `/api/runs?flowId=${entry.id}`);
    expect(runs[0]).toMatchObject({ recordCount: 5, counts: { success: 5 } });
    // Every record succeeded, but not every row of the file ran: the outcome and its toast say so.
    const rejected = '3 rows of the file were rejected before the run (not processed: the report lists them).';
    await expect(page.locator(s.tid('run-outcome')).textContent()).resolves.toContain(`All 5 records succeeded. ${rejected}`);
    await page.locator(s.tid('toast')).filter({ hasText: 'Run completed' }).filter({ hasText: rejected }).waitFor();
    // Opened again later (its summary, no live update): the same.
    await page.goto(`${studio.url}/runs/${(runs[0] as unknown as { id: string }).id}`);
    await expect(page.locator(s.tid('run-outcome-rejected')).textContent()).resolves.toBe(rejected);
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);

    // The flow's business key is the email: the dry check says what a second run of the same file
    // would skip, and counts them as the run would — "reprocess" runs them all.
    await page.locator(s.tid('btn-run')).click();
    await page.locator(s.tid('run-dialog')).waitFor();
    await page.locator(s.tid('run-file-input')).setInputFiles(path.resolve('flows/samples/contacts.csv'));
    await page.locator(s.tid('run-file-info')).filter({ hasText: 'contacts.csv' }).waitFor();
    await page.locator(s.tid('btn-dry-check')).click();
    await page.locator(s.tid('preflight-report')).waitFor();
    expect(await page.locator(s.tid('preflight-record-count')).textContent()).toBe('0 records');
    expect(await page.locator(s.tid('preflight-skip-count')).textContent()).toBe('5');
    await expect(page.locator(s.tid('preflight-skips')).textContent()).resolves.toContain('Already done in run');
    await page.locator(`${s.tid('run-reprocess')} input`).check();
    await page.locator(s.tid('preflight-report')).waitFor({ state: 'detached' });
    await page.locator(s.tid('btn-dry-check')).click();
    await page.locator(s.tid('preflight-report')).waitFor();
    expect(await page.locator(s.tid('preflight-record-count')).textContent()).toBe('5 records');
    await expect(page.locator(s.tid('preflight-skip-count')).count()).resolves.toBe(0);
    expect(studio.pageErrors).toEqual([]);
  });
});
