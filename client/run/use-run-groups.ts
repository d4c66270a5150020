import { useEffect } from 'react';
import { create } from 'zustand';
import { runsApi } from '../api/endpoints.ts';
import type { RunGroupsInfo } from '../api/types.ts';
import { useLiveRun } from '../stores/live-run-store.ts';

/** At most one GET /api/runs/:id/groups per this many milliseconds while record events arrive. */
export const GROUPS_THROTTLE_MS = 500;

export interface TermRef {
  group: string;
  groupIndex: number;
  term: string;
}

interface RunGroupsState {
  runId: string | null;
  /** null until known; false for a run whose trigger does not group its records. */
  grouped: boolean | null;
  info: RunGroupsInfo | null;
  /** Record index → its search group and term. */
  byRecord: Map<number, TermRef>;
  /** The term whose log lines the log shows alone (a term row's "Log" link), else null. */
  logFilter: number | null;
  setLogFilter(index: number | null): void;
}

const empty = { runId: null, grouped: null, info: null, byRecord: new Map<number, TermRef>(), logFilter: null };

/**
 * Progress per search group and term of the run shown (GET /api/runs/:id/groups). Live state, kept
 * apart from the flow document like the live-run store; fed by `useRunGroupsFeed`.
 */
export const useRunGroups = create<RunGroupsState>((set) => ({
  ...empty,
  setLogFilter(index) {
    set({ logFilter: index });
  },
}));

function indexRecords(info: RunGroupsInfo): Map<number, TermRef> {
  const out = new Map<number, TermRef>();
  info.groups.forEach((g, gi) => {
    for (const item of g.items) out.set(item.index, { group: g.name, groupIndex: gi, term: item.name });
  });
  return out;
}

/**
 * Fetches the run's groups when the run is shown, then again when record statuses or the run's
 * status change (throttled: at most one request per GROUPS_THROTTLE_MS, the last change always
 * fetched). Stops for a run that is not grouped.
 */
export function useRunGroupsFeed(runId: string | null) {
  useEffect(() => {
    if (!runId) return;
    useRunGroups.setState({ ...empty, byRecord: new Map(), runId });
    let stopped = false;
    let inFlight = false;
    let again = false;
    let lastAt = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const fetchNow = async () => {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      lastAt = Date.now();
      try {
        const answer = await runsApi.groups(runId);
        if (stopped) return;
        if (!answer.grouped) {
          useRunGroups.setState({ grouped: false, info: null });
          unsubscribe();
          return;
        }
        useRunGroups.setState({ grouped: true, info: answer, byRecord: indexRecords(answer) });
      } catch {
        /* the next change tries again */
      } finally {
        inFlight = false;
      }
      if (again && !stopped) {
        again = false;
        schedule();
      }
    };

    const schedule = () => {
      if (stopped || timer) return;
      if (useRunGroups.getState().grouped === false) return;
      const wait = Math.max(0, lastAt + GROUPS_THROTTLE_MS - Date.now());
      timer = setTimeout(() => {
        timer = null;
        void fetchNow();
      }, wait);
    };

    const unsubscribe = useLiveRun.subscribe((s, prev) => {
      if (s.runId !== runId) return;
      // Record events, counters (also polled while the socket is down), status, and log lines
      // (the engine's "Next record starts in …" while it waits) may each move the position.
      if (
        s.recordsVersion !== prev.recordsVersion ||
        s.counts !== prev.counts ||
        s.status !== prev.status ||
        s.final !== prev.final ||
        s.recordCount !== prev.recordCount ||
        s.logVersion !== prev.logVersion
      )
        schedule();
    });
    void fetchNow();

    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
      useRunGroups.setState({ ...empty, byRecord: new Map() });
    };
  }, [runId]);
}
