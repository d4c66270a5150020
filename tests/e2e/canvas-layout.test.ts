import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'conveyor-canvas-layout-'));

/** Every node's box on screen. */
const nodeRects = (page: Page) => s.rectsOf(page, '.react-flow__node-conveyor');

/** Node positions as stored on the canvas (flow coordinates), from React Flow's transform. */
async function flowPositions(page: Page): Promise<Record<string, { x: number; y: number }>> {
  return page.locator('.react-flow__node-conveyor').evaluateAll((els) =>
    Object.fromEntries(
      els.map((e) => {
        const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec((e as HTMLElement).style.transform)!;
        return [e.getAttribute('data-id')!, { x: Number(m[1]), y: Number(m[2]) }];
      }),
    ),
  );
}

const { overlap } = s;

async function importTemplate(): Promise<FlowEntry> {
  const doc = JSON.parse(readFileSync('flows/signup-with-email-code.json', 'utf8'));
  return api<FlowEntry>(studio.url, 'POST', '/api/flows/import?onConflict=copy', doc);
}

async function open(page: Page, id: string) {
  await page.goto(`${studio.url}/flows/${encodeURIComponent(id)}`);
  await page.locator(s.tid('editor')).waitFor();
  await s.waitForCanvas(page);
}

describe('canvas layout', () => {
  test('the 14-node signup template opens laid out: rows, no overlap, error handling below — without counting as a change', async () => {
    const entry = await importTemplate();
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForNodes(page, 14);
    const rects = await nodeRects(page);
    const rows = new Set(rects.map((r) => Math.round(r.y)));
    expect(rows.size).toBeGreaterThan(2);
    for (const a of rects) for (const b of rects) if (a !== b) expect(overlap(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
    const review = rects.find((r) => r.id === 'review')!;
    expect(review.y).toBeGreaterThanOrEqual(Math.max(...rects.filter((r) => r.id !== 'review').map((r) => r.y + r.height)));
    // Opening laid out is the flow's state as opened, not an unsaved edit.
    expect(await page.locator(s.tid('dirty-indicator')).getAttribute('data-dirty')).toBe('false');
    expect(await page.locator(s.tid('btn-undo')).isDisabled()).toBe(true);
    expect(studio.pageErrors).toEqual([]);
  });

  test('auto-layout tidies a flow in one click, and one undo puts every node back', async () => {
    // Laid out by hand, badly: the error handler above, the chain right to left.
    const entry = await createFlowViaApi(
      studio.url,
      'Messy',
      [
        { id: 'second', type: 'core.set-fields', x: 0, y: 500 },
        { id: 'first', type: 'core.set-fields', x: 700, y: 40 },
        { id: 'oops', type: 'core.end', x: 350, y: -300 },
      ],
      [
        ['trigger', 'out', 'first'],
        ['first', 'out', 'second'],
        ['first', 'error', 'oops'],
        ['second', 'error', 'oops'],
      ],
    );
    const trigger = entry.flow.nodes[0].id;
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForEdges(page, 4);
    const before = await flowPositions(page);

    await page.locator(s.tid('btn-layout')).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="dirty-indicator"]')?.getAttribute('data-dirty') === 'true');
    await page.waitForTimeout(400);
    const after = await flowPositions(page);
    expect(after[trigger].x).toBeLessThan(after.first.x);
    expect(after.first.x).toBeLessThan(after.second.x);
    const mainBottom = Math.max(after[trigger].y, after.first.y, after.second.y);
    expect(after.oops.y).toBeGreaterThan(mainBottom + 40);

    await page.keyboard.press('Control+z');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    expect(await flowPositions(page)).toEqual(before);
    expect(await page.locator(s.tid('btn-undo')).isDisabled()).toBe(true);
    await page.keyboard.press('Control+Shift+z');
    await page.waitForFunction(() => document.querySelector('[data-testid="dirty-indicator"]')?.getAttribute('data-dirty') === 'true');
    expect(await flowPositions(page)).toEqual(after);
  });

  test('at fit view with the run panel open, every title of the 14-node template is at least 11 px on screen (screenshot)', async () => {
    const entry = await importTemplate();
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForNodes(page, 14);
    const csv = path.join(tmp, 'people.csv');
    writeFileSync(csv, 'first_name,last_name,email\nAda,Lovelace,ada@example.com\n');
    await page.locator(s.tid('btn-run')).click();
    await page.locator(s.tid('run-dialog')).waitFor();
    await page.locator(s.tid('run-file-input')).setInputFiles(csv);
    await page.locator(s.tid('run-file-info')).filter({ hasText: 'people.csv' }).waitFor();
    await page.locator(s.tid('btn-start-run')).click();
    await page.locator(s.tid('run-panel')).waitFor();
    await page.locator(s.tid('counters-sheet')).waitFor();
    await page.locator(s.tid('btn-fit')).click();
    await page.waitForTimeout(500);

    const sizes = await page.locator(`.react-flow__node-conveyor ${s.tid('node-title')}`).evaluateAll((els) =>
      els.map((e) => {
        const el = e as HTMLElement;
        const scale = el.getBoundingClientRect().height / el.offsetHeight;
        return { title: el.textContent, px: parseFloat(getComputedStyle(el).fontSize) * scale };
      }),
    );
    expect(sizes).toHaveLength(14);
    for (const t of sizes) expect(t.px, `title "${t.title}"`).toBeGreaterThanOrEqual(11);
    // The whole flow is in view, not cut off by the run panel.
    const canvas = await s.canvasBox(page);
    for (const r of await nodeRects(page)) {
      expect(r.y + r.height, r.id).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
      expect(r.x + r.width, r.id).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    }
    const shot = path.join(tmp, 'signup-template-fit-view-run-panel.png');
    await page.screenshot({ path: shot });
    expect(existsSync(shot) && statSync(shot).size > 10_000).toBe(true);
  });

  test('palette, inspector and run panel fold away and stay folded after a reload', async () => {
    const page = await studio.page();
    await s.createFlow(page, studio.url, 'Folding');
    const wide = (await s.canvasBox(page)).width;

    await page.locator(s.tid('btn-toggle-palette')).click();
    await page.locator(s.tid('palette-collapsed')).waitFor();
    expect(await page.locator(s.tid('palette')).count()).toBe(0);
    await page.locator(s.tid('btn-toggle-inspector')).click();
    await page.locator(s.tid('inspector-collapsed')).waitFor();
    expect(await page.locator(s.tid('inspector')).count()).toBe(0);
    expect((await s.canvasBox(page)).width).toBeGreaterThan(wide + 400);

    await s.startRun(page, s.records(2));
    await page.locator(s.tid('tab-log')).waitFor();
    const panelOpen = (await page.locator(s.tid('run-panel')).boundingBox())!.height;
    await page.locator(s.tid('btn-toggle-run-panel')).click();
    await page.locator(s.tid('tab-log')).waitFor({ state: 'detached' });
    expect((await page.locator(s.tid('run-panel')).boundingBox())!.height).toBeLessThan(panelOpen / 2);
    await s.waitForRunStatus(page, 'completed');

    await page.reload();
    await page.locator(s.tid('editor')).waitFor();
    await page.locator(s.tid('palette-collapsed')).waitFor();
    await page.locator(s.tid('inspector-collapsed')).waitFor();
    // The run panel of the next run opens folded too, its header (status, controls) in view.
    await s.startRun(page, s.records(1));
    await page.locator(s.tid('run-status')).waitFor();
    expect(await page.locator(s.tid('tab-log')).count()).toBe(0);
    await page.locator(s.tid('btn-toggle-run-panel')).click();
    await page.locator(s.tid('tab-log')).waitFor();

    await page.locator(s.tid('btn-toggle-palette')).click();
    await page.locator(s.tid('palette')).waitFor();
    await page.locator(s.tid('btn-toggle-inspector')).click();
    await page.locator(s.tid('inspector')).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
