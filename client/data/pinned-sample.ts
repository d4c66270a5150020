import { useEffect } from 'react';
import { create } from 'zustand';
import type { RecordData } from '../api/types.ts';

/**
 * A record pinned as a flow's sample data for building: expression previews and completions use it
 * before anything else. Kept in this browser's localStorage under `conveyor.sample.<flowId>` — it is
 * working data of the person building, so it never goes into the flow file (nor its export).
 */
export interface PinnedSample {
  record: RecordData;
  /** Where it comes from, in words: "record #3 of run r_…, as it reached “Set fields 2”". */
  label: string;
  pinnedAt: string;
}

const KEY = (flowId: string) => `conveyor.sample.${flowId}`;

function read(flowId: string): PinnedSample | null {
  try {
    const raw = localStorage.getItem(KEY(flowId));
    if (!raw) return null;
    const parsed = JSON.parse(raw) as PinnedSample;
    return parsed && typeof parsed.record === 'object' && parsed.record && !Array.isArray(parsed.record) ? parsed : null;
  } catch {
    return null;
  }
}

interface PinnedState {
  byFlow: Record<string, PinnedSample | null>;
  /** Reads the flow's pinned sample from localStorage once. */
  ensure(flowId: string): void;
  pin(flowId: string, record: RecordData, label: string): void;
  unpin(flowId: string): void;
}

export const usePinnedSamples = create<PinnedState>((set, get) => ({
  byFlow: {},
  ensure(flowId) {
    if (flowId in get().byFlow) return;
    set((s) => ({ byFlow: { ...s.byFlow, [flowId]: read(flowId) } }));
  },
  pin(flowId, record, label) {
    const sample: PinnedSample = { record, label, pinnedAt: new Date().toISOString() };
    try {
      localStorage.setItem(KEY(flowId), JSON.stringify(sample));
    } catch {
      /* storage full or off: pinned for this page only */
    }
    set((s) => ({ byFlow: { ...s.byFlow, [flowId]: sample } }));
  },
  unpin(flowId) {
    try {
      localStorage.removeItem(KEY(flowId));
    } catch {
      /* ignore */
    }
    set((s) => ({ byFlow: { ...s.byFlow, [flowId]: null } }));
  },
}));

/** The pinned sample of a flow (re-renders when it is pinned or unpinned). */
export function usePinnedSample(flowId: string | null): PinnedSample | null {
  useEffect(() => {
    if (flowId) usePinnedSamples.getState().ensure(flowId);
  }, [flowId]);
  return usePinnedSamples((s) => (flowId ? s.byFlow[flowId] ?? null : null));
}

/** The pinned sample now, without subscribing (read from localStorage if not yet). */
export function pinnedSampleOf(flowId: string): PinnedSample | null {
  usePinnedSamples.getState().ensure(flowId);
  return usePinnedSamples.getState().byFlow[flowId] ?? null;
}
