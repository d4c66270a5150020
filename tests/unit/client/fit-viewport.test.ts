import { describe, expect, test } from 'vitest';
import { boundsOf, fitAround, fitIn, type Box, type FitLimits, type Viewport } from '../../../client/canvas/fit-viewport.ts';

const LIMITS: FitLimits = { minZoom: 0.86, maxZoom: 1.1, padding: 36, minPadding: 6 };
const CANVAS: Box = { x: 0, y: 0, width: 1372, height: 490 };
/** As the studio draws them: the minimap at the top right, the zoom buttons at the bottom left. */
const MINIMAP: Box = { x: 1372 - 15 - 168, y: 15, width: 168, height: 112 };
const CONTROLS: Box = { x: 15, y: 490 - 15 - 90, width: 26, height: 90 };

const card = (x: number, y: number): Box => ({ x, y, width: 250, height: 92 });
const onScreen = (c: Box, v: Viewport): Box => ({ x: c.x * v.zoom + v.x, y: c.y * v.zoom + v.y, width: c.width * v.zoom, height: c.height * v.zoom });
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/** The website check's run: five cards, one at the flow's top right corner. */
const WEBSITE_CHECK = [card(0, 180), card(290, 180), card(580, 90), card(860, 90), card(580, 310)];

describe('fit view around what the canvas draws over the flow', () => {
  test('no card under the minimap or the zoom buttons, every card in the canvas, still legible', () => {
    const v = fitAround(WEBSITE_CHECK, CANVAS, [MINIMAP, CONTROLS], LIMITS);
    for (const c of WEBSITE_CHECK) {
      const s = onScreen(c, v);
      expect(overlaps(s, MINIMAP), 'under the minimap').toBe(false);
      expect(overlaps(s, CONTROLS), 'under the zoom buttons').toBe(false);
      expect(inside(s, CANVAS), 'in the canvas').toBe(true);
    }
    expect(v.zoom).toBeGreaterThanOrEqual(LIMITS.minZoom);
  });

  test('a flow the overlays do not touch is fitted as before: centred, as large as the canvas allows', () => {
    const small = [card(0, 0), card(300, 0)];
    const v = fitAround(small, CANVAS, [MINIMAP, CONTROLS], LIMITS);
    expect(v.zoom).toBe(LIMITS.maxZoom);
    const a = onScreen(small[0], v);
    const b = onScreen(small[1], v);
    expect((a.x + b.x + b.width) / 2).toBeCloseTo(CANVAS.width / 2);
    expect(fitAround(small, CANVAS, [], LIMITS)).toEqual(v);
  });

  test('a flow too big to fit legibly starts at its top left, below or beside an overlay there', () => {
    const label: Box = { x: 12, y: 12, width: 250, height: 40 };
    const big = Array.from({ length: 12 }, (_, i) => card(i * 300, (i % 5) * 130));
    const v = fitAround(big, CANVAS, [label], LIMITS);
    expect(v.zoom).toBe(LIMITS.minZoom);
    for (const c of big) expect(overlaps(onScreen(c, v), label)).toBe(false);
    // Its first card in view (beside the label or below it), not pushed off the canvas.
    expect(inside(onScreen(big[0], v), CANVAS)).toBe(true);
  });

  test('a flow too big to fit is not pushed off the canvas to clear a corner (the order totals run at 1280 × 720)', () => {
    // As measured in Chromium: the canvas 1280 × 324 under the run panel, the cards at zoom 0.86.
    const canvas: Box = { x: 0, y: 0, width: 1280, height: 324 };
    const overlays: Box[] = [{ x: 1097, y: 15, width: 168, height: 112 }, { x: 15, y: 231, width: 26, height: 78 }, { x: 12, y: 12, width: 255, height: 24 }];
    const screen = [[281, 279, 73], [505, 279, 122], [728, 210, 73], [952, 210, 73], [1175, 210, 73], [1399, 210, 122], [1623, 141, 73], [1623, 279, 73], [728, 382, 73]];
    const cards = screen.map(([x, y, h]) => ({ x: (x - 229) / 0.86, y: (y - 107) / 0.86, width: 232, height: h / 0.86 }));
    const whole = (v: Viewport) => cards.filter((c) => inside(onScreen(c, v), canvas) && !overlays.some((o) => overlaps(onScreen(c, v), o))).length;
    const v = fitAround(cards, canvas, overlays, LIMITS);
    const plain = fitIn(boundsOf(cards), canvas, LIMITS);
    expect(whole(v)).toBeGreaterThanOrEqual(whole(plain));
    // The bottom row (the "Empty order" card) stays in view.
    expect(inside(onScreen(cards[8], v), canvas)).toBe(true);
  });

  test('nothing to fit: the identity viewport', () => {
    expect(fitAround([], CANVAS, [MINIMAP], LIMITS)).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});
