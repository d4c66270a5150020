import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, delayParam, logParam, type CatalogEntry } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

/** The status word of every record group of the log (the log is virtualized: scrolled through, groups collapsed). */
async function logGroupWords(page: Page): Promise<string[]> {
  await page.locator(s.tid('tab-log')).click();
  await page.locator(s.tid('btn-collapse-all')).click();
  const view = page.locator(s.tid('log-view'));
  const words = new Map<string, string>();
  for (let top = 0; ; ) {
    await view.evaluate((el, y) => (el.scrollTop = y), top);
    await page.waitForTimeout(50);
    const seen = await view.locator('button[data-testid^="log-group-"]').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-testid')!, e.querySelector('[data-testid="log-group-status"]')?.textContent ?? ''] as const),
    );
    for (const [id, word] of seen) if (id !== 'log-group-run') words.set(id, word);
    const { scrollHeight, clientHeight } = await view.evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));
    if (top + clientHeight >= scrollHeight) break;
    top += clientHeight;
  }
  return [...words.values()];
}

/** The run timer's text in milliseconds ("67 ms", "2.4 s", "1 min 3 s"). */
function timerMs(text: string): number {
  const m = /^(?:(\d+) min )?(\d+(?:\.\d+)?) (ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`Unexpected timer text "${text}"`);
  return (Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1)) * 1000;
}

