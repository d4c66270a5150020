import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

async function open(page: Page, id: string) {
  await page.goto(`${studio.url}/flows/${encodeURIComponent(id)}`);
  await page.locator(s.tid('editor')).waitFor();
  await s.waitForCanvas(page);
}

describe('notes and comfort', () => {
  test('a sticky note is saved with the flow, exported in the file and back after an import', async () => {
    const page = await studio.page();
    const id = await s.createFlow(page, studio.url, 'With a note');
    await page.locator(s.tid('btn-add-note')).click();
    const note = page.locator('[data-testid^="note-"][data-color]');
    await note.waitFor();
    await note.locator(s.tid('note-text')).fill('Ask Anna before\nchanging the mail step');
    await page.locator(s.tid('note-color-blue')).click();
    await s.save(page);

    const res = await fetch(`${studio.url}/api/flows/${encodeURIComponent(id)}/export`);
    const file = (await res.json()) as { notes?: Array<{ id: string; text: string; color?: string; size?: { width: number; height: number } }> };
    expect(file.notes).toHaveLength(1);
    expect(file.notes![0]).toMatchObject({ text: 'Ask Anna before\nchanging the mail step', color: 'blue' });
    expect(file.notes![0].size!.width).toBeGreaterThan(50);

    const copy = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import?onConflict=copy', file);
    expect(copy.id).not.toBe(id);
    await open(page, copy.id);
    const back = page.locator('[data-testid^="note-"][data-color="blue"]');
    await back.waitFor();
    expect(await back.locator(s.tid('note-text')).inputValue()).toBe('Ask Anna before\nchanging the mail step');

    // A note is deleted like a node, and undo brings it back.
    await back.click({ position: { x: 10, y: 8 } });
    await page.keyboard.press('Delete');
    await back.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z');
    await back.waitFor();
    expect(studio.pageErrors).toEqual([]);
  });

  test('copy, paste and duplicate take the selected sticky notes with the steps', async () => {
    const entry = await createFlowViaApi(studio.url, 'Copied note', [{ id: 'stamp', type: 'core.set-fields', x: 350, y: 200, params: { fields: [{ name: 'stamped', value: '"yes"' }] } }], [['trigger', 'out', 'stamp']]);
    await api(studio.url, 'PUT', `/api/flows/${entry.id}`, { ...entry.flow, notes: [{ id: 'why', position: { x: 350, y: 40 }, size: { width: 240, height: 120 }, text: 'Stamps every record', color: 'green' }] });
    const page = await studio.page();
    await open(page, entry.id);
    const notes = page.locator('[data-testid^="note-"][data-color="green"]');
    await notes.first().waitFor();
    // Everything selected (the trigger is left out of the paste: the flow has one), copied, pasted.
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    await page.getByText('Copied 2 nodes and 1 note').waitFor();
    await page.keyboard.press('Control+v');
    await expect.poll(() => notes.count()).toBe(2);
    expect(await notes.nth(1).locator(s.tid('note-text')).inputValue()).toBe('Stamps every record');
    // The pasted group is selected: Ctrl+D duplicates its note too.
    await page.keyboard.press('Control+d');
    await page.getByText('Duplicated 1 node and 1 note').waitFor();
    await expect.poll(() => notes.count()).toBe(3);
    await s.save(page);
    const saved = await api<{ flow: { notes: Array<{ id: string; text: string }>; nodes: Array<{ type: string }> } }>(studio.url, 'GET', `/api/flows/${entry.id}`);
    expect(saved.flow.notes.map((n) => n.text)).toEqual(['Stamps every record', 'Stamps every record', 'Stamps every record']);
    expect(new Set(saved.flow.notes.map((n) => n.id)).size).toBe(3);
    expect(saved.flow.nodes.filter((n) => n.type === 'core.set-fields')).toHaveLength(3);
    expect(studio.pageErrors).toEqual([]);
  });

  test('a disabled step shows greyed and lets records through unchanged', async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Disabled step',
      [
        { id: 'stamp', type: 'core.set-fields', x: 350, y: 200, params: { fields: [{ name: 'stamped', value: '"yes"' }] } },
        { id: 'finish', type: 'core.set-fields', x: 700, y: 200, params: { fields: [{ name: 'finished', value: 'true' }] } },
      ],
      [
        ['trigger', 'out', 'stamp'],
        ['stamp', 'out', 'finish'],
      ],
    );
    const page = await studio.page();
    await open(page, entry.id);
    await s.selectNode(page, 'stamp');
    await page.locator(s.tid('btn-disable')).click();
    await page.locator(`${s.tid('node-stamp')}[data-disabled="true"]`).waitFor();
    const opacity = await page.locator('.react-flow__node[data-id="stamp"]').evaluate((e) => Number(getComputedStyle(e).opacity));
    expect(opacity).toBeLessThan(0.8);
    await s.save(page);
    expect(((await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`)).flow.nodes.find((n) => n.id === 'stamp') as { disabled?: boolean } | undefined)?.disabled).toBe(true);

    const runId = await s.startRun(page, s.records(3));
    await s.waitForRunStatus(page, 'completed');
    await waitForRun(studio.url, runId);
    const rec = await api<{ record: { output: Record<string, unknown> } }>(studio.url, 'GET', `/api/runs/${runId}/records/1`);
    expect(rec.record.output).toEqual({ n: 2, finished: true });
    expect(await s.counter(page, 'stamp', 'success')).toBe(3);

    // D switches it back on.
    await s.selectNode(page, 'stamp');
    await page.locator('.react-flow__pane').focus().catch(() => undefined);
    await page.locator(`${s.tid('node-stamp')} ${s.tid('node-title')}`).click();
    await page.keyboard.press('d');
    await page.locator(`${s.tid('node-stamp')}[data-disabled="false"]`).waitFor();
  });

  test('Ctrl+D duplicates the selection; a selection box picks several nodes and Delete removes them all', async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Many',
      [
        { id: 'a', type: 'core.set-fields', x: 350, y: 100 },
        { id: 'b', type: 'core.set-fields', x: 350, y: 300 },
        { id: 'far', type: 'core.delay', x: 900, y: 200 },
      ],
      [['trigger', 'out', 'a']],
    );
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForNodes(page, 4);

    await s.selectNode(page, 'far');
    await page.keyboard.press('Control+d');
    await s.waitForNodes(page, 5);
    const copies = (await s.nodeIds(page)).filter((id) => !['a', 'b', 'far', entry.flow.nodes[0].id].includes(id));
    expect(copies).toHaveLength(1);
    expect(await page.locator(`${s.tid(`node-${copies[0]}`)}`).getAttribute('data-node-type')).toBe('core.delay');
    await page.keyboard.press('Delete');
    await s.waitForNodes(page, 4);

    // Shift-drag a box around a and b only.
    const ra = (await page.locator('.react-flow__node[data-id="a"]').boundingBox())!;
    const rb = (await page.locator('.react-flow__node[data-id="b"]').boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(ra.x - 20, ra.y - 20);
    await page.mouse.down();
    await page.mouse.move(rb.x + rb.width / 2, rb.y + rb.height / 2, { steps: 5 });
    await page.mouse.move(rb.x + rb.width + 20, rb.y + rb.height + 20, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node.selected').length === 2);

    // Moving one moves both.
    const before = (await page.locator('.react-flow__node[data-id="b"]').boundingBox())!;
    const t = (await page.locator(`${s.tid('node-a')} ${s.tid('node-title')}`).boundingBox())!;
    await page.mouse.move(t.x + 10, t.y + 5);
    await page.mouse.down();
    await page.mouse.move(t.x + 70, t.y + 45, { steps: 8 });
    await page.mouse.up();
    const moved = (await page.locator('.react-flow__node[data-id="b"]').boundingBox())!;
    expect(moved.x - before.x).toBeGreaterThan(40);

    await page.keyboard.press('Delete');
    await s.waitForNodes(page, 2);
    expect((await s.nodeIds(page)).sort()).toEqual([entry.flow.nodes[0].id, 'far'].sort());
    expect(await s.edgeCount(page)).toBe(0);
    await page.keyboard.press('Control+z');
    await s.waitForNodes(page, 4);
    expect(studio.pageErrors).toEqual([]);
  });

  test('dark mode follows the system: dark canvas, panels and cards with light text', async () => {
    const page = await studio.page();
    await s.createFlow(page, studio.url, 'Night');
    const look = () =>
      page.evaluate(() => {
        // Luminance (0–255) of a CSS colour, whatever its notation (rgb, oklch…): painted and read back.
        const lum = (c: string) => {
          const x = document.createElement('canvas').getContext('2d')!;
          x.fillStyle = c;
          x.fillRect(0, 0, 1, 1);
          const [r, g, b] = x.getImageData(0, 0, 1, 1).data;
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const bg = (sel: string) => lum(getComputedStyle(document.querySelector(sel)!).backgroundColor);
        const title = document.querySelector('.react-flow__node [data-testid="node-title"]')!;
        return {
          canvas: bg('.react-flow'),
          palette: bg('[data-testid="palette"]'),
          toolbar: bg('[data-testid="editor-toolbar"]'),
          card: bg('.react-flow__node [data-node-type]'),
          inspector: bg('[data-testid="inspector"]'),
          inspectorText: lum(getComputedStyle(document.querySelector('[data-testid="inspector"] h2, [data-testid="inspector"] label')!).color),
          title: lum(getComputedStyle(title).color),
        };
      });
    const light = await look();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.querySelector('.react-flow')?.classList.contains('dark'));
    const dark = await look();
    for (const k of ['canvas', 'palette', 'toolbar', 'card', 'inspector'] as const) {
      expect(light[k], `${k} light`).toBeGreaterThan(200);
      expect(dark[k], `${k} dark`).toBeLessThan(80);
    }
    // Never white text on white: the title is light on the dark card, dark on the light one.
    expect(dark.title).toBeGreaterThan(dark.card + 100);
    expect(light.title).toBeLessThan(light.card - 100);
    expect(dark.inspectorText).toBeGreaterThan(dark.inspector + 100);

    // Dialogs too: the run dialog is dark with light text.
    await page.locator(s.tid('btn-run')).click();
    const dialog = page.locator(s.tid('run-dialog'));
    await dialog.waitFor();
    const d = await dialog.evaluate((el) => {
      const lum = (c: string) => {
        const x = document.createElement('canvas').getContext('2d')!;
        x.fillStyle = c;
        x.fillRect(0, 0, 1, 1);
        const [r, g, b] = x.getImageData(0, 0, 1, 1).data;
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const panel = el.closest('[role="dialog"]') ?? el;
      return { bg: lum(getComputedStyle(panel).backgroundColor), text: lum(getComputedStyle(panel.querySelector('h2')!).color) };
    });
    expect(d.bg).toBeLessThan(80);
    expect(d.text).toBeGreaterThan(d.bg + 100);
  });

  test('dark mode reaches every page: the flow list, runs, review, credentials and storage read light on dark', async () => {
    const page = await studio.page();
    await page.emulateMedia({ colorScheme: 'dark' });
    const look = () =>
      page.evaluate(() => {
        const lum = (c: string) => {
          const x = document.createElement('canvas').getContext('2d')!;
          x.fillStyle = c;
          x.fillRect(0, 0, 1, 1);
          const [r, g, b] = x.getImageData(0, 0, 1, 1).data;
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const main = document.querySelector('main')!;
        const heading = main.querySelector('h1, h2')!;
        return { bg: lum(getComputedStyle(main).backgroundColor), text: lum(getComputedStyle(heading).color) };
      });
    for (const [path, ready] of [['/', 'nav-flows'], ['/runs', 'nav-runs'], ['/review', 'nav-review'], ['/credentials', 'nav-credentials'], ['/storage', 'nav-storage']] as const) {
      await page.goto(studio.url + path);
      await page.locator(s.tid(ready)).waitFor();
      await page.locator('main h1, main h2').first().waitFor();
      const { bg, text } = await look();
      expect(bg, `${path} background`).toBeLessThan(80);
      expect(text, `${path} heading`).toBeGreaterThan(bg + 100);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(studio.url + '/runs');
    await page.locator('main h1, main h2').first().waitFor();
    // Light again: the page's headings are dark text (on the light body).
    expect((await look()).text).toBeLessThan(80);
  });
});
