import { useCallback } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useFlowStore, type CanvasNode } from '../stores/flow-store.ts';
import { NODE_WIDTH } from './FlowNodeCard.tsx';
import { CANVAS_OVERLAYS, type Box } from './fit-viewport.ts';

export type { Box };

/** Room kept free around every card. */
export const PLACE_GAP = 48;
/** A new card's size before it is measured. */
export const NEW_NODE_SIZE = { width: NODE_WIDTH, height: 64 };

function hits(a: Box, b: Box, margin: number): boolean {
  return a.x < b.x + b.width + margin && b.x < a.x + a.width + margin && a.y < b.y + b.height + margin && b.y < a.y + a.height + margin;
}

function inside(a: Box, b: Box): boolean {
  return a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
}

/**
 * Where a new card of `size` goes: next to `anchor` (right of it first, then below, above, further
 * right…) or around the view's centre without one, never over another card or a blocked area (the
 * minimap, the zoom buttons), and inside `view` when a free spot there exists. Pure: flow coordinates.
 */
export function freeSpot(size: { width: number; height: number }, occupied: Box[], opts: { anchor?: Box | null; view?: Box | null; blocked?: Box[] } = {}): { x: number; y: number } {
  const { anchor, view, blocked = [] } = opts;
  const start = anchor
    ? { x: anchor.x + anchor.width + PLACE_GAP * 1.5, y: anchor.y }
    : view
      ? { x: view.x + view.width / 2 - size.width / 2, y: view.y + view.height / 2 - size.height / 2 }
      : { x: 0, y: 0 };
  const stepX = (size.width + PLACE_GAP) / 2;
  const stepY = (size.height + PLACE_GAP) / 2;
  const candidates: Array<{ x: number; y: number; cost: number }> = [];
  for (let i = -12; i <= 12; i++) {
    for (let j = -12; j <= 12; j++) {
      // Next to an anchor: to its right first, then below; left of it is the last resort.
      const cost = Math.hypot(i, j * 1.2) + (anchor && i < 0 ? 6 : 0) + (anchor && j < 0 ? 0.5 : 0);
      candidates.push({ x: start.x + i * stepX, y: start.y + j * stepY, cost });
    }
  }
  candidates.sort((a, b) => a.cost - b.cost);
  const free = (c: { x: number; y: number }) => {
    const box = { ...c, ...size };
    return !occupied.some((o) => hits(box, o, PLACE_GAP / 2 - 1)) && !blocked.some((o) => hits(box, o, 8));
  };
  const visible = view ? candidates.find((c) => free(c) && inside({ ...c, ...size }, view)) : undefined;
  const chosen = visible ?? candidates.find(free) ?? { x: start.x, y: start.y };
  return { x: Math.round(chosen.x), y: Math.round(chosen.y) };
}

export function boxOf(n: { position: { x: number; y: number }; measured?: { width?: number; height?: number }; width?: number; height?: number }): Box {
  return { x: n.position.x, y: n.position.y, width: n.measured?.width ?? n.width ?? NEW_NODE_SIZE.width, height: n.measured?.height ?? n.height ?? NEW_NODE_SIZE.height };
}

/** The canvas's visible area and the overlays on it (minimap, zoom buttons), in flow coordinates. */
export function useCanvasArea() {
  const { screenToFlowPosition } = useReactFlow();
  return useCallback(() => {
    const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const toFlow = (r: DOMRect): Box => {
      const a = screenToFlowPosition({ x: r.left, y: r.top });
      const b = screenToFlowPosition({ x: r.right, y: r.bottom });
      return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
    };
    const blocked = CANVAS_OVERLAYS
      .flatMap((sel) => [...document.querySelectorAll(sel)])
      .map((el) => toFlow(el.getBoundingClientRect()));
    // Keep a margin inside the edges of the canvas.
    const view = canvas ? toFlow(new DOMRect(canvas.left + 16, canvas.top + 16, canvas.width - 32, canvas.height - 32)) : null;
    return { view, blocked };
  }, [screenToFlowPosition]);
}

/**
 * Finds the spot for a new card next to the selection or the card added last, and brings it into
 * view when it is off screen. Returns the card's top-left corner.
 */
export function usePlaceNode() {
  const area = useCanvasArea();
  const { setCenter, getZoom } = useReactFlow();
  return useCallback(
    (size = NEW_NODE_SIZE) => {
      const { nodes, notes, lastAddedId } = useFlowStore.getState();
      const selected = nodes.filter((n) => n.selected);
      const anchorNode: CanvasNode | undefined = selected[selected.length - 1] ?? nodes.find((n) => n.id === lastAddedId) ?? nodes[nodes.length - 1];
      const { view, blocked } = area();
      const spot = freeSpot(size, [...nodes, ...notes].map(boxOf), { anchor: anchorNode ? boxOf(anchorNode) : null, view, blocked });
      const box = { ...spot, ...size };
      if (view && !inside(box, view)) void setCenter(spot.x + size.width / 2, spot.y + size.height / 2, { zoom: getZoom(), duration: 200 });
      return spot;
    },
    [area, setCenter, getZoom],
  );
}
