import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

async function setup(page: Page, name: string) {
  await s.createFlow(page, studio.url, name);
  await page.locator('.react-flow__controls-zoomout').click();
  const box = await s.canvasBox(page);
  const mid = box.height / 2;
  const trigger = (await s.nodeIds(page))[0];
  await s.moveNode(page, trigger, { x: 160, y: mid });
  const set = await s.dropNode(page, 'core.set-fields', { x: 460, y: mid });
  const gate = await s.dropNode(page, 'core.if', { x: 760, y: mid });
  return { trigger, set, gate };
}

async function lastToast(page: Page): Promise<string> {
  const t = page.locator(s.tid('toast')).last();
  await t.waitFor();
  return (await t.textContent()) ?? '';
}

async function clearToasts(page: Page) {
  for (const b of await page.locator(`${s.tid('toast')} button[aria-label="Dismiss"]`).all()) await b.click().catch(() => undefined);
}

describe('the editor', () => {
  test('refuses invalid connections and says why', async () => {
    const page = await studio.page();
    const { trigger, set, gate } = await setup(page, 'Connections');
    await s.connect(page, trigger, 'out', set);
    await s.connect(page, set, 'out', gate);
    await s.waitForEdges(page, 2);

    // A node into itself.
    await s.connect(page, gate, 'true', gate);
    expect(await lastToast(page)).toMatch(/Connection refused.*itself/);
    await s.waitForEdges(page, 2);
    await clearToasts(page);

    // A loop back to an earlier node.
    await s.connect(page, gate, 'false', set);
    expect(await lastToast(page)).toMatch(/loop/);
    await s.waitForEdges(page, 2);
    await clearToasts(page);

    // The same connection twice.
    await s.connect(page, trigger, 'out', set);
    expect(await lastToast(page)).toMatch(/already connected/);
    await s.waitForEdges(page, 2);

    // A trigger takes no input: it has no input handle to drop on.
    expect(await page.locator(s.tid(`handle-${trigger}-in-in`)).count()).toBe(0);
    expect(studio.pageErrors).toEqual([]);
  });

  test('undoes and redoes document changes (keyboard and toolbar), not selection', async () => {
    const page = await studio.page();
    const { set, gate } = await setup(page, 'Undo');
    await s.waitForNodes(page, 3);
    await s.connect(page, set, 'out', gate);
    await s.waitForEdges(page, 1);

    // Selection changes do not make undo steps.
    await s.selectNode(page, set);
    await s.selectNode(page, gate);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });

    await page.keyboard.press('Control+z');
    await s.waitForEdges(page, 0);
    await page.keyboard.press('Control+z');
    await s.waitForNodes(page, 2);
    await page.keyboard.press('Control+Shift+z');
    await s.waitForNodes(page, 3);
    await page.keyboard.press('Control+y');
    await s.waitForEdges(page, 1);
    await page.locator(s.tid('btn-undo')).click();
    await s.waitForEdges(page, 0);
    await page.locator(s.tid('btn-redo')).click();
    await s.waitForEdges(page, 1);

    // A form edit is one undo step.
    await s.selectNode(page, gate);
    const initial = await s.fieldValue(page, 'condition');
    await s.fillField(page, 'condition', 'amount > 100');
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await s.selectNode(page, gate);
    expect(await s.fieldValue(page, 'condition')).toBe(initial);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+Shift+z');
    await s.selectNode(page, gate);
    expect(await s.fieldValue(page, 'condition')).toBe('amount > 100');

    // Save clears the dirty flag; an undo after it makes the flow dirty again.
    await page.keyboard.press('Control+s');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="true"]`).waitFor();
    await page.keyboard.press('Control+Shift+z');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });

  test('copies, pastes and deletes nodes; warns before leaving with unsaved changes', async () => {
    const page = await studio.page();
    const { set, gate } = await setup(page, 'Clipboard');
    await s.connect(page, set, 'out', gate);

    // Select both and copy: the paste has new ids and keeps the edge between them.
    await s.selectNode(page, set);
    await page.locator(`${s.tid(`node-${gate}`)} ${s.tid('node-title')}`).click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await s.waitForNodes(page, 5);
    await s.waitForEdges(page, 2);
    const ids = await s.nodeIds(page);
    const pasted = ids.filter((id) => ![set, gate].includes(id) && !id.startsWith('trigger'));
    expect(pasted).toHaveLength(2);
    expect(pasted.map((id) => id.split('_')[0]).sort()).toEqual(['if', 'set']);
    for (const id of pasted) expect(id).toMatch(/^[A-Za-z0-9_.:-]+$/);

    // Delete the pasted (selected) nodes with the keyboard.
    await page.keyboard.press('Delete');
    await s.waitForNodes(page, 3);
    await s.waitForEdges(page, 1);

    // Leaving with unsaved changes asks first.
    await page.locator(s.tid('nav-flows')).click();
    await page.locator(s.tid('confirm-dialog')).waitFor();
    await page.locator(s.tid('btn-confirm-cancel')).click();
    expect(new URL(page.url()).pathname).toMatch(/^\/flows\//);
    await s.save(page);
    await page.locator(s.tid('nav-flows')).click();
    await page.locator(s.tid('flow-table')).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });

  test('edits a switch: rules become labelled output ports', async () => {
    const page = await studio.page();
    await s.createFlow(page, studio.url, 'Switch');
    await page.locator('.react-flow__controls-zoomout').click();
    const box = await s.canvasBox(page);
    const sw = await s.dropNode(page, 'core.switch', { x: 700, y: box.height / 2 });
    await s.selectNode(page, sw);
    await page.locator(s.tid('btn-add-rules')).click();
    await page.locator(s.tid('btn-add-rules')).click();
    const rows = page.locator(`${s.tid('inspector')} [data-testid^="row-rules."]`);
    expect(await rows.count()).toBe(2);
    const ports = await page.locator(`${s.tid(`node-${sw}`)} [data-testid^="handle-${sw}-out-"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    // Two rules + the default port + the error port.
    expect(ports.length).toBe(4);
    await page.locator(s.tid('btn-remove-rules.1')).click();
    expect(await rows.count()).toBe(1);
    expect(studio.pageErrors).toEqual([]);
  });
});
