import { useMemo } from 'react';
import type { Edge } from '@xyflow/react';
import { activeNodesKey, useLiveRun } from '../stores/live-run-store.ts';

/**
 * The edges as drawn: edges into a node with work in progress are animated, error-port edges are
 * red and dashed. Computed from the live store, never written back into the flow document.
 */
export function useDisplayEdges<E extends Edge>(edges: E[]): E[] {
  const activeKey = useLiveRun(activeNodesKey);
  return useMemo(() => {
    const active = new Set(activeKey ? activeKey.split('\n') : []);
    return edges.map((e) => {
      const isError = e.sourceHandle === 'error';
      const live = active.has(e.target);
      if (!isError && !live) return e;
      return { ...e, animated: live, className: [isError ? 'edge-error' : '', live ? 'edge-active' : ''].filter(Boolean).join(' ') };
    });
  }, [edges, activeKey]);
}
