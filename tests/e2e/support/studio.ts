import type { Locator, Page } from 'playwright-core';

/** Small, stable steps of a person using the studio (by data-testid). */

export const tid = (id: string) => `[data-testid="${id}"]`;

export async function createFlow(page: Page, baseUrl: string, name: string): Promise<string> {
  await page.goto(baseUrl + '/');
  await page.locator(tid('btn-new-flow')).click();
  await page.locator(tid('prompt-input')).fill(name);
  await page.locator(tid('btn-prompt-ok')).click();
  await page.waitForURL(/\/flows\/[^/]+$/);
  await page.locator(tid('editor')).waitFor();
  await page.locator('.react-flow__node').first().waitFor();
  await waitForCanvas(page);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

/** The canvas has measured its nodes and made its first fit (so the viewport stops moving). */
export async function waitForCanvas(page: Page) {
  await page.locator(`${tid('canvas')}[data-fitted="true"]`).waitFor();
}

export async function nodeIds(page: Page): Promise<string[]> {
  return page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
}

export async function canvasBox(page: Page) {
  const box = await page.locator(tid('canvas')).boundingBox();
  if (!box) throw new Error('The canvas is not visible.');
  return box;
}

/** Drags a palette item onto the canvas (HTML5 drag and drop) at a point relative to the canvas; returns the new node's id. */
export async function dropNode(page: Page, type: string, at: { x: number; y: number }): Promise<string> {
  const before = new Set(await nodeIds(page));
  await page.locator(tid(`palette-${type}`)).dragTo(page.locator(tid('canvas')), { targetPosition: at });
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length > n, before.size);
  const after = await nodeIds(page);
  const added = after.filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`Expected one new node after dropping ${type}, got ${added.length}.`);
  return added[0];
}

async function center(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error('Element not visible');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Drags a node by its title to a point relative to the canvas. */
export async function moveNode(page: Page, nodeId: string, to: { x: number; y: number }) {
  const c = await center(page.locator(`${tid(`node-${nodeId}`)} ${tid('node-title')}`));
  const box = await canvasBox(page);
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  await page.mouse.move(box.x + to.x, box.y + to.y, { steps: 12 });
  await page.mouse.up();
}

/**
 * Drags from an output port into empty canvas (a point relative to the canvas), types `search` into
 * the node picker that opens there and takes the first match with Enter; returns the new node's id.
 */
export async function pickNode(page: Page, source: string, port: string, at: { x: number; y: number }, search: string): Promise<string> {
  const before = new Set(await nodeIds(page));
  const from = await center(page.locator(tid(`handle-${source}-out-${port}`)));
  const box = await canvasBox(page);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + box.x + at.x) / 2, (from.y + box.y + at.y) / 2, { steps: 6 });
  await page.mouse.move(box.x + at.x, box.y + at.y, { steps: 6 });
  await page.mouse.up();
  await page.locator(tid('node-picker')).waitFor();
  await page.keyboard.type(search);
  await page.keyboard.press('Enter');
  await page.locator(tid('node-picker')).waitFor({ state: 'detached' });
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length > n, before.size);
  const added = (await nodeIds(page)).filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`Expected one new node from the picker (${search}), got ${added.length}.`);
  return added[0];
}

/** Drags from an output port handle to another node's input handle, like a person would. */
export async function connect(page: Page, source: string, port: string, target: string, targetPort = 'in') {
  const from = await center(page.locator(tid(`handle-${source}-out-${port}`)));
  const to = await center(page.locator(tid(`handle-${target}-in-${targetPort}`)));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

export async function edgeCount(page: Page): Promise<number> {
  return page.locator('.react-flow__edge').count();
}

/** Waits until the canvas draws exactly `n` edges (an edge appears once both its nodes are measured). */
export async function waitForEdges(page: Page, n: number) {
  await page.waitForFunction((k) => document.querySelectorAll('.react-flow__edge').length === k, n);
}

export async function waitForNodes(page: Page, n: number) {
  await page.waitForFunction((k) => document.querySelectorAll('.react-flow__node').length === k, n);
}

export async function selectNode(page: Page, nodeId: string) {
  await page.locator(`${tid(`node-${nodeId}`)} ${tid('node-title')}`).click();
  await page.locator(`${tid('node-inspector')}[data-node-id="${nodeId}"]`).waitFor();
}

export async function fillField(page: Page, path: string, value: string) {
  const f = page.locator(`${tid('inspector')} ${tid(`field-${path}`)}`);
  await f.fill(value);
}

/** A field's value: an input's value, or the text of an expression/template editor (CodeMirror). */
export async function fieldValue(page: Page, path: string): Promise<string> {
  return page.locator(`${tid('inspector')} ${tid(`field-${path}`)}`).evaluate((el) => {
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return el.value;
    return [...el.querySelectorAll('.cm-line')]
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('.cm-placeholder').forEach((p) => p.remove());
        return copy.textContent ?? '';
      })
      .join('\n');
  });
}

export async function selectField(page: Page, path: string, value: string) {
  await page.locator(`${tid('inspector')} ${tid(`field-${path}`)}`).selectOption(value);
}

export async function save(page: Page) {
  await page.locator(tid('btn-save')).click();
  await page.locator(`${tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
}

/** Opens the run dialog, gives the input and starts the run; returns the run id. */
export async function startRun(page: Page, input?: string): Promise<string> {
  await page.locator(tid('btn-run')).click();
  await page.locator(tid('run-dialog')).waitFor();
  if (input !== undefined) await page.locator(tid('run-input')).fill(input);
  await page.locator(tid('btn-start-run')).click();
  await page.locator(tid('run-panel')).waitFor();
  return (await page.locator(tid('run-panel')).getAttribute('data-run-id'))!;
}

export async function runStatus(page: Page): Promise<string | null> {
  return page.locator(tid('run-status')).getAttribute('data-status');
}

export async function waitForRunStatus(page: Page, status: string | string[], timeout = 60_000) {
  const want = Array.isArray(status) ? status : [status];
  await page.waitForFunction(
    (w) => w.includes(document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') ?? ''),
    want,
    { timeout },
  );
}

export async function counter(page: Page, nodeId: string, kind: 'success' | 'failed' | 'review' | 'inProgress'): Promise<number> {
  return Number(await page.locator(tid(`counter-${nodeId}-${kind}`)).first().textContent());
}

export async function count(page: Page, key: string): Promise<number> {
  return Number((await page.locator(tid(`count-${key}`)).textContent())?.replace(/[^0-9]/g, ''));
}

export function records(n: number, make: (i: number) => Record<string, unknown> = (i) => ({ n: i })): string {
  return JSON.stringify(Array.from({ length: n }, (_, i) => make(i + 1)));
}

/** A box on the screen (CSS pixels), with the element's data-id when it has one. */
export type Rect = { id: string; x: number; y: number; width: number; height: number };

/** The screen boxes of every element `selector` matches. */
export async function rectsOf(page: Page, selector: string): Promise<Rect[]> {
  return page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { id: e.getAttribute('data-id') ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
}

/** Whether two boxes share any area (touching edges do not). */
export const overlap = (a: Omit<Rect, 'id'>, b: Omit<Rect, 'id'>) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
