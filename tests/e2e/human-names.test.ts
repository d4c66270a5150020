import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('human names in the editor', () => {
  test('a new node is named after its type with a counter; type keys and ids only under Advanced; icons are SVG', async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Names',
      [
        { id: 'tag_first', type: 'core.set-fields', x: 300, y: 200 },
        { id: 'wait_a_bit', type: 'core.delay', x: 600, y: 200 },
      ],
      [
        ['trigger', 'out', 'tag_first'],
        ['tag_first', 'out', 'wait_a_bit'],
      ],
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);

    // Unnamed nodes read as their type's title, with no type key under them.
    expect(await page.locator(`${s.tid('node-wait_a_bit')} ${s.tid('node-title')}`).textContent()).toBe('Delay');
    expect(await page.locator(`${s.tid('node-wait_a_bit')} ${s.tid('node-subtitle')}`).textContent()).not.toMatch(/core\./);

    // A second Set fields is "Set fields 2" on the canvas, in the inspector and in its name field.
    const added = await s.dropNode(page, 'core.set-fields', { x: 500, y: 450 });
    expect(await page.locator(`${s.tid(`node-${added}`)} ${s.tid('node-title')}`).textContent()).toBe('Set fields 2');
    const inspector = page.locator(s.tid('inspector'));
    await page.locator(`${s.tid('node-inspector')}[data-node-id="${added}"]`).waitFor();
    expect(await inspector.locator(s.tid('inspector-node-title')).textContent()).toBe('Set fields 2');
    expect(await inspector.locator(s.tid('field-node-name')).inputValue()).toBe('Set fields 2');

    // Neither the canvas nor the inspector shows a type key or an id — until Advanced is opened.
    const canvasText = await page.locator(s.tid('canvas')).innerText();
    for (const internal of ['core.set-fields', 'core.delay', 'tag_first', 'wait_a_bit', added]) expect(canvasText).not.toContain(internal);
    expect(await inspector.innerText()).not.toContain('core.set-fields');
    expect(await inspector.innerText()).not.toContain(added);
    await inspector.locator(s.tid('node-advanced-toggle')).click();
    expect(await inspector.locator(s.tid('inspector-node-type')).textContent()).toBe('core.set-fields');
    expect(await inspector.locator(s.tid('inspector-node-id')).textContent()).toBe(added);

    // The flow's Concurrency is not repeated under a node; it is in the flow's inspector.
    expect(await inspector.locator(s.tid('field-settings.concurrency')).count()).toBe(0);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.locator(s.tid('flow-inspector')).waitFor();
    expect(await inspector.locator(s.tid('field-settings.concurrency')).count()).toBe(1);

    // Every node's icon, on the canvas and in the palette, is a bundled SVG (never an emoji).
    const glyphs = await page.locator(`.react-flow__node ${s.tid('node-glyph')}, ${s.tid('palette')} ${s.tid('node-glyph')}`).evaluateAll((els) => els.map((e) => e.tagName.toLowerCase()));
    expect(glyphs.length).toBeGreaterThan(10);
    expect(new Set(glyphs)).toEqual(new Set(['svg']));
    expect(studio.pageErrors).toEqual([]);
  });

  test('the Runs menu of the editor lists the last runs with their outcome and links to each run and its report', async () => {
    const entry = await createFlowViaApi(studio.url, 'Menu', [{ id: 'gate', type: 'core.if', x: 300, y: 200, params: { condition: 'n > 1' } }], [['trigger', 'out', 'gate']]);
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await page.locator(s.tid('btn-runs-menu')).click();
    await page.locator(s.tid('runs-menu-empty')).waitFor();
    await page.keyboard.press('Escape');

    const first = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: [{ n: 1 }, { n: 2 }] } });
    await waitForRun(studio.url, first.id);
    const second = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: [{ n: 5 }] } });
    await waitForRun(studio.url, second.id);

    await page.locator(s.tid('btn-runs-menu')).click();
    const items = page.locator(`${s.tid('runs-menu')} ${s.tid('runs-menu-item')}`);
    await items.first().waitFor();
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')))).toEqual([second.id, first.id]);
    // Each with its outcome badge; the menu shows no run id as text.
    expect(await items.first().locator('[data-outcome]').count()).toBe(1);
    expect(await page.locator(s.tid('runs-menu')).innerText()).not.toContain(second.id);
    expect(await items.first().locator(s.tid('runs-menu-report')).getAttribute('href')).toBe(`/runs/${second.id}/report`);
    expect(await items.first().locator(s.tid('runs-menu-open')).getAttribute('href')).toBe(`/runs/${second.id}`);

    await items.first().locator(s.tid('runs-menu-report')).click();
    await page.locator(`${s.tid('report-page')}[data-run-id="${second.id}"]`).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
