import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('runs history', () => {
  test('lists runs and reopens one on a read-only canvas with its final counters, records and steps', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/runs');
    await page.locator(s.tid('runs-empty')).waitFor();

    const entry = await createFlowViaApi(
      studio.url,
      'Orders',
      [
        { id: 'score', type: 'core.set-fields', x: 260, y: 200, params: { fields: [{ name: 'score', value: '$number(n) * 2' }] } },
        { id: 'gate', type: 'core.if', x: 520, y: 200, params: { condition: 'score > 12' } },
        { id: 'ok', type: 'core.end', x: 780, y: 100, params: { status: 'success' } },
        { id: 'review', type: 'core.end', x: 780, y: 300, params: { status: 'needs_review', reason: 'small order' } },
      ],
      [
        ['trigger', 'out', 'score'],
        ['score', 'out', 'gate'],
        ['gate', 'true', 'ok'],
        ['gate', 'false', 'review'],
      ],
    );
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: Array.from({ length: 12 }, (_, i) => ({ n: i + 1 })) } });
    const done = await waitForRun(studio.url, run.id);
    expect(done.status).toBe('completed');

    // n = 1..12, score = 2n > 12 for n = 7..12. A laptop's window: the canvas is wider than the
    // flow is tall, so its fit reaches the top right corner, where the minimap is.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.reload();
    const row = page.locator(s.tid(`run-row-${run.id}`));
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('completed');
    await expect(row.textContent()).resolves.toContain('Orders');
    await row.click();

    await page.waitForURL(new RegExp(`/runs/${run.id}$`));
    await page.locator(s.tid('run-view')).waitFor();
    expect(await page.locator(s.tid('canvas')).getAttribute('data-readonly')).toBe('true');
    expect(await s.runStatus(page)).toBe('completed');
    await page.locator(s.tid('counter-ok-success')).waitFor();
    expect(await s.counter(page, 'ok', 'success')).toBe(6);
    expect(await s.counter(page, 'review', 'success')).toBe(6);
    expect(await s.counter(page, 'gate', 'success')).toBe(12);
    // The End that sends records to review ran fine for each of them, but its count is not shown as
    // succeeded records: in review's tone, said as records that ended there waiting for review.
    const reviewPill = page.locator(s.tid('counter-review-success')).locator('..');
    expect(await reviewPill.getAttribute('title')).toBe('Records that ended here waiting for review');
    expect(await reviewPill.getAttribute('data-ended-as')).toBe('needs_review');
    await expect(reviewPill.textContent()).resolves.toContain('⚑');
    const okPill = page.locator(s.tid('counter-ok-success')).locator('..');
    expect(await okPill.getAttribute('title')).toBe('Succeeded');
    await expect(okPill.textContent()).resolves.toContain('✓');
    expect(await s.count(page, 'success')).toBe(6);
    expect(await s.count(page, 'needs_review')).toBe(6);
    // The fit view leaves no card under what the canvas draws over it (the minimap, the zoom buttons, the read-only label).
    const cards = await s.rectsOf(page, '.react-flow__node');
    const overlays = await s.rectsOf(page, '.react-flow__minimap, .react-flow__controls, [data-testid="canvas-overlay"]');
    expect(cards).toHaveLength(5);
    expect(overlays).toHaveLength(3);
    expect(cards.filter((c) => overlays.some((o) => s.overlap(c, o)))).toEqual([]);

    // Records with a status filter.
    const table = page.locator(s.tid('records-table'));
    await table.locator('[data-testid^="record-row-"]').first().waitFor();
    expect(await table.locator('[data-testid^="record-row-"]').count()).toBe(12);
    await page.locator(s.tid('records-filter')).selectOption('needs_review');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid^="record-row-"]')];
      return rows.length === 6 && rows.every((r) => r.getAttribute('data-status') === 'needs_review');
    });

    // A record opens its steps with inputs and outputs.
    await table.locator(s.tid('record-row-0')).click();
    const detail = page.locator(s.tid('record-detail'));
    await detail.waitFor();
    await detail.locator(s.tid('record-steps')).waitFor();
    const steps = await detail.locator('[data-testid^="step-"]').count();
    expect(steps).toBeGreaterThanOrEqual(3);
    await expect(detail.textContent()).resolves.toContain('score');
    expect(await detail.locator(s.tid('record-detail-status')).getAttribute('data-status')).toBe('needs_review');
    await page.keyboard.press('Escape');

    // The log of a past run is fetched again.
    await page.locator(s.tid('tab-log')).click();
    await page.locator(s.tid('log-line')).first().waitFor();

    // The report's steps say the same of the End that sends records to review.
    await page.goto(`${studio.url}/runs/${run.id}/report`);
    const ended = page.locator(s.tid('report-step-review-ended-as'));
    await ended.waitFor();
    expect((await ended.textContent())?.replace(/\s+/g, ' ').trim()).toBe('6 ended needs review');
    expect(await page.locator(s.tid('report-step-ok-ended-as')).count()).toBe(0);
    expect(studio.pageErrors).toEqual([]);
  });

  test('a safe-stopped run has no end time: its length is not counted on to now, in the list nor on its page', async () => {
    // From record 6 on every record fails: Safe Stop after a few records, within a second.
    const entry = await createFlowViaApi(
      studio.url,
      'Fragile',
      [{ id: 'check', type: 'core.code', x: 260, y: 200, params: { code: 'if (record.n > 5) throw new Error("refused"); return record;' } }],
      [['trigger', 'out', 'check']],
      { concurrency: 1 },
    );
    await api(studio.url, 'PUT', `/api/flows/${entry.id}`, { ...entry.flow, settings: { concurrency: 1, safeStop: { window: 5, minSamples: 5, threshold: 0.5 } } });
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: Array.from({ length: 200 }, (_, i) => ({ n: i + 1 })) } });
    const halted = await waitForRun(studio.url, run.id, ['safe_stopped']);
    expect(halted).toMatchObject({ status: 'safe_stopped' });
    // Opened a while after it stopped.
    await new Promise((r) => setTimeout(r, 2500));

    const page = await studio.page();
    await page.goto(studio.url + '/runs');
    const row = page.locator(s.tid(`run-row-${run.id}`));
    await row.waitFor();
    await expect(row.locator('td').last().textContent()).resolves.toBe('—');

    await row.click();
    await page.locator(s.tid('run-panel')).waitFor();
    await s.waitForRunStatus(page, 'safe_stopped');
    await expect(page.locator(s.tid('run-timer')).textContent()).resolves.toBe('—');

    // Run from the editor, the page says so in a toast too, with why it stopped (as for a run that
    // completed or failed; not only the run panel's line).
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await s.startRun(page, s.records(200, (i) => ({ n: i + 1 })));
    await s.waitForRunStatus(page, 'safe_stopped');
    const toast = page.locator(`${s.tid('toast')}[data-kind="error"]`).filter({ hasText: 'Run safe-stopped' });
    await toast.waitFor();
    expect(halted.reason?.code).toBe('E_SAFE_STOP');
    expect(await toast.textContent()).toMatch(/Safe Stop: \d+ of the last \d+ records failed \(\d+(\.\d)?%\), above the threshold of 50%/);
    expect(studio.pageErrors).toEqual([]);
  });

  test('a list of more runs than it shows says so, and shows older ones on demand', async () => {
    const entry = await createFlowViaApi(studio.url, 'Every minute', [{ id: 'done', type: 'core.end', x: 260, y: 200, params: { status: 'success' } }], [['trigger', 'out', 'done']]);
    const existing = (await api<RunSummary[]>(studio.url, 'GET', '/api/runs?limit=1000')).length;
    // Up to 210 runs in all: more than the 200 the list shows first.
    const ids: string[] = [];
    for (let i = existing; i < 210; i++) ids.push((await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: [{ n: i }] } })).id);
    const oldest = (await api<RunSummary[]>(studio.url, 'GET', '/api/runs?limit=1000')).at(-1)!;
    await waitForRun(studio.url, ids.at(-1)!);

    const page = await studio.page();
    await page.goto(studio.url + '/runs');
    const rows = page.locator('tr[data-testid^="run-row-"]');
    await page.locator(s.tid('runs-older')).waitFor();
    expect(await rows.count()).toBe(200);
    await expect(page.locator(s.tid('runs-older')).textContent()).resolves.toContain('The newest 200 runs are shown; older runs exist.');
    expect(await page.locator(s.tid(`run-row-${oldest.id}`)).count()).toBe(0);

    await page.locator(s.tid('btn-runs-older')).click();
    await page.locator(s.tid(`run-row-${oldest.id}`)).waitFor();
    expect(await rows.count()).toBe(210);
    expect(await page.locator(s.tid('runs-older')).count()).toBe(0);
    expect(studio.pageErrors).toEqual([]);
  });
});
