import { useMemo } from 'react';
import { useCatalog } from '../stores/catalog-store.ts';

/** node id → what the person calls it (its name, else its type's title), for logs and steps. */
export function useNodeNames(nodes: Array<{ id: string; data?: { type: string; name?: string }; type?: string; name?: string }>): Record<string, string> {
  const byType = useCatalog((s) => s.byType);
  const key = nodes.map((n) => `${n.id}\u0000${n.data?.name ?? n.name ?? ''}\u0000${n.data?.type ?? n.type ?? ''}`).join('\u0001');
  return useMemo(() => {
    const out: Record<string, string> = {};
    for (const n of nodes) out[n.id] = nodeTitle({ id: n.id, type: n.data?.type ?? n.type ?? '', name: n.data?.name || n.name }, byType);
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, byType]);
}

/** What the canvas calls a node: its name, else its type's title, else its id. */
export function nodeTitle(n: { id: string; type: string; name?: string }, byType: Record<string, { title?: string } | undefined>): string {
  return n.name || byType[n.type]?.title || n.id;
}
