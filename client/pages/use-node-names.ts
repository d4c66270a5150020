import { useMemo } from 'react';
import { useCatalog } from '../stores/catalog-store.ts';

/** node id → what the person calls it (its name, else its type's title), for logs and steps. */
export function useNodeNames(nodes: Array<{ id: string; data?: { type: string; name?: string }; type?: string; name?: string }>): Record<string, string> {
  const byType = useCatalog((s) => s.byType);
  const key = nodes.map((n) => `${n.id}\u0000${n.data?.name ?? n.name ?? ''}\u0000${n.data?.type ?? n.type ?? ''}`).join('\u0001');
  return useMemo(() => {
    const out: Record<string, string> = {};
    for (const n of nodes) {
      const type = n.data?.type ?? n.type ?? '';
      out[n.id] = n.data?.name || n.name || byType[type]?.title || n.id;
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, byType]);
}
