import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, type CatalogEntry, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

/** A flow file written by hand (or by an older studio): its steps leave their params out, so they run with the defaults. */
const handWritten = {
  format: 'conveyor.flow/v1',
  id: 'hand-written',
  name: 'Hand written',
  nodes: [
    { id: 'start', type: 'core.manual-trigger', position: { x: 0, y: 200 } },
    { id: 'fill', type: 'browser.fill', position: { x: 320, y: 200 } },
    { id: 'call', type: 'core.http-request', position: { x: 640, y: 200 } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'fill' },
    { id: 'e2', source: 'fill', target: 'call' },
  ],
};

/** Imports a flow file and opens it in the editor. */
async function openImported(file: object) {
  const entry = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import', file);
  const page = await studio.page();
  await page.goto(`${studio.url}/flows/${entry.id}`);
  await s.waitForCanvas(page);
  return { entry, page };
}

describe('the inspector tells the truth and keeps what is typed', () => {
  test('lists and templates show the defaults the step runs with; selects offer no empty choice that snaps back; a duplicate gets a name of its own', async () => {
    const catalog = await api<CatalogEntry[]>(studio.url, 'GET', '/api/node-types');
    const fill = catalog.find((c) => c.type === 'browser.fill')!.defaults as { selectors: string[]; value: string };
    const { entry, page } = await openImported(handWritten);

    // The selector list and the value are the defaults (not "No field yet." and "Add at least 1.").
    await s.selectNode(page, 'fill');
    const inspector = page.locator(s.tid('inspector'));
    for (const [i, selector] of fill.selectors.entries()) expect(await s.fieldValue(page, `selectors.${i}`)).toBe(selector);
    expect(await s.fieldValue(page, 'value')).toBe(fill.value);
    await expect(inspector.textContent()).resolves.not.toContain('Add at least 1.');
    // Showing them is no change to the flow.
    expect(await page.locator(s.tid('dirty-indicator')).getAttribute('data-dirty')).toBe('false');

    // Editing one selector keeps the others the step had.
    await s.fillField(page, 'selectors.0', '#mail');
    await s.save(page);
    const saved = await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`);
    expect(saved.flow.nodes.find((n) => n.id === 'fill')!.params.selectors).toEqual(['#mail', ...fill.selectors.slice(1)]);

    // A select whose param has a default: no "—" that would only jump back to it.
    await s.selectNode(page, 'call');
    const method = inspector.locator(s.tid('field-method'));
    expect(await method.inputValue()).toBe('GET');
    expect(await method.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

    // Ctrl+D: the copy is "HTTP request 2", not a second "HTTP request" in the log and the report.
    await page.locator(`${s.tid('node-call')} ${s.tid('node-title')}`).click();
    await page.keyboard.press('Control+d');
    await s.waitForNodes(page, 4);
    const titles = await page.locator(`.react-flow__node ${s.tid('node-title')}`).allTextContents();
    expect(titles.filter((t) => t.startsWith('HTTP request')).sort()).toEqual(['HTTP request', 'HTTP request 2']);
    // Ctrl+D on the trigger alone: said why nothing was added.
    await page.locator(`${s.tid('node-start')} ${s.tid('node-title')}`).click();
    await page.keyboard.press('Control+d');
    await page.locator(s.tid('toast')).filter({ hasText: 'Trigger not duplicated' }).waitFor();
    await page.keyboard.press('d');
    await page.locator(s.tid('toast')).filter({ hasText: 'A trigger cannot be disabled' }).waitFor();
    await s.waitForNodes(page, 4);
    await s.selectNode(page, (await s.nodeIds(page)).find((id) => !['start', 'fill', 'call'].includes(id))!);
    // Renamed back to a name another step has: the inspector says so (and the name is kept as typed).
    expect(await page.locator(s.tid('node-name-taken')).count()).toBe(0);
    await page.locator(s.tid('field-node-name')).fill('http request');
    await page.locator(s.tid('node-name-taken')).waitFor();
    await page.locator(s.tid('field-node-name')).fill('HTTP request 3');
    await page.locator(s.tid('node-name-taken')).waitFor({ state: 'detached' });
    expect(studio.pageErrors).toEqual([]);
  });

  test('a save refused for a step policy names the step and says the limit in words', async () => {
    const { entry, page } = await openImported({ ...handWritten, id: 'refused-save' });
    await s.selectNode(page, 'call');
    await page.locator(s.tid('field-node-name')).fill('Post the lead');
    await page.locator(s.tid('step-policy-toggle')).click();
    await page.locator(s.tid('btn-add-policy.requiredInputs')).click(); // a row left empty
    await page.locator(s.tid('btn-save')).click();
    const dialog = page.locator(s.tid('save-error'));
    await dialog.waitFor();
    const problem = dialog.locator(s.tid('problem')).first();
    expect(await problem.locator(s.tid('problem-step')).textContent()).toBe('Step “Post the lead”');
    expect(await problem.locator(s.tid('problem-path')).textContent()).toBe('$.nodes[2].policy.requiredInputs[0]');
    expect(await problem.locator(s.tid('problem-message')).textContent()).toBe('"requiredInputs[0]" must not be empty: change its value.');
    expect(studio.pageErrors).toEqual([]);
  });

  test('a pasted name longer than a name may be is kept and said in red, and the save is refused naming the field (it was cut at 200 characters without a word)', async () => {
    const { entry, page } = await openImported({ ...handWritten, id: 'long-name' });
    await s.selectNode(page, 'call');
    const long = `Post the lead ${'x'.repeat(236)}`;
    const field = page.locator(s.tid('field-node-name'));
    await field.fill(long);
    expect(await field.inputValue()).toBe(long);
    expect(await page.locator(s.tid('node-name-too-long')).textContent()).toBe('At most 200 characters: this name has 250. Shorten it to save.');
    await page.locator(s.tid('btn-save')).click();
    const dialog = page.locator(s.tid('save-error'));
    await dialog.waitFor();
    expect(await dialog.locator(s.tid('problem-message')).first().textContent()).toBe('"name" must be at most 200 characters.');
    await dialog.getByRole('button', { name: 'OK' }).click();
    await field.fill('Post the lead');
    await page.locator(s.tid('node-name-too-long')).waitFor({ state: 'detached' });
    await s.save(page);
    expect((await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`)).flow.nodes.find((n) => n.id === 'call')?.name).toBe('Post the lead');
    expect(studio.pageErrors).toEqual([]);
  });

  test("typing over a switch rule's port name keeps the rule's wire (it followed the old name out of the flow)", async () => {
    const file = JSON.parse(readFileSync(new URL('../../flows/route-by-country.json', import.meta.url), 'utf8'));
    const { entry, page } = await openImported(file);
    await s.waitForEdges(page, 4);
    await s.selectNode(page, 'route');
    const port = page.locator(`${s.tid('inspector')} ${s.tid('field-rules.0.port')}`);
    expect(await port.inputValue()).toBe('fr');
    await port.press('End');
    await port.pressSequentially('ance');
    // The wire is drawn again once the renamed handle is measured (a frame or two later under load).
    await s.waitForEdges(page, 4);
    // Erased key by key (the port is gone for a moment), then a new name: the wire is back on it.
    for (let i = 0; i < 'france'.length; i++) await port.press('Backspace');
    expect(await port.inputValue()).toBe('');
    await port.pressSequentially('paris');
    await s.waitForEdges(page, 4);
    for (let i = 0; i < 'paris'.length; i++) await port.press('Backspace');
    await port.pressSequentially('france');
    await s.waitForEdges(page, 4);
    await s.save(page);
    const saved = await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`);
    expect((saved.flow.edges as Array<{ source: string; sourcePort: string; target: string }>).filter((e) => e.source === 'route').map((e) => `${e.sourcePort}→${e.target}`).sort()).toEqual(['default→other', 'de→de', 'france→fr']);
    expect(studio.pageErrors).toEqual([]);
  });

  test('a concurrency out of range is shown in red and refused on save, not saved as the number typed before it (300 → 30)', async () => {
    const { entry, page } = await openImported({ ...handWritten, id: 'concurrency' });
    const field = page.locator(`${s.tid('inspector')} ${s.tid('field-settings.concurrency')}`);
    await field.fill('');
    await field.pressSequentially('300');
    await expect(page.locator(`${s.tid('run-settings')} .text-rose-600`).textContent()).resolves.toBe('At most 256.');
    await page.locator(s.tid('btn-save')).click();
    const dialog = page.locator(s.tid('save-error'));
    await dialog.waitFor();
    expect(await dialog.locator(s.tid('problem-path')).allTextContents()).toEqual(['$.settings.concurrency']);
    expect(await dialog.locator(s.tid('problem-message')).textContent()).toBe('"concurrency" must be at most 256.');
    await dialog.getByRole('button', { name: 'OK' }).click();
    expect((await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`)).flow.settings).toEqual({ concurrency: 4 });
    await field.fill('8');
    await s.save(page);
    expect((await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`)).flow.settings).toEqual({ concurrency: 8 });
    expect(studio.pageErrors).toEqual([]);
  });

  test('nodes copied in one flow and pasted into another land in view on free canvas, with their wire', async () => {
    const far = (id: string, x: number) => ({ id, type: 'core.set-fields', name: id === 'a1' ? 'Tag lead' : 'Tag again', position: { x, y: 1400 }, params: {} });
    const from = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import', {
      ...handWritten,
      id: 'paste-from',
      nodes: [handWritten.nodes[0], far('a1', 2600), far('a2', 2900)],
      edges: [{ id: 'e1', source: 'start', target: 'a1' }, { id: 'e2', source: 'a1', target: 'a2' }],
    });
    const into = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import', { ...handWritten, id: 'paste-into' });
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${from.id}`);
    await s.waitForCanvas(page);
    // All of it, the trigger too: the trigger is not pasted (the other flow has one), nor counted where the copies go.
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    // Into the other flow through the app (the clipboard is the page's own).
    await page.locator(s.tid('nav-flows')).click();
    await page.locator(`${s.tid(`flow-row-${into.id}`)} ${s.tid('flow-open')}`).click();
    await page.waitForURL(new RegExp(`/flows/${into.id}$`));
    await s.waitForCanvas(page);
    const before = await s.nodeIds(page);
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+v');
    await s.waitForNodes(page, before.length + 2);
    await s.waitForEdges(page, handWritten.edges.length + 1);
    await page.waitForTimeout(400); // the canvas scrolls to them when needed
    const canvas = await s.canvasBox(page);
    const rects = await s.rectsOf(page, '.react-flow__node');
    const pasted = rects.filter((r) => !before.includes(r.id));
    const others = rects.filter((r) => before.includes(r.id));
    expect(pasted).toHaveLength(2);
    for (const r of pasted) {
      expect(r.x >= canvas.x && r.y >= canvas.y && r.x + r.width <= canvas.x + canvas.width && r.y + r.height <= canvas.y + canvas.height).toBe(true);
      for (const o of others) expect(s.overlap(r, o)).toBe(false);
    }
    expect(studio.pageErrors).toEqual([]);
  });

  test('Ctrl+Z right after choosing in a select undoes the choice (the select kept the focus and the key did nothing)', async () => {
    const { entry, page } = await openImported({ ...handWritten, id: 'undo-select' });
    await s.selectNode(page, 'call');
    const method = page.locator(`${s.tid('inspector')} ${s.tid('field-method')}`);
    await method.selectOption('POST');
    await method.focus();
    await page.keyboard.press('Control+z');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    expect(await method.inputValue()).toBe('GET');
    await page.keyboard.press('Control+Shift+z');
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="true"]`).waitFor();
    expect(await method.inputValue()).toBe('POST');
    // A text field keeps its own undo: Ctrl+Z there undoes the typing only.
    await s.fillField(page, 'expectStatus', '200');
    await page.locator(`${s.tid('inspector')} ${s.tid('field-expectStatus')}`).press('Control+z');
    expect(await method.inputValue()).toBe('POST');
    expect(studio.pageErrors).toEqual([]);
  });

  test('an import refused for a step names the step, from the file (the flow list)', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    const file = { ...handWritten, id: 'refused-import', nodes: [...handWritten.nodes, { id: 'pause', type: 'core.delay', name: 'Wait a bit', position: { x: 960, y: 200 }, params: {}, policy: { timeoutMs: 0 } }] };
    await page.locator(s.tid('import-file')).setInputFiles({ name: 'refused.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    const dialog = page.locator(s.tid('import-error'));
    await dialog.waitFor();
    const problem = dialog.locator(s.tid('problem')).filter({ hasText: '$.nodes[3].policy.timeoutMs' });
    expect(await problem.locator(s.tid('problem-step')).textContent()).toBe('Step “Wait a bit”');
    expect(await problem.locator(s.tid('problem-message')).textContent()).toBe('"timeoutMs" must be at least 1: change its value.');
    expect(studio.pageErrors).toEqual([]);
  });

  test('Ctrl+A selects the sticky notes with the nodes: Delete clears both, one undo brings both back', async () => {
    const note = { id: 'why', position: { x: 300, y: 40 }, size: { width: 220, height: 100 }, text: 'Fills the signup form' };
    const { page } = await openImported({ ...handWritten, id: 'select-all', notes: [note] });
    await s.waitForNodes(page, 4);
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+a');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node.selected').length === 4);
    expect(await page.locator('.react-flow__node-note.selected').count()).toBe(1);
    await page.keyboard.press('Delete');
    await s.waitForNodes(page, 0);
    await page.keyboard.press('Control+z');
    await s.waitForNodes(page, 4);
    expect(studio.pageErrors).toEqual([]);
  });

  test('Escape on a refusal shown over the run dialog closes the refusal only: the records typed there stay', async () => {
    const { page } = await openImported({ ...handWritten, id: 'escape-top', settings: { concurrency: 2 } });
    await page.locator(`${s.tid('inspector')} ${s.tid('field-settings.concurrency')}`).fill('0');
    await page.locator(s.tid('btn-run')).click();
    await page.locator(s.tid('run-dialog')).waitFor();
    await page.locator(s.tid('run-input')).fill('[{ "email": "ada@example.com" }]');
    await page.locator(s.tid('btn-start-run')).click(); // saves first: refused
    await page.locator(s.tid('save-error')).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(s.tid('save-error')).waitFor({ state: 'detached' });
    expect(await page.locator(s.tid('run-input')).inputValue()).toBe('[{ "email": "ada@example.com" }]');
    await page.keyboard.press('Escape');
    await page.locator(s.tid('run-dialog')).waitFor({ state: 'detached' });
    expect(studio.pageErrors).toEqual([]);
  });

  test("in a list's rows a field's help shows while it has the focus (what the error rule's Then: stop does)", async () => {
    const { page } = await openImported({ ...handWritten, id: 'row-help' });
    await s.selectNode(page, 'call');
    await page.locator(s.tid('step-policy-toggle')).click();
    await page.locator(s.tid('btn-add-policy.errorMap')).click();
    const help = page.locator(`${s.tid('inspector')} ${s.tid('help-policy.errorMap.0.action')}`);
    expect(await help.isVisible()).toBe(false);
    await page.locator(`${s.tid('inspector')} ${s.tid('field-policy.errorMap.0.action')}`).focus();
    await help.waitFor({ state: 'visible' });
    expect(await help.textContent()).toContain('stop: safe-stop the whole run');
    expect(studio.pageErrors).toEqual([]);
  });
});