describe('the studio tells the truth about a run', () => {
  test('a run where every record fails ends red, naming the failed count, in the toast, the run panel and the runs list', async () => {
    const catalog = await api<CatalogEntry[]>(studio.url, 'GET', '/api/node-types');
    const entry = await createFlowViaApi(
      studio.url,
      'Always fails',
      [
        { id: 'say', type: 'core.log', x: 260, y: 200, params: { [logParam(catalog)]: 'trying {{ n }}' } },
        { id: 'fail', type: 'core.end', x: 520, y: 200, params: { status: 'failed', reason: 'nothing works' } },
      ],
      [
        ['trigger', 'out', 'say'],
        ['say', 'out', 'fail'],
      ],
      { concurrency: 4 },
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    const runId = await s.startRun(page, s.records(20));
    await s.waitForRunStatus(page, 'completed');

    // The toast: red, "completed with 20 failed", never "Every record has finished".
    const toast = page.locator(s.tid('toast')).filter({ hasText: 'Run completed' });
    await toast.waitFor();
    expect(await toast.getAttribute('data-kind')).toBe('error');
    await expect(toast.textContent()).resolves.toContain('Run completed with 20 failed');
    await expect(toast.textContent()).resolves.toContain('0 succeeded, 20 failed');
    expect(await page.locator(s.tid('toast')).filter({ hasText: 'Every record has finished' }).count()).toBe(0);

    // The run panel: badge and outcome line, both red.
    const badge = page.locator(s.tid('run-status'));
    expect(await badge.getAttribute('data-tone')).toBe('danger');
    await expect(badge.textContent()).resolves.toBe('20 failed');
    const line = page.locator(s.tid('run-outcome'));
    expect(await line.getAttribute('data-tone')).toBe('danger');
    await expect(line.textContent()).resolves.toContain('Run completed with 20 failed');

    // After the end, no record's log group still says Running or Pending.
    const words = await logGroupWords(page);
    expect(words).toHaveLength(20);
    expect(words.filter((w) => /Running|Pending/.test(w))).toEqual([]);
    expect(new Set(words)).toEqual(new Set(['Failed']));

    // The runs list.
    await page.goto(`${studio.url}/runs`);
    const row = page.locator(s.tid(`run-row-${runId}`)).locator(s.tid('run-row-outcome'));
    await row.waitFor();
    expect(await row.getAttribute('data-tone')).toBe('danger');
    await expect(row.textContent()).resolves.toBe('20 failed');

    // And the run's report.
    await page.goto(`${studio.url}/runs/${runId}/report`);
    const report = page.locator(s.tid('report-outcome'));
    await report.waitFor();
    expect(await report.getAttribute('data-tone')).toBe('danger');
    expect(studio.pageErrors).toEqual([]);
  });

  test('a step whose failure sends its record to review shows it on its node as review, not failed: live, reopened and in the report', async () => {
    // Odd records call an address nothing listens on; the step's error map sends them to review.
    await importFlowViaApi(studio.url, {
      format: 'conveyor.flow/v1', id: 'flow_review_counts', name: 'Review counts', description: '', settings: { concurrency: 2 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
        { id: 'odd', type: 'core.if', position: { x: 250, y: 0 }, params: { condition: 'n % 2 = 1' } },
        {
          id: 'call', type: 'core.http-request', name: 'Call the partner', position: { x: 500, y: -80 }, params: { url: 'http://127.0.0.1:9/', timeoutMs: 2000 },
          policy: { errorMap: [{ match: 'E_HTTP_NETWORK', class: 'business', action: 'review' }] },
        },
        { id: 'ok', type: 'core.end', position: { x: 500, y: 80 }, params: { status: 'success' } },
      ],
      edges: [
        { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'odd', targetPort: 'in' },
        { id: 'e2', source: 'odd', sourcePort: 'true', target: 'call', targetPort: 'in' },
        { id: 'e3', source: 'odd', sourcePort: 'false', target: 'ok', targetPort: 'in' },
      ],
    });
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/flow_review_counts`);
    await s.waitForCanvas(page);
    const runId = await s.startRun(page, s.records(6));
    await s.waitForRunStatus(page, 'completed');
    const counters = async () => ({ failed: await s.counter(page, 'call', 'failed'), review: await s.counter(page, 'call', 'review') });
    // Live (the run's last update).
    await page.locator(s.tid('counter-call-review')).waitFor();
    expect(await counters()).toEqual({ failed: 0, review: 3 });
    expect(await s.count(page, 'needs_review')).toBe(3);

    // The run reopened from the store.
    await page.goto(`${studio.url}/runs/${runId}`);
    await page.locator(s.tid('run-view')).waitFor();
    await page.locator(s.tid('counter-call-review')).waitFor();
    expect(await counters()).toEqual({ failed: 0, review: 3 });
    expect(await s.counter(page, 'ok', 'success')).toBe(3);

    // The review counter opens the review queue on those records: this run, this step.
    const asked = page.waitForResponse((r) => r.url().includes('/api/review?') && new URL(r.url()).searchParams.get('nodeId') === 'call' && r.ok());
    await page.locator(s.tid('counter-call-review-link')).click();
    await page.waitForURL(/\/review\?/);
    await asked;
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ runId, nodeId: 'call' });
    await page.locator(s.tid('filter-node')).filter({ hasText: 'Call the partner' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="review-row-"]').length === 3);
    expect(await page.locator('[data-testid^="review-row-"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))).sort())).toEqual([0, 2, 4]); // n = 1, 3, 5
    // Each row names the step its error happened at, as the canvas does.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="review-step"]')].filter((e) => e.textContent?.includes('Call the partner')).length === 3);

    // The report's step table.
    await page.goto(`${studio.url}/runs/${runId}/report`);
    await page.locator(s.tid('report-step-call')).waitFor();
    await expect(page.locator(s.tid('report-step-call-review')).textContent()).resolves.toBe('3');
    expect(studio.pageErrors).toEqual([]);
  });

  test('the run timer moves while a slow step runs; a paused run says which records wait and offers Resume first', async () => {
    const catalog = await api<CatalogEntry[]>(studio.url, 'GET', '/api/node-types');
    const entry = await createFlowViaApi(
      studio.url,
      'Slow steps',
      [
        { id: 'say', type: 'core.log', x: 260, y: 200, params: { [logParam(catalog)]: 'start {{ n }}' } },
        { id: 'wait', type: 'core.delay', x: 520, y: 200, params: { [delayParam(catalog)]: 2500 } },
        { id: 'done', type: 'core.end', x: 780, y: 200, params: { status: 'success' } },
      ],
      [
        ['trigger', 'out', 'say'],
        ['say', 'out', 'wait'],
        ['wait', 'out', 'done'],
      ],
      { concurrency: 2 },
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await s.startRun(page, s.records(6));
    await page.waitForFunction(() => document.querySelector('[data-testid="counter-wait-inProgress"]')?.textContent === '2');

    // No update comes while both records wait in their delay: the timer counts on its own.
    const timer = page.locator(s.tid('run-timer'));
    const first = timerMs((await timer.textContent())!);
    await page.waitForTimeout(1600);
    const second = timerMs((await timer.textContent())!);
    expect(second).toBeGreaterThan(first);

    // Pause: the two records under way finish their step and wait there.
    await page.locator(s.tid('btn-pause')).click();
    await s.waitForRunStatus(page, 'paused');
    const running = page.locator(s.tid('count-label-running'));
    expect(await s.count(page, 'running')).toBe(2);
    await expect(running.textContent()).resolves.toMatch(/^Paused\s*2$/);
    await expect(page.locator(s.tid('run-counts')).textContent()).resolves.not.toContain('Running');
    const groups = await logGroupWords(page);
    expect(groups.filter((w) => w === 'Running')).toEqual([]);
    expect(groups.filter((w) => w === 'Paused')).toHaveLength(2);

    // The timer stands still while paused.
    const atPause = (await timer.textContent())!;
    await page.waitForTimeout(1200);
    expect(await timer.textContent()).toBe(atPause);

    // Resume is the primary action; starting a new run is only secondary.
    const resume = page.locator(s.tid('btn-resume'));
    const start = page.locator(s.tid('btn-start'));
    const white = 'rgb(255, 255, 255)';
    expect(await resume.evaluate((el) => getComputedStyle(el).color)).toBe(white);
    expect(await start.evaluate((el) => getComputedStyle(el).color)).not.toBe(white);
    await expect(start.textContent()).resolves.toBe('New run');

    // Stopped: the records left under way say so, not "Running".
    await page.locator(s.tid('btn-stop')).click();
    await s.waitForRunStatus(page, 'stopped');
    const stopped = await logGroupWords(page);
    expect(stopped.filter((w) => /Running/.test(w))).toEqual([]);
    expect(stopped.filter((w) => w === 'Stopped')).toHaveLength(2);
    expect(studio.pageErrors).toEqual([]);
  });

  test('the flow list fits its box with a 3,000-character description; the schedule switch and actions stay reachable', async () => {
    const description = 'A very long description of what this flow does. '.repeat(62).slice(0, 3000);
    const flow = {
      format: 'conveyor.flow/v1',
      id: 'flow_long_description',
      name: 'Long description, scheduled',
      description,
      nodes: [
        { id: 'tick', type: 'schedule.trigger', name: 'Every hour', position: { x: 80, y: 200 }, params: { mode: 'interval', intervalSeconds: 3600, overlap: 'skip', missed: 'skip' } },
        { id: 'done', type: 'core.end', position: { x: 360, y: 200 }, params: { status: 'success' } },
      ],
      edges: [{ id: 'e1', source: 'tick', sourcePort: 'out', target: 'done', targetPort: 'in' }],
    };
    await api(studio.url, 'POST', '/api/flows/import', flow);
    const page = await studio.page();
    await page.setViewportSize({ width: 1100, height: 800 });
    await page.goto(studio.url + '/');
    const row = page.locator(s.tid('flow-row-flow_long_description'));
    await row.waitFor();

    const fit = await page.locator(s.tid('flow-table')).evaluate((t) => ({ table: t.scrollWidth, box: t.parentElement!.clientWidth }));
    expect(fit.table).toBeLessThanOrEqual(fit.box);
    // The whole description is there on hover.
    expect(await row.locator(s.tid('flow-description')).getAttribute('title')).toBe(description);

    // The schedule switch and the actions can be clicked.
    await row.locator(s.tid('schedule-toggle')).click({ timeout: 5000 });
    await row.locator(`${s.tid('flow-schedule')}[data-enabled="true"]`).waitFor();
    await row.locator(s.tid('schedule-toggle')).click({ timeout: 5000 });
    await row.locator(`${s.tid('flow-schedule')}[data-enabled="false"]`).waitFor();
    await row.locator(s.tid('btn-rename')).click({ timeout: 5000 });
    await page.locator(s.tid('prompt-input')).waitFor();
    await page.keyboard.press('Escape');
    await row.locator(s.tid('btn-delete')).click({ timeout: 5000 });
    await page.locator(s.tid('confirm-dialog')).waitFor();
    await page.locator(s.tid('btn-confirm-cancel')).click();
    expect(studio.pageErrors).toEqual([]);
  });
});
