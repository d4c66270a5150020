import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import { eventually, importFlowViaApi, reviewQueue, scoringFlowDoc } from './support/review.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

async function startRun(flowId: string, ns: number[]): Promise<string> {
  const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId, input: { records: ns.map((n) => ({ n })) } });
  expect((await waitForRun(studio.url, run.id)).status).toBe('completed');
  return run.id;
}

describe('storage page', () => {
  test('shows each run with its size; Delete asks first, and the run leaves the page, the runs list and the review queue; prune by age previews, then deletes', async () => {
    const flow = await importFlowViaApi(studio.url, scoringFlowDoc('flow_storage', 'Storage orders'));
    const big = await startRun(flow.id, Array.from({ length: 30 }, (_, i) => 6 + i));
    const review = await startRun(flow.id, [1, 2]); // both wait in review

    const page = await studio.page();
    await page.goto(studio.url + '/runs');
    await page.locator(s.tid(`run-row-${big}`)).waitFor();
    await page.locator(s.tid('nav-storage')).click();
    await page.waitForURL(/\/storage$/);
    const bigRow = page.locator(s.tid(`storage-row-${big}`));
    await bigRow.waitFor();
    expect(await page.locator(s.tid('storage-total-runs')).textContent()).toBe('2');
    // Biggest first: the 30-record run above the 2-record one, with a size in KB.
    const rows = page.locator('[data-testid^="storage-row-run"]');
    expect(await rows.first().getAttribute('data-testid')).toBe(`storage-row-${big}`);
    expect(await bigRow.locator(s.tid('storage-row-size')).textContent()).toMatch(/^\d+(\.\d)? KB$/);

    // Delete asks first; Cancel keeps the run.
    await page.locator(s.tid(`btn-delete-${big}`)).click();
    const dialog = page.locator(s.tid('confirm-dialog'));
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('30 records');
    await page.locator(s.tid('btn-confirm-cancel')).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await bigRow.count()).toBe(1);

    await page.locator(s.tid(`btn-delete-${big}`)).click();
    await page.locator(s.tid('btn-confirm')).click();
    await bigRow.waitFor({ state: 'detached' });
    expect(await page.locator(s.tid('storage-total-runs')).textContent()).toBe('1');
    const auditRow = page.locator(s.tid('audit-row')).first();
    await auditRow.waitFor();
    expect(await auditRow.textContent()).toContain(`Deleted run ${big}`);

    // Records in review: the server's refusal shows in the dialog, which offers to delete anyway.
    await page.locator(s.tid(`btn-delete-${review}`)).click();
    await page.locator(s.tid('btn-confirm')).click();
    const refusal = page.locator(s.tid('storage-confirm-error'));
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('2 records waiting in the review queue');
    expect(await page.locator(s.tid('btn-confirm')).textContent()).toBe('Delete anyway');
    await page.locator(s.tid('btn-confirm')).click();
    await page.locator(s.tid(`storage-row-${review}`)).waitFor({ state: 'detached' });
    expect((await reviewQueue(studio.url, { runId: review })).total).toBe(0);

    // The runs list no longer has them.
    await page.locator(s.tid('nav-runs')).click();
    await page.locator(s.tid('runs-empty')).waitFor();

    // Prune by age: the preview lists what would go and deletes nothing; Delete asks, then deletes it.
    const old = await startRun(flow.id, [7, 8, 9]);
    await page.locator(s.tid('nav-storage')).click();
    await page.locator(s.tid(`storage-row-${old}`)).waitFor();
    await page.locator(s.tid('prune-days')).fill('0');
    await page.locator(s.tid('prune-preview')).click();
    const list = page.locator(s.tid('prune-preview-list'));
    await list.waitFor();
    expect(await list.textContent()).toContain(old);
    expect(await page.locator(s.tid(`storage-row-${old}`)).count()).toBe(1);
    await page.locator(s.tid('prune-run')).click();
    await page.locator(s.tid('btn-confirm')).click();
    await page.locator(s.tid(`storage-row-${old}`)).waitFor({ state: 'detached' });
    await eventually(async () => (await api<RunSummary[]>(studio.url, 'GET', '/api/runs')).length === 0, 'the runs list to be empty');
    expect(studio.pageErrors).toEqual([]);
  });
});
