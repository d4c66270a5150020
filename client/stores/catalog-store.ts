import { create } from 'zustand';
import { nodeTypesApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { NodeTypeInfo } from '../api/types.ts';

interface CatalogState {
  types: NodeTypeInfo[];
  byType: Record<string, NodeTypeInfo>;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  load(force?: boolean): Promise<void>;
}

/** The node-type catalog (GET /api/node-types), loaded once per page load. */
export const useCatalog = create<CatalogState>((set, get) => ({
  types: [],
  byType: {},
  status: 'idle',
  error: null,
  async load(force = false) {
    const s = get().status;
    if (!force && (s === 'loading' || s === 'ready')) return;
    set({ status: 'loading', error: null });
    try {
      const types = await nodeTypesApi.list();
      set({ types, byType: Object.fromEntries(types.map((t) => [t.type, t])), status: 'ready' });
    } catch (err) {
      set({ status: 'error', error: errorMessage(err) });
    }
  },
}));

export function nodeTypeInfo(type: string): NodeTypeInfo | undefined {
  return useCatalog.getState().byType[type];
}
