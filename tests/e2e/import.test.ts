import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const brokenFlow = {
  format: 'conveyor.flow/v1',
  id: 'broken-flow',
  name: 'Broken',
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
    { id: 'mystery', type: 'acme.does-not-exist', position: { x: 200, y: 0 }, params: {} },
  ],
  edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'ghost', targetPort: 'in' }],
};

describe('importing flow files', () => {
  test('an invalid file shows every problem with its JSON path, and nothing is stored', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('flows-empty')).waitFor();
    await page.locator(s.tid('import-file')).setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(brokenFlow)) });
    const dialog = page.locator(s.tid('import-error'));
    await dialog.waitFor();
    const paths = await dialog.locator(s.tid('problem-path')).allTextContents();
    expect(paths).toContain('$.nodes[1].type');
    expect(paths).toContain('$.edges[0].target');
    const messages = await dialog.locator(s.tid('problem-message')).allTextContents();
    expect(messages.join('\n')).toMatch(/acme\.does-not-exist/);
    expect(messages.join('\n')).toMatch(/ghost/);
    await page.keyboard.press('Escape');
    await page.locator(s.tid('flows-empty')).waitFor();

    // Not JSON at all.
    await page.locator(s.tid('import-file')).setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{ this is not json') });
    await dialog.waitFor();
    expect(await dialog.locator(s.tid('problem-path')).allTextContents()).toEqual(['$']);
    await page.keyboard.press('Escape');

    // A file that is not a flow at all (no format).
    await page.locator(s.tid('import-file')).setInputFiles({ name: 'other.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ hello: 'world' })) });
    await dialog.waitFor();
    expect(await dialog.locator(s.tid('problem-path')).allTextContents()).toContain('$.format');
    await page.keyboard.press('Escape');
    await page.locator(s.tid('flows-empty')).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });

  test('a .json file dropped anywhere on the flow list is imported', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('btn-import')).waitFor();
    const good = { ...brokenFlow, id: 'dropped-flow', name: 'Dropped flow', nodes: [brokenFlow.nodes[0]], edges: [] };
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
      const target = document.querySelector('main')!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, JSON.stringify(good));
    await page.waitForURL(/\/flows\/dropped-flow$/);
    await page.locator(s.tid('flow-title')).filter({ hasText: 'Dropped flow' }).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
