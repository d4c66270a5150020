import { useCallback, useEffect, useRef, useState } from 'react';
import { useNodesInitialized, useReactFlow, type Node, type ReactFlowInstance } from '@xyflow/react';
import { useFlowStore } from '../stores/flow-store.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { mainOutputs } from '../../server/contract/ports.ts';
import { layoutFlow, needsLayout, type LayoutNode } from './layout.ts';
import { boxOf } from './placement.ts';
import { CANVAS_OVERLAYS, fitAround, type FitLimits } from './fit-viewport.ts';

/** Node titles are 13 px: below this zoom they would be drawn under 11 px, too small to read. */
export const LEGIBLE_ZOOM = 0.86;
const FIT_LIMITS: FitLimits = { minZoom: LEGIBLE_ZOOM, maxZoom: 1.1, padding: 36, minPadding: 6 };

/**
 * Fit view that keeps the flow readable: the whole flow when it fits at a zoom where titles stay
 * at least 11 px; a bigger flow is shown from its start (top left) at that zoom — scroll, the
 * minimap or zoom out to see the rest. A card the minimap or the zoom buttons would cover is fitted
 * beside or below them when that shows more of the flow whole (fit-viewport.ts, `fitAround`).
 */
export async function fitLegible(rf: ReactFlowInstance<Node>, duration = 0): Promise<void> {
  const nodes = rf.getNodes();
  const el = document.querySelector('[data-testid="canvas"]');
  if (!nodes.length || !el) {
    await rf.fitView({ padding: 0.2, maxZoom: FIT_LIMITS.maxZoom, duration });
    return;
  }
  const c = el.getBoundingClientRect();
  const overlays = CANVAS_OVERLAYS.flatMap((sel) => [...el.querySelectorAll(sel)]).map((o) => {
    const r = o.getBoundingClientRect();
    return { x: r.left - c.left, y: r.top - c.top, width: r.width, height: r.height };
  });
  const cards = nodes.map((n) => {
    const b = rf.getNodesBounds([n]);
    return { x: b.x, y: b.y, width: b.width, height: b.height };
  });
  const v = fitAround(cards, { x: 0, y: 0, width: c.width, height: c.height }, overlays, FIT_LIMITS);
  await rf.setViewport(v, duration ? { duration } : undefined);
}

export function useFitFlow() {
  const rf = useReactFlow();
  return useCallback((duration = 0) => fitLegible(rf as unknown as ReactFlowInstance<Node>, duration), [rf]);
}

/** The layout's view of the open flow: measured card sizes and their ports. */
export function layoutInput(): { nodes: LayoutNode[]; edges: Array<{ source: string; sourcePort: string; target: string; targetPort: string }> } {
  const { nodes, edges } = useFlowStore.getState();
  const byType = useCatalog.getState().byType;
  return {
    nodes: nodes.map((n) => {
      const info = byType[n.data.type];
      const box = boxOf(n);
      return {
        id: n.id,
        width: box.width,
        // Room for the live counters a run adds under every card.
        height: box.height + (n.measured?.height && !document.querySelector(`[data-testid="counters-${n.id}"]`) ? 32 : 0),
        position: n.position,
        inputs: info ? info.inputs.map((p) => p.id) : ['in'],
        outputs: mainOutputs(info, n.data.params).map((p) => p.id),
        errorPort: info?.errorPort.id ?? 'error',
      };
    }),
    edges: edges.map((e) => ({ source: e.source, sourcePort: e.sourceHandle ?? 'out', target: e.target, targetPort: e.targetHandle ?? 'in' })),
  };
}

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

/**
 * Keeps the whole flow in view: once when the nodes are first measured, and whenever the canvas is
 * resized (a drawer opens), until the person pans or zooms themselves. A flow that opens with
 * overlapping nodes, or as a long strip, is laid out first (see `needsLayout`).
 */
export function useAutoFit(container: React.RefObject<HTMLElement | null>) {
  const fit = useFitFlow();
  const initialized = useNodesInitialized();
  const userMoved = useRef(false);
  const fitted = useRef(false);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    if (!initialized || fitted.current) return;
    fitted.current = true;
    const done = () => setReady(true);
    void (async () => {
      const input = layoutInput();
      if (needsLayout(input.nodes.map((n) => ({ ...n.position!, width: n.width, height: n.height })))) {
        const positions = await layoutFlow(input.nodes, input.edges).catch(() => null);
        if (positions) {
          useFlowStore.getState().setPositions(positions, { asOpened: true });
          await nextFrame();
          await nextFrame();
        }
      }
      if (!userMoved.current) await fit();
    })().then(done, done);
  }, [initialized, fit]);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!userMoved.current && fitted.current) void fit();
      });
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, [container, fit]);

  /** For ReactFlow's onMoveStart: a move with an event comes from the person. */
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event) userMoved.current = true;
  }, []);
  /** `fitted`: the first fit is done (the canvas shows `data-fitted="true"`). */
  return { onMoveStart, fitted: ready };
}
