import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import { eventually, importFlowViaApi, recordDetail, reviewQueue, scoringFlowDoc } from './support/review.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const rows = (page: Page) => page.locator('[data-testid^="review-row-"]');
const row = (page: Page, runId: string, index: number) => page.locator(s.tid(`review-row-${runId}-${index}`));

/** Waits until the table shows exactly these records (run id + index), in any order. */
async function waitForRows(page: Page, want: Array<[string, number]>) {
  const keys = want.map(([r, i]) => `${r}#${i}`).sort();
  await page.waitForFunction((k) => {
    const got = [...document.querySelectorAll('[data-testid^="review-row-"]')].map((el) => `${el.getAttribute('data-run-id')}#${el.getAttribute('data-index')}`).sort();
    return JSON.stringify(got) === JSON.stringify(k);
  }, keys);
}

async function startRun(flowId: string, records: Array<Record<string, unknown>>): Promise<RunSummary> {
  const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId, input: { records } });
  const done = await waitForRun(studio.url, run.id);
  expect(done.status).toBe('completed');
  return done;
}

describe('review queue', () => {
  test('lists records needing a person, filters by run, resolves with a required note, bulk-skips, retries with corrected data, and keeps an audit trail', async () => {
    const page = await studio.page();

    // Nothing to review yet.
    await page.goto(studio.url + '/review');
    await page.locator(s.tid('review-empty')).waitFor();
    await expect(page.locator(s.tid('review-empty')).textContent()).resolves.toContain('Nothing to review');
    expect(await page.locator(s.tid('nav-review-count')).count()).toBe(0);

    // Two flows; n = 1..5 score ≤ 10 and go to review.
    const leads = await importFlowViaApi(studio.url, scoringFlowDoc('flow_review_leads', 'Lead scoring'));
    const orders = await importFlowViaApi(studio.url, scoringFlowDoc('flow_review_orders', 'Order intake'));
    const runA = await startRun(leads.id, Array.from({ length: 10 }, (_, i) => ({ n: i + 1, email: `lead${i + 1}@example.com` })));
    const runB = await startRun(orders.id, Array.from({ length: 3 }, (_, i) => ({ n: i + 1 })));
    expect(runA.counts.needs_review).toBe(5);
    expect(runB.counts.needs_review).toBe(3);

    await page.reload();
    await waitForRows(page, [...[0, 1, 2, 3, 4].map((i): [string, number] => [runA.id, i]), ...[0, 1, 2].map((i): [string, number] => [runB.id, i])]);
    await expect(page.locator(s.tid('review-total')).textContent()).resolves.toBe('8');
    await expect(page.locator(s.tid('nav-review-count')).textContent()).resolves.toBe('8');
    const first = row(page, runA.id, 0);
    expect(await first.getAttribute('data-status')).toBe('needs_review');
    await expect(first.textContent()).resolves.toContain('Lead scoring');
    expect(await first.locator(s.tid('review-run-link')).getAttribute('href')).toBe(`/runs/${runA.id}`);

    // A status filter with no match says so; then back to everything.
    await page.locator(s.tid('filter-status')).selectOption('failed');
    await page.locator(`${s.tid('review-empty')}[data-filtered="true"]`).waitFor();
    await page.locator(s.tid('filter-status')).selectOption('');
    await rows(page).first().waitFor();

    // Filter by run: only run A's five records (and the filter is in the address).
    await page.locator(s.tid('filter-run')).fill(runA.id);
    await waitForRows(page, [0, 1, 2, 3, 4].map((i) => [runA.id, i]));
    expect(new URL(page.url()).searchParams.get('runId')).toBe(runA.id);

    // Resolve one: the note is required.
    await row(page, runA.id, 0).locator(s.tid('review-select')).check();
    await expect(page.locator(s.tid('bulk-count')).textContent()).resolves.toBe('1 record selected');
    await page.locator(s.tid('btn-bulk-resolve')).click();
    const dialog = page.locator(s.tid('resolve-dialog'));
    await dialog.waitFor();
    expect(await page.locator(s.tid('btn-resolve-confirm')).isDisabled()).toBe(true);
    await page.locator(s.tid('resolve-note')).fill('   ');
    expect(await page.locator(s.tid('btn-resolve-confirm')).isDisabled()).toBe(true);
    await page.locator(s.tid('resolve-note')).press('Control+Enter');
    await page.locator(s.tid('resolve-note-problem')).waitFor();
    expect((await reviewQueue(studio.url, { runId: runA.id })).total).toBe(5); // nothing was sent
    // A note longer than the server keeps is said to be, whole in the field (it was cut at 2,000 in silence).
    await page.locator(s.tid('resolve-note')).fill('n'.repeat(5001));
    await expect(page.locator(s.tid('resolve-note-too-long')).textContent()).resolves.toContain('this note has 5001');
    expect(await page.locator(s.tid('btn-resolve-confirm')).isDisabled()).toBe(true);
    await page.locator(s.tid('resolve-note')).fill('Called the lead: approved by hand');
    await page.locator(s.tid('btn-resolve-confirm')).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`${s.tid('toast')}[data-kind="success"]`).filter({ hasText: 'resolved' }).waitFor();
    await waitForRows(page, [1, 2, 3, 4].map((i) => [runA.id, i]));

    // Bulk-skip two.
    await row(page, runA.id, 1).locator(s.tid('review-select')).check();
    await row(page, runA.id, 2).locator(s.tid('review-select')).check();
    await expect(page.locator(s.tid('bulk-count')).textContent()).resolves.toBe('2 records selected');
    await page.locator(s.tid('btn-bulk-skip')).click();
    await page.locator(`${s.tid('toast')}[data-kind="success"]`).filter({ hasText: '2 records skipped' }).waitFor();
    await waitForRows(page, [3, 4].map((i) => [runA.id, i]));
    expect(await page.locator(s.tid('bulk-bar')).count()).toBe(0);

    // The server agrees, and every action is in the record's audit trail.
    const queueA = await reviewQueue(studio.url, { runId: runA.id });
    expect(queueA.total).toBe(2);
    expect(queueA.items.map((i) => i.index).sort()).toEqual([3, 4]);
    const resolved = await recordDetail(studio.url, runA.id, 0);
    expect(resolved.record.status).toBe('success');
    expect(resolved.events?.at(-1)).toMatchObject({ actor: 'operator', action: 'resolve', from: 'needs_review', to: 'success', note: 'Called the lead: approved by hand' });
    for (const index of [1, 2]) {
      const skipped = await recordDetail(studio.url, runA.id, index);
      expect(skipped.record.status).toBe('skipped');
      expect(skipped.events?.at(-1)).toMatchObject({ actor: 'operator', action: 'skip', from: 'needs_review', to: 'skipped' });
    }
    const runAfter = await api<RunSummary>(studio.url, 'GET', `/api/runs/${runA.id}`);
    expect(runAfter.counts).toMatchObject({ success: 6, needs_review: 2, skipped: 2 });

    // A row opens its record: steps and audit trail; corrected data is sent with a retry.
    await row(page, runA.id, 3).click();
    const drawer = page.locator(s.tid('review-drawer'));
    await drawer.locator(s.tid('review-detail')).waitFor();
    expect(await drawer.locator('[data-testid^="step-"]').count()).toBeGreaterThanOrEqual(4);
    await drawer.locator(s.tid('record-events')).waitFor();
    const data = drawer.locator(s.tid('review-data'));
    expect(JSON.parse(await data.inputValue())).toEqual({ n: 4, email: 'lead4@example.com' });
    await data.fill('{ "n": 40, "email": "lead4@example.com" ');
    await drawer.locator(s.tid('review-data-problem')).waitFor();
    expect(await drawer.locator(s.tid('btn-drawer-retry')).isDisabled()).toBe(true);
    await data.fill('{ "n": 40, "email": "lead4@example.com" }');
    await expect(drawer.locator(s.tid('btn-drawer-retry')).textContent()).resolves.toBe('Retry with corrected data');
    await drawer.locator(s.tid('btn-drawer-retry')).click();
    // An End step sent it here (no step failed): it starts again from the trigger, and the message says so.
    await page.locator(`${s.tid('toast')}[data-kind="success"]`).filter({ hasText: 'sent to retry' }).filter({ hasText: 'runs again from the start' }).waitFor();
    await drawer.locator(`${s.tid('record-event')}[data-action="retry"]`).waitFor();
    const retried = await eventually(async () => {
      const d = await recordDetail(studio.url, runA.id, 3);
      return d.record.status === 'success' ? d : undefined;
    }, 'record #4 to succeed after the retry');
    expect(retried.events?.find((e) => e.action === 'retry')).toMatchObject({ actor: 'operator', from: 'needs_review', data: { n: 40, email: 'lead4@example.com' } });
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await page.locator(s.tid('btn-refresh-review')).click();
    await waitForRows(page, [[runA.id, 4]]);

    // Without filters: run A's last one and run B's three; the nav badge follows.
    await page.locator(s.tid('btn-clear-filters')).click();
    await waitForRows(page, [[runA.id, 4], [runB.id, 0], [runB.id, 1], [runB.id, 2]]);
    await expect(page.locator(s.tid('review-total')).textContent()).resolves.toBe('4');
    await expect(page.locator(s.tid('nav-review-count')).textContent()).resolves.toBe('4');
    expect((await reviewQueue(studio.url)).total).toBe(4);

    // The run's own record view shows the audit trail too.
    await page.goto(`${studio.url}/runs/${runA.id}`);
    const table = page.locator(s.tid('records-table'));
    await table.locator(s.tid('record-row-0')).click();
    const detail = page.locator(s.tid('record-detail'));
    await detail.locator(s.tid('record-events')).waitFor();
    const resolveEvent = detail.locator(`${s.tid('record-event')}[data-action="resolve"]`);
    await expect(resolveEvent.textContent()).resolves.toContain('Called the lead: approved by hand');
    expect(await resolveEvent.getAttribute('data-actor')).toBe('operator');
    expect(await detail.locator(s.tid('record-detail-status')).getAttribute('data-status')).toBe('success');
    expect(studio.pageErrors).toEqual([]);
  });

  test('a retry that would run an HTTP request again from the start asks first; cancelled, nothing is sent', async () => {
    const calls: string[] = [];
    const site = http.createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const port = (site.address() as AddressInfo).port;
    try {
      const flow = await importFlowViaApi(studio.url, {
        format: 'conveyor.flow/v1',
        id: 'flow_review_repeats',
        name: 'Sign up, checked',
        description: '',
        settings: { concurrency: 1, allowHosts: [`127.0.0.1:${port}`] },
        nodes: [
          { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
          { id: 'create', type: 'core.http-request', name: 'Create my account', position: { x: 220, y: 0 }, params: { method: 'POST', url: `http://127.0.0.1:${port}/signup`, bodyFormat: 'none' } },
          { id: 'check', type: 'core.if', name: 'Looks right?', position: { x: 440, y: 0 }, params: { condition: "$contains(email, 'ok')" } },
          { id: 'ok', type: 'core.end', position: { x: 660, y: -80 }, params: { status: 'success' } },
          { id: 'review', type: 'core.end', name: 'Check by hand', position: { x: 660, y: 80 }, params: { status: 'needs_review', reason: 'Check this address by hand' } },
        ],
        edges: [
          { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'create', targetPort: 'in' },
          { id: 'e2', source: 'create', sourcePort: 'out', target: 'check', targetPort: 'in' },
          { id: 'e3', source: 'check', sourcePort: 'true', target: 'ok', targetPort: 'in' },
          { id: 'e4', source: 'check', sourcePort: 'false', target: 'review', targetPort: 'in' },
        ],
      });
      const run = await startRun(flow.id, [{ email: 'hand@example.com' }]);
      expect(run.counts.needs_review).toBe(1);
      expect(calls).toEqual(['POST /signup']);

      const page = await studio.page();
      await page.goto(studio.url + `/review?runId=${encodeURIComponent(run.id)}`);
      await row(page, run.id, 0).click();
      const drawer = page.locator(s.tid('review-drawer'));
      await drawer.locator(s.tid('review-detail')).waitFor();
      await drawer.locator(s.tid('btn-drawer-retry')).click();
      const dialog = page.locator(s.tid('confirm-dialog'));
      await dialog.waitFor();
      await expect(dialog.locator(s.tid('retry-repeats-message')).textContent()).resolves.toMatch(/runs it again from the start — and it already ran "Create my account", which changes things outside Conveyor/);
      // Cancelled: the record stays in the queue, nothing was sent again, no error toast.
      await dialog.locator(s.tid('btn-confirm-cancel')).click();
      await dialog.waitFor({ state: 'detached' });
      expect((await recordDetail(studio.url, run.id, 0)).record.status).toBe('needs_review');
      expect(calls).toEqual(['POST /signup']);
      expect(await page.locator(`${s.tid('toast')}[data-kind="error"]`).count()).toBe(0);
      // Asked for: it runs again from the start, the request with it.
      await drawer.locator(s.tid('btn-drawer-retry')).click();
      await dialog.locator(s.tid('btn-confirm')).click();
      await page.locator(`${s.tid('toast')}[data-kind="success"]`).filter({ hasText: 'runs again from the start' }).waitFor();
      await eventually(async () => (calls.length === 2 ? calls : undefined), 'the request to be sent again');
      expect(studio.pageErrors).toEqual([]);
    } finally {
      await new Promise((resolve) => site.close(resolve));
    }
  });

  test('records retried in a paused run are said to wait for its Resume, not to run again now', async () => {
    // n ≤ 2 fail at the code step and wait in the queue; every record then takes 150 ms.
    const flow = await importFlowViaApi(studio.url, {
      format: 'conveyor.flow/v1',
      id: 'flow_review_paused',
      name: 'Slow checks',
      description: '',
      settings: { concurrency: 1 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
        { id: 'code', type: 'core.code', name: 'Check size', position: { x: 220, y: 0 }, params: { code: 'if (record.n <= 2) throw new Error("too small"); return record;', timeoutMs: 1000, memoryLimitMb: 32 } },
        { id: 'slow', type: 'core.delay', position: { x: 440, y: 0 }, params: { ms: 150 } },
      ],
      edges: [
        { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'code', targetPort: 'in' },
        { id: 'e2', source: 'code', sourcePort: 'out', target: 'slow', targetPort: 'in' },
      ],
    });
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: flow.id, input: { records: Array.from({ length: 60 }, (_, i) => ({ n: i + 1 })) } });
    await eventually(async () => (await api<RunSummary>(studio.url, 'GET', `/api/runs/${run.id}`)).counts.failed === 2, 'two failed records');
    await api(studio.url, 'POST', `/api/runs/${run.id}/pause`);
    await waitForRun(studio.url, run.id, ['paused']);

    const page = await studio.page();
    await page.goto(studio.url + `/review?runId=${encodeURIComponent(run.id)}`);
    await waitForRows(page, [[run.id, 0], [run.id, 1]]);
    await row(page, run.id, 0).locator(s.tid('review-select')).check();
    await row(page, run.id, 1).locator(s.tid('review-select')).check();
    await page.locator(s.tid('btn-bulk-retry')).click();
    const toast = page.locator(`${s.tid('toast')}[data-kind="warning"]`).filter({ hasText: '2 records sent to retry' });
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toContain(`They wait: run ${run.id} is paused. Press Resume on that run to run them.`);
    // And they do wait: the paused run ran neither.
    expect((await recordDetail(studio.url, run.id, 0)).record.status).toBe('running');
    await api(studio.url, 'POST', `/api/runs/${run.id}/stop`);
    expect(studio.pageErrors).toEqual([]);
  });

  test('the nav badge counts the records a run just sent to review as soon as the run ends', async () => {
    const flow = await importFlowViaApi(studio.url, scoringFlowDoc('flow_review_badge', 'Badge check'));
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${flow.id}`);
    await s.waitForCanvas(page);
    const before = (await reviewQueue(studio.url)).total;
    // n = 1..5 score ≤ 10: five records go to review.
    const runId = await s.startRun(page, JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ n: i + 1 }))));
    await s.waitForRunStatus(page, 'completed');
    expect((await reviewQueue(studio.url, { runId })).total).toBe(5);
    const want = String(before + 5);
    // Well before the badge's 30-second read.
    await page.waitForFunction((w) => document.querySelector('[data-testid="nav-review-count"]')?.textContent === w, want, { timeout: 5000 });
    expect(studio.pageErrors).toEqual([]);
  });
});
