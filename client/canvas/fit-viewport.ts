/**
 * Where the canvas's fit view puts the flow — pure: boxes in, a viewport out. The whole flow when it
 * fits at a zoom where titles stay legible; a bigger flow from its start (top left) at that zoom.
 * Then no card under what the canvas draws over it (the minimap at the top right, the zoom buttons,
 * the read-only label): the same fit in the canvas less the strip the overlay stands in, when that
 * shows more cards whole (`fitAround`). A run view fitted the flow to the whole width and the minimap
 * hid the card at its top right ("Up" on the website check's run).
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

export interface FitLimits {
  /** The smallest zoom a whole flow is fitted at (a bigger one is shown from its start). */
  minZoom: number;
  maxZoom: number;
  /** Screen pixels kept free around the flow, and the thinner margin tried when that misses. */
  padding: number;
  minPadding: number;
}

/** What the canvas draws over the flow: no card is fitted, nor a new one placed (placement.ts), under them. */
export const CANVAS_OVERLAYS = ['.react-flow__minimap', '.react-flow__controls', '[data-testid="canvas-overlay"]'];

/** Screen pixels between an overlay and the cards fitted beside it. */
const OVERLAY_GAP = 8;

/** The fit of `bounds` (flow coordinates) in `area` (screen pixels, the canvas's own coordinates). */
export function fitIn(bounds: Box, area: Box, limits: FitLimits): Viewport {
  let pad = limits.padding;
  let room = { w: 1, h: 1 };
  let zoom = limits.minZoom;
  // A flow that misses fitting by less than the margin gets a thinner margin rather than a cut edge.
  for (const p of [limits.padding, limits.minPadding]) {
    pad = p;
    room = { w: Math.max(area.width - 2 * pad, 1), h: Math.max(area.height - 2 * pad, 1) };
    zoom = Math.max(limits.minZoom, Math.min(limits.maxZoom, room.w / Math.max(bounds.width, 1), room.h / Math.max(bounds.height, 1)));
    if (bounds.width * zoom <= room.w && bounds.height * zoom <= room.h) break;
  }
  const fitsX = bounds.width * zoom <= room.w;
  const fitsY = bounds.height * zoom <= room.h;
  const x = fitsX ? area.x + area.width / 2 - (bounds.x + bounds.width / 2) * zoom : area.x + pad - bounds.x * zoom;
  const y = fitsY ? area.y + area.height / 2 - (bounds.y + bounds.height / 2) * zoom : area.y + pad - bounds.y * zoom;
  return { x, y, zoom };
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const onScreen = (c: Box, v: Viewport): Box => ({ x: c.x * v.zoom + v.x, y: c.y * v.zoom + v.y, width: c.width * v.zoom, height: c.height * v.zoom });

/** Cards drawn under an overlay at `v`, and cards seen whole: in the canvas and under none. */
function score(cards: Box[], canvas: Box, overlays: Box[], v: Viewport): { covered: number; whole: number } {
  let covered = 0;
  let whole = 0;
  for (const c of cards) {
    const s = onScreen(c, v);
    const under = overlays.some((o) => overlaps(s, o));
    if (under) covered++;
    else if (s.x >= canvas.x && s.y >= canvas.y && s.x + s.width <= canvas.x + canvas.width && s.y + s.height <= canvas.y + canvas.height) whole++;
  }
  return { covered, whole };
}

/** The canvas less the strip an overlay stands in: beside it (left or right) and above or below it. */
function around(canvas: Box, o: Box): Box[] {
  const right = canvas.x + canvas.width;
  const bottom = canvas.y + canvas.height;
  const out: Box[] = [];
  if (o.x + o.width / 2 > canvas.x + canvas.width / 2) out.push({ ...canvas, width: o.x - OVERLAY_GAP - canvas.x });
  else out.push({ ...canvas, x: o.x + o.width + OVERLAY_GAP, width: right - (o.x + o.width + OVERLAY_GAP) });
  if (o.y + o.height / 2 > canvas.y + canvas.height / 2) out.push({ ...canvas, height: o.y - OVERLAY_GAP - canvas.y });
  else out.push({ ...canvas, y: o.y + o.height + OVERLAY_GAP, height: bottom - (o.y + o.height + OVERLAY_GAP) });
  return out.filter((a) => a.width > 0 && a.height > 0);
}

/**
 * The fit view of `cards` (flow coordinates) in `canvas` with `overlays` drawn over it (screen
 * pixels, the canvas's own coordinates): the plain fit when it covers no card with an overlay;
 * otherwise, of the plain fit and the fits beside or above/below the overlays (each overlay's strip
 * left out in turn, then all of them), the one that shows the most cards whole, then covers the
 * fewest, then is the largest. A flow too big to fit is not pushed off the canvas to clear a corner:
 * moving it would cut more cards than the overlay hides.
 */
export function fitAround(cards: Box[], canvas: Box, overlays: Box[], limits: FitLimits): Viewport {
  if (cards.length === 0) return { x: 0, y: 0, zoom: 1 };
  const bounds = boundsOf(cards);
  const plain = fitIn(bounds, canvas, limits);
  let best = { v: plain, ...score(cards, canvas, overlays, plain) };
  if (best.covered === 0) return plain;
  const areas: Box[] = [];
  for (const o of overlays) areas.push(...around(canvas, o));
  if (overlays.length > 1) {
    let combined: Box[] = [canvas];
    for (const o of overlays) combined = combined.flatMap((a) => around(a, o));
    areas.push(...combined);
  }
  for (const a of areas) {
    const v = fitIn(bounds, a, limits);
    const c = { v, ...score(cards, canvas, overlays, v) };
    if (c.whole > best.whole || (c.whole === best.whole && (c.covered < best.covered || (c.covered === best.covered && v.zoom > best.v.zoom)))) best = c;
  }
  return best.v;
}

export function boundsOf(cards: Box[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const c of cards) {
    x0 = Math.min(x0, c.x);
    y0 = Math.min(y0, c.y);
    x1 = Math.max(x1, c.x + c.width);
    y1 = Math.max(y1, c.y + c.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
