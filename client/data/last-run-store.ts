import { create } from 'zustand';
import { runsApi } from '../api/endpoints.ts';
import type { RunSummary } from '../api/types.ts';

/**
 * The flow's latest run (its summary with per-node counters), read when the editor opens a flow
 * and again when a run it watches ends. The canvas shows its counters, marked "last run", while no
 * run is attached; the Data tab and the Runs menu read it too. Never part of the flow document.
 */
interface LastRunState {
  flowId: string | null;
  run: RunSummary | null;
  /** Bumped on every load, so panels that read the run's records read them again. */
  version: number;
  load(flowId: string): Promise<void>;
  clear(): void;
}

export const useLastRun = create<LastRunState>((set, get) => ({
  flowId: null,
  run: null,
  version: 0,
  async load(flowId) {
    if (get().flowId !== flowId) set({ flowId, run: null });
    try {
      const [last] = await runsApi.list({ flowId, limit: 1 });
      if (get().flowId === flowId) set((s) => ({ run: last ?? null, version: s.version + 1 }));
    } catch {
      /* no counters then: the canvas works without them */
    }
  },
  clear() {
    set({ flowId: null, run: null });
  },
}));
