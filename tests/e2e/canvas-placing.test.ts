import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const { rectsOf, overlap } = s;
type Rect = s.Rect;

async function open(page: Page, id: string) {
  await page.goto(`${studio.url}/flows/${encodeURIComponent(id)}`);
  await page.locator(s.tid('editor')).waitFor();
  await s.waitForCanvas(page);
}

type Edge = { source: string; sourcePort: string; target: string; targetPort: string };

async function savedFlow(id: string) {
  const flow = (await api<FlowEntry>(studio.url, 'GET', `/api/flows/${encodeURIComponent(id)}`)).flow;
  return { nodes: flow.nodes, edges: flow.edges as Edge[] };
}

describe('placing nodes', () => {
  test('double-clicked nodes land in free space next to the last one or the selection, never on a node or under the minimap', async () => {
    const page = await studio.page();
    await s.createFlow(page, studio.url, 'Free space');
    const trigger = (await s.nodeIds(page))[0];
    for (let i = 0; i < 4; i++) {
      await page.locator(s.tid('palette-core.set-fields')).dblclick();
      await s.waitForNodes(page, 2 + i);
      await page.waitForTimeout(250);
    }
    const nodes = await rectsOf(page, '.react-flow__node-conveyor');
    expect(nodes).toHaveLength(5);
    for (const a of nodes) for (const b of nodes) if (a !== b) expect(overlap(a, b), `${a.id} on ${b.id}`).toBe(false);
    const minimap = (await rectsOf(page, '.react-flow__minimap'))[0];
    const controls = (await rectsOf(page, '.react-flow__controls'))[0];
    const canvas = await s.canvasBox(page);
    for (const n of nodes) {
      expect(overlap(n, minimap), `${n.id} under the minimap`).toBe(false);
      expect(overlap(n, controls), `${n.id} under the zoom buttons`).toBe(false);
      expect(n.x >= canvas.x && n.x + n.width <= canvas.x + canvas.width && n.y >= canvas.y && n.y + n.height <= canvas.y + canvas.height, `${n.id} in view`).toBe(true);
    }
    // Each next to the node added before it (the first next to the trigger, the flow's last node).
    const added = nodes.filter((n) => n.id !== trigger);
    const centre = (r: Rect) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
    let previous = nodes.find((n) => n.id === trigger)!;
    for (const n of added) {
      const a = centre(previous);
      const b = centre(n);
      expect(Math.hypot(a.x - b.x, a.y - b.y), `${n.id} next to ${previous.id}`).toBeLessThan(1.6 * n.width);
      previous = n;
    }
    // The first goes right of the trigger, the way a flow reads.
    expect(added[0].x).toBeGreaterThan(nodes.find((n) => n.id === trigger)!.x + 100);

    // With a node selected, the new one goes next to it.
    await s.selectNode(page, trigger);
    await page.locator(s.tid('palette-core.if')).dblclick();
    await s.waitForNodes(page, 6);
    const after = await rectsOf(page, '.react-flow__node-conveyor');
    const gate = after.find((n) => !nodes.some((o) => o.id === n.id))!;
    const t = after.find((n) => n.id === trigger)!;
    expect(Math.hypot(gate.x - t.x, gate.y - t.y)).toBeLessThan(3 * t.width);
    for (const o of after) if (o !== gate) expect(overlap(gate, o), `new node on ${o.id}`).toBe(false);
    expect(studio.pageErrors).toEqual([]);
  });

  test('a node dropped on a wire goes in between: both connections rewired', async () => {
    const entry = await createFlowViaApi(studio.url, 'Insert', [{ id: 'last', type: 'core.set-fields', x: 900, y: 200 }], [['trigger', 'out', 'last']]);
    const trigger = entry.flow.nodes[0].id;
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForEdges(page, 1);
    // The middle of the wire, on screen.
    const mid = await page.locator('.react-flow__edge-path').first().evaluate((el) => {
      const path = el as SVGPathElement;
      const p = path.getPointAtLength(path.getTotalLength() / 2);
      const m = path.getScreenCTM()!;
      return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
    });
    const box = await s.canvasBox(page);
    const added = await s.dropNode(page, 'core.delay', { x: mid.x - box.x, y: mid.y - box.y });
    await s.waitForEdges(page, 2);
    await s.save(page);
    const edges = (await savedFlow(entry.id)).edges.map((e) => `${e.source}:${e.sourcePort}>${e.target}:${e.targetPort}`).sort();
    expect(edges).toEqual([`${added}:out>last:in`, `${trigger}:out>${added}:in`].sort());
    // One undo puts the wire back as it was.
    await page.keyboard.press('Control+z');
    await s.waitForNodes(page, 2);
    await s.waitForEdges(page, 1);

    // Dropped away from any wire: just added, nothing rewired.
    await s.dropNode(page, 'core.delay', { x: 60, y: box.height - 60 });
    await page.waitForTimeout(200);
    expect(await s.edgeCount(page)).toBe(1);
  });

  test('dragging an output into empty canvas opens a searchable picker that adds and connects the node (arrows, Enter, Escape)', async () => {
    const entry = await createFlowViaApi(studio.url, 'Picker', [{ id: 'shape', type: 'core.set-fields', x: 350, y: 200 }], [['trigger', 'out', 'shape']]);
    const page = await studio.page();
    await open(page, entry.id);
    await s.waitForEdges(page, 1);
    const dragOut = async () => {
      const h = (await page.locator(s.tid('handle-shape-out-out')).boundingBox())!;
      await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
      await page.mouse.down();
      await page.mouse.move(h.x + 150, h.y + 60, { steps: 6 });
      await page.mouse.move(h.x + 300, h.y + 120, { steps: 6 });
      await page.mouse.up();
      await page.locator(s.tid('node-picker')).waitFor();
    };

    // Escape closes it, nothing added.
    await dragOut();
    await page.keyboard.press('Escape');
    await page.locator(s.tid('node-picker')).waitFor({ state: 'detached' });
    await s.waitForNodes(page, 2);

    await dragOut();
    // Triggers take no input: not offered.
    expect(await page.locator(s.tid('picker-core.manual-trigger')).count()).toBe(0);
    await page.keyboard.type('end');
    const options = page.locator(`${s.tid('node-picker')} [role="option"]`);
    const count = await options.count();
    expect(count).toBeGreaterThan(0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const chosen = (await page.locator(`${s.tid('node-picker')} [data-active="true"]`).getAttribute('data-testid'))!.replace('picker-', '');
    await page.keyboard.press('Enter');
    await page.locator(s.tid('node-picker')).waitFor({ state: 'detached' });
    await s.waitForNodes(page, 3);
    await s.waitForEdges(page, 2);
    await s.save(page);
    const flow = await savedFlow(entry.id);
    const node = flow.nodes.find((n) => n.type === chosen)!;
    expect(node).toBeTruthy();
    expect(flow.edges.some((e) => e.source === 'shape' && e.sourcePort === 'out' && e.target === node.id)).toBe(true);
    expect(studio.pageErrors).toEqual([]);
  });

  test('keyboard: Tab reaches the palette, arrows move in the list, Enter adds', async () => {
    const page = await studio.page();
    await s.createFlow(page, studio.url, 'Keyboard');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'palette-search');
    }
    expect(reached).toBe(true);

    // Enter in the search adds the first match.
    await page.keyboard.type('set fields');
    await page.keyboard.press('Enter');
    await s.waitForNodes(page, 2);
    expect(await page.locator('.react-flow__node[data-id] [data-node-type="core.set-fields"]').count()).toBe(1);

    // Down into the list, move with the arrows, Enter adds the focused one.
    // (Steps only: the flow already has its trigger.)
    await page.locator(s.tid('palette-search')).fill('Data');
    await page.locator(s.tid('palette-search')).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    expect(focused).toMatch(/^palette-/);
    const type = focused!.replace('palette-', '');
    const second = await page.locator('[data-testid="palette"] [role="option"]').nth(1).getAttribute('data-testid');
    expect(focused).toBe(second);
    await page.keyboard.press('Enter');
    await s.waitForNodes(page, 3);
    expect(await page.locator(`.react-flow__node [data-node-type="${type}"]`).count()).toBeGreaterThanOrEqual(1);
    expect(studio.pageErrors).toEqual([]);
  });
});
