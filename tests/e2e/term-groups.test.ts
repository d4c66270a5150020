/**
 * Groups of search terms in the studio (issue 6, point 4): the trigger's form (loop interval, terms
 * one per line) and the Distribute node's settings edit in the inspector; a run started from the
 * studio shows its progress per group and term, its position (group › term), Pause / Resume / Stop,
 * and a log nested per search group and term that follows new lines until the person scrolls up.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

interface Group {
  name: string;
  terms: string[];
}

const GROUPS: Group[] = [
  { name: 'Bakeries', terms: ['bakery lyon', 'boulangerie lyon', 'patisserie lyon'] },
  { name: 'Florists', terms: ['florist lyon', 'fleuriste lyon'] },
  // The test adds "brasserie lyon" in the trigger's form.
  { name: 'Cafés', terms: ['cafe lyon'] },
];

/** terms → "Searching <term>" → results (3 per term; "fleuriste lyon" finds 2 bad ones) → split → if ok → end success / end failed. */
async function createTermsFlow(name: string, groups: Group[], intervalSeconds: number): Promise<FlowEntry> {
  const entry = await api<FlowEntry>(studio.url, 'POST', '/api/flows', { name });
  const node = (id: string, type: string, x: number, y: number, params: Record<string, unknown>) => ({ id, type, name: id, position: { x, y }, params });
  const doc = {
    ...entry.flow,
    settings: { ...((entry.flow.settings as object) ?? {}), concurrency: 1 },
    nodes: [
      node('terms', 'terms.groups', 0, 200, { groups, intervalSeconds, groupField: 'group', termField: 'term' }),
      node('say', 'core.log', 240, 200, { message: 'Searching {{ term }}', level: 'info' }),
      node('search', 'core.set-fields', 480, 200, {
        fields: [{ name: 'results', value: `[1, 2, 3].({ "n": $, "ok": ($$.term != "fleuriste lyon" or $ = 1) })` }],
        keepOtherFields: true,
      }),
      node('each', 'core.split', 720, 200, { field: 'results', as: 'result', keepParentFields: true }),
      node('check', 'core.if', 960, 200, { condition: 'result.ok' }),
      node('done', 'core.end', 1200, 120, { status: 'success' }),
      node('bad', 'core.end', 1200, 300, { status: 'failed' }),
    ],
    edges: [
      { id: 'e1', source: 'terms', sourcePort: 'out', target: 'say', targetPort: 'in' },
      { id: 'e2', source: 'say', sourcePort: 'out', target: 'search', targetPort: 'in' },
      { id: 'e3', source: 'search', sourcePort: 'out', target: 'each', targetPort: 'in' },
      { id: 'e4', source: 'each', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e5', source: 'check', sourcePort: 'true', target: 'done', targetPort: 'in' },
      { id: 'e6', source: 'check', sourcePort: 'false', target: 'bad', targetPort: 'in' },
    ],
  };
  return api<FlowEntry>(studio.url, 'PUT', `/api/flows/${entry.id}`, doc);
}

async function openFlow(page: Page, id: string) {
  await page.goto(`${studio.url}/flows/${id}`);
  await page.locator(s.tid('editor')).waitFor();
  await s.waitForCanvas(page);
}

/** Starts the run from the run dialog with the trigger's own terms. */
async function startFromStudio(page: Page): Promise<string> {
  await page.locator(s.tid('btn-run')).click();
  await page.locator(s.tid('run-dialog')).waitFor();
  // A grouped trigger also reads spreadsheets: the file input is offered, its own terms come first.
  await page.locator(s.tid('run-format-file')).waitFor();
  await page.locator(s.tid('btn-start-run')).click();
  await page.locator(s.tid('run-panel')).waitFor();
  return (await page.locator(s.tid('run-panel')).getAttribute('data-run-id'))!;
}

const text = async (page: Page, id: string) => ((await page.locator(s.tid(id)).textContent()) ?? '').trim();

async function waitForText(page: Page, id: string, want: string, timeout = 30_000) {
  await page.waitForFunction(([i, w]) => (document.querySelector(`[data-testid="${i}"]`)?.textContent ?? '').trim() === w, [id, want] as const, { timeout });
}

describe('groups of search terms in the studio', () => {
  test('the Distribute node and the loop interval edit in the inspector forms', async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Share between accounts',
      [
        { id: 'dist', type: 'flow.distribute', x: 260, y: 200 },
        { id: 'endA', type: 'core.end', x: 560, y: 100, params: { status: 'success' } },
        { id: 'endB', type: 'core.end', x: 560, y: 300, params: { status: 'success' } },
      ],
      [
        ['trigger', 'out', 'dist'],
        ['dist', 'a', 'endA'],
        ['dist', 'b', 'endB'],
      ],
    );
    const page = await studio.page();
    await openFlow(page, entry.id);
    await s.selectNode(page, 'dist');
    const inspector = page.locator(s.tid('inspector'));
    // Strategy is a select of the four strategies; the targets are rows with their settings.
    const options = await inspector.locator(`${s.tid('field-strategy')} option`).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options.filter(Boolean)).toEqual(['round_robin', 'weighted', 'least_used', 'random']);
    await s.selectField(page, 'strategy', 'random');
    await s.fillField(page, 'seed', 'spring-campaign');
    await inspector.locator(s.tid('row-targets.1')).waitFor();
    await s.fillField(page, 'targets.0.weight', '3');
    await s.fillField(page, 'targets.1.cap', '50');
    await s.selectField(page, 'targets.1.capWindow', 'hour');
    await s.fillField(page, 'targets.1.cooldownSeconds', '2.5');
    // A weight of 0 is refused in the form, then corrected.
    await s.fillField(page, 'targets.1.weight', '0');
    await expect(inspector.locator(s.tid('problem-targets.1.weight')).textContent()).resolves.toBe('More than 0.');
    await s.fillField(page, 'targets.1.weight', '1.5');
    // A new target is named after the list, and becomes a way out of the node.
    await page.locator(s.tid('btn-add-targets')).click();
    await inspector.locator(s.tid('row-targets.2')).waitFor();
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="true"]`).waitFor();
    await s.save(page);
    const saved = await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`);
    const params = saved.flow.nodes.find((n) => n.id === 'dist')!.params as { strategy: string; seed: string; targets: Array<Record<string, unknown>> };
    expect(params.strategy).toBe('random');
    expect(params.seed).toBe('spring-campaign');
    expect(params.targets[0]).toMatchObject({ id: 'a', weight: 3 });
    expect(params.targets[1]).toMatchObject({ id: 'b', weight: 1.5, cap: 50, capWindow: 'hour', cooldownSeconds: 2.5 });
    expect(params.targets[2]).toMatchObject({ id: 'target3', label: 'Target 3' });
    expect(studio.pageErrors).toEqual([]);
  });

  test('runs group by group with progress per group and term, Pause / Resume, and a log nested per group and term', async () => {
    const entry = await createTermsFlow('Search terms', GROUPS, 0.5);
    const page = await studio.page();
    await openFlow(page, entry.id);

    // The trigger's form: the loop interval (a number) and the terms of each group, one per line.
    await s.selectNode(page, 'terms');
    const inspector = page.locator(s.tid('inspector'));
    await expect(inspector.locator(s.tid('field-intervalSeconds')).inputValue()).resolves.toBe('0.5');
    await expect(inspector.locator(s.tid('field-groups.0.terms')).inputValue()).resolves.toBe('bakery lyon\nboulangerie lyon\npatisserie lyon');
    await expect(text(page, 'lines-count-groups.0.terms')).resolves.toBe('3 lines');
    await s.fillField(page, 'groups.2.terms', 'cafe lyon\n\nbrasserie lyon\n');
    await expect(text(page, 'lines-count-groups.2.terms')).resolves.toBe('2 lines');
    await s.fillField(page, 'intervalSeconds', '1');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="true"]`).waitFor();
    await s.save(page);
    const saved = await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`);
    const params = saved.flow.nodes.find((n) => n.id === 'terms')!.params as { intervalSeconds: number; groups: Group[] };
    expect(params.intervalSeconds).toBe(1);
    expect(params.groups[2].terms).toEqual(['cafe lyon', 'brasserie lyon']);

    await startFromStudio(page);
    const progress = page.locator(s.tid('group-progress'));
    await progress.waitFor();
    expect(await progress.getAttribute('data-groups')).toBe('3');
    await expect(progress.locator('[data-testid^="group-"][data-testid$="-name"]').allTextContents()).resolves.toEqual(['Bakeries', 'Florists', 'Cafés']);

    // While it runs: the term under way is highlighted in its (opened) group, the bar advances.
    await page.locator(`${s.tid('group-0')} [aria-current="step"][data-current="true"]`).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="group-0-bar"]')?.getAttribute('aria-valuenow')) >= 1);
    await page.locator(`${s.tid('group-toggle-0')}[aria-expanded="true"]`).waitFor();
    expect(await page.locator(s.tid('group-0-bar')).getAttribute('aria-valuemax')).toBe('3');
    await page.locator(s.tid('run-position-text')).waitFor();
    expect(await text(page, 'run-position-text')).toMatch(/^Bakeries › /);

    // Pause: the run says paused, and its position stays where it is.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="group-0-bar"]')?.getAttribute('aria-valuenow')) >= 2);
    await page.locator(s.tid('btn-pause')).click();
    await s.waitForRunStatus(page, 'paused', 20_000);
    await page.locator(`${s.tid('run-position')}[data-state="paused"]`).waitFor();
    const pausedAt = await text(page, 'run-position-text');
    const pausedDone = await text(page, 'groups-processed');
    expect(pausedAt).toMatch(/› /);
    await page.waitForTimeout(2500); // longer than the loop interval: nothing moves while paused
    expect(await text(page, 'run-position-text')).toBe(pausedAt);
    expect(await text(page, 'groups-processed')).toBe(pausedDone);
    expect(await s.runStatus(page)).toBe('paused');
    const current = page.locator('[data-testid^="term-"][aria-current="step"]');
    expect(await current.getAttribute('data-state')).toBe('paused');

    // Resume: goes on to the end.
    await page.locator(s.tid('btn-resume')).click();
    await s.waitForRunStatus(page, 'completed', 60_000);
    await waitForText(page, 'groups-processed', '7 / 7 terms');
    await page.locator(`${s.tid('run-position')}[data-state="done"]`).waitFor();

    // Exact counters per group: terms processed / total, and results per status.
    const expected = [
      { processed: '3 / 3', terms: { success: 3, failed: 0 }, results: { success: 9, failed: 0 } },
      { processed: '2 / 2', terms: { success: 1, failed: 1 }, results: { success: 4, failed: 2 } },
      { processed: '2 / 2', terms: { success: 2, failed: 0 }, results: { success: 6, failed: 0 } },
    ];
    for (const [gi, want] of expected.entries()) {
      expect(await text(page, `group-${gi}-processed`)).toBe(want.processed);
      expect(await page.locator(s.tid(`group-${gi}-bar`)).getAttribute('aria-valuenow')).toBe(want.processed.split(' / ')[0]);
      expect(Number(await text(page, `group-${gi}-terms-success`))).toBe(want.terms.success);
      expect(Number(await text(page, `group-${gi}-terms-failed`))).toBe(want.terms.failed);
      expect(Number(await text(page, `group-${gi}-results-success`))).toBe(want.results.success);
      expect(Number(await text(page, `group-${gi}-results-failed`))).toBe(want.results.failed);
      expect(Number(await text(page, `group-${gi}-results-needs_review`))).toBe(0);
      expect(Number(await text(page, `group-${gi}-results-skipped`))).toBe(0);
    }
    // A group opens on click and lists its terms with their results.
    const florists = page.locator(s.tid('group-toggle-1'));
    if ((await florists.getAttribute('aria-expanded')) !== 'true') await florists.click();
    expect(await florists.getAttribute('aria-expanded')).toBe('true');
    await page.locator(s.tid('group-1-list')).waitFor();
    expect(await page.locator(`${s.tid('term-4')}`).getAttribute('data-status')).toBe('failed');
    expect(await text(page, 'term-4-results-success')).toBe('1');
    expect(await text(page, 'term-4-results-failed')).toBe('2');
    await florists.click();
    expect(await florists.getAttribute('aria-expanded')).toBe('false');
    await page.locator(s.tid('group-1-list')).waitFor({ state: 'detached' });

    // The log: search groups and their terms, each collapsible; the term is highlighted in its lines.
    const view = page.locator(s.tid('log-view'));
    await view.evaluate((el) => (el.scrollTop = 0));
    const section = view.locator(s.tid('log-section-0'));
    await section.waitFor();
    expect(await section.textContent()).toMatch(/Bakeries\s*3 terms/);
    const term = view.locator(s.tid('log-group-0'));
    await term.waitFor();
    expect(await term.getAttribute('data-kind')).toBe('term');
    expect(await term.locator(s.tid('log-term-name')).textContent()).toBe('bakery lyon');
    const termLine = view.locator(`${s.tid('log-line')}[data-term="bakery lyon"]`).filter({ hasText: 'Searching' }).first();
    await termLine.waitFor();
    expect(await termLine.locator('mark').first().textContent()).toBe('bakery lyon');

    await term.click();
    expect(await term.getAttribute('aria-expanded')).toBe('false');
    await expect(view.locator(`${s.tid('log-line')}[data-term="bakery lyon"]`).count()).resolves.toBe(0);
    await term.click();
    expect(await term.getAttribute('aria-expanded')).toBe('true');
    await termLine.waitFor();

    const rowsBefore = Number(await view.getAttribute('data-rows'));
    await section.click();
    expect(await section.getAttribute('aria-expanded')).toBe('false');
    await expect(view.locator(s.tid('log-group-0')).count()).resolves.toBe(0);
    expect(Number(await view.getAttribute('data-rows'))).toBeLessThan(rowsBefore);
    await section.click();
    expect(await section.getAttribute('aria-expanded')).toBe('true');
    await view.locator(s.tid('log-group-0')).waitFor();
    expect(Number(await view.getAttribute('data-rows'))).toBe(rowsBefore);

    // A term's "Log" link shows only its lines.
    await florists.click();
    await page.locator(s.tid('term-4-log')).click();
    await page.locator(s.tid('log-term-filter')).waitFor();
    expect(await text(page, 'log-term-filter')).toMatch(/Florists › fleuriste lyon/);
    const shown = await view.locator(s.tid('log-line')).evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-term')))]);
    expect(shown).toEqual(['fleuriste lyon']);
    await page.locator(s.tid('btn-log-show-all')).click();
    await page.locator(s.tid('log-term-filter')).waitFor({ state: 'detached' });
    expect(studio.pageErrors).toEqual([]);
  });

  test('the log follows new lines, yields when scrolled up, and "Jump to latest" follows again', async () => {
    // 48 terms, 0.3 s apart: lines still come for ~10 s after the first 40 rows, also on a loaded
    // machine (with 24 the run could end before the reader had scrolled up, at load 7–12).
    const many: Group[] = ['North', 'South', 'East'].map((g) => ({ name: g, terms: Array.from({ length: 16 }, (_, i) => `${g.toLowerCase()} term ${i + 1}`) }));
    const entry = await createTermsFlow('Many terms', many, 0.3);
    const page = await studio.page();
    await openFlow(page, entry.id);
    await startFromStudio(page);
    const view = page.locator(s.tid('log-view'));
    const distance = () => view.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    await page.locator(s.tid('log-section-0')).waitFor();

    await page.waitForFunction(() => Number(document.querySelector('[data-testid="log-view"]')?.getAttribute('data-rows')) > 40);
    expect(await view.getAttribute('data-follow')).toBe('true');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="log-view"]')!;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 30;
    });

    // Scrolled up while lines keep coming: stays where the person reads.
    await view.hover();
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(() => document.querySelector('[data-testid="log-view"]')?.getAttribute('data-follow') === 'false');
    await page.waitForTimeout(500); // let the wheel's smooth scrolling come to rest
    const away = await distance();
    expect(away).toBeGreaterThan(100);
    const rows = Number(await view.getAttribute('data-rows'));
    await page.waitForFunction((r) => Number(document.querySelector('[data-testid="log-view"]')?.getAttribute('data-rows')) > r + 4, rows);
    await page.waitForTimeout(200);
    expect(await distance()).toBeGreaterThanOrEqual(away);
    expect(await view.getAttribute('data-follow')).toBe('false');

    // "Jump to latest": back at the bottom, following again.
    const jump = page.locator(s.tid('btn-follow-log'));
    expect(await jump.textContent()).toMatch(/Jump to latest/);
    await jump.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="log-view"]')?.getAttribute('data-follow') === 'true');
    await page.locator(s.tid('btn-follow-log')).waitFor({ state: 'detached' });
    // New lines keep it at the bottom (then the run is stopped: its end proves nothing more).
    const following = Number(await view.getAttribute('data-rows'));
    await page.waitForFunction((r) => Number(document.querySelector('[data-testid="log-view"]')?.getAttribute('data-rows')) > r + 4, following);
    await page.waitForTimeout(300);
    expect(await distance()).toBeLessThan(30);
    expect(await view.getAttribute('data-follow')).toBe('true');
    await page.locator(s.tid('btn-stop')).click();
    await s.waitForRunStatus(page, 'stopped', 10_000);
    expect(studio.pageErrors).toEqual([]);
  });

  test('Stop during the loop interval ends the run at once, at the next term', async () => {
    const entry = await createTermsFlow('Slow terms', GROUPS, 30);
    const page = await studio.page();
    await openFlow(page, entry.id);
    await startFromStudio(page);
    await page.locator(s.tid('group-progress')).waitFor();
    // The first term is done; the run waits for the loop interval and says so.
    await waitForText(page, 'group-0-processed', '1 / 3');
    await page.locator(`${s.tid('run-position')}[data-state="waiting"]`).waitFor();
    await page.waitForFunction(() => /starts in \d+ s/.test(document.querySelector('[data-testid="run-position-state"]')?.textContent ?? ''));
    expect(await text(page, 'run-position-text')).toBe('Bakeries › boulangerie lyon');
    expect(await s.runStatus(page)).toBe('running');

    await page.locator(s.tid('btn-stop')).click();
    await s.waitForRunStatus(page, 'stopped', 10_000);
    await page.locator(`${s.tid('run-position')}[data-state="stopped"]`).waitFor();
    expect(await text(page, 'run-position-text')).toBe('Bakeries › boulangerie lyon');
    expect(await text(page, 'group-0-processed')).toBe('1 / 3');
    expect(await text(page, 'groups-processed')).toBe('1 / 6 terms');
    expect(await page.locator('[data-testid^="term-"][aria-current="step"]').getAttribute('data-testid')).toBe('term-1');
    // Stopped: it can be resumed, not paused.
    expect(await page.locator(s.tid('btn-resume')).isDisabled()).toBe(false);
    expect(await page.locator(s.tid('btn-pause')).isDisabled()).toBe(true);
    expect(studio.pageErrors).toEqual([]);
  });
});
