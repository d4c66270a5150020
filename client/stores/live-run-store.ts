import { create } from 'zustand';
import { emptyCounts, isAtRest } from '../../server/contract/status.ts';
import { nextProgressMark, type ProgressMark } from '../run/progress-eta.ts';
import type { LogLine, NodeCounters, RecordStatus, RunStatus, RunSummary, RunUpdate, StatusCounts } from '../api/types.ts';

export const ZERO_COUNTS: StatusCounts = emptyCounts();
export const ZERO_COUNTERS: NodeCounters = { inProgress: 0, success: 0, failed: 0, review: 0 };

/**
 * Live state of the run shown in the studio, keyed by node id. Kept apart from the flow document:
 * run events never touch the node array, so only the node whose counters changed re-renders.
 * Logs and record statuses are append-mostly buffers with a version counter (no array copies at
 * 20 updates a second).
 */
interface LiveRunState {
  runId: string | null;
  flowId: string | null;
  flowName: string;
  status: RunStatus | null;
  final: boolean;
  counts: StatusCounts;
  recordCount: number;
  /** Rows of the run's file rejected before the run (its settings): told with the outcome. */
  rejectedRows: number;
  nodes: Record<string, NodeCounters>;
  reason: RunSummary['reason'];
  startedAt: string | null;
  endedAt: string | null;
  /** The time the run stood still and was resumed from (RunSummary.haltedMs): not part of its length. */
  haltedMs: number;
  /** First progress seen by this page since the run last started moving, for the ETA. */
  progressStart: ProgressMark | null;
  records: Map<number, RecordStatus>;
  recordsVersion: number;
  logs: LogLine[];
  logVersion: number;
  /** Older lines of the stored log the page did not load (a log past MAX_BACKFILL_LOGS): said, not hidden. */
  logsOmitted: number;

  attach(summary: RunSummary): void;
  applySummary(summary: RunSummary): void;
  applyUpdate(u: RunUpdate): void;
  mergeBackfill(lines: LogLine[], omitted?: number): void;
  mergeRecordStatuses(list: Array<{ index: number; status: RecordStatus }>, authoritative?: boolean): void;
  reset(): void;
}

const logKeys = new Set<string>();
const logKey = (l: LogLine) => `${l.recordIndex ?? '-'}|${l.nodeId ?? '-'}|${l.at}|${l.level}|${l.message}`;

export function doneCount(c: StatusCounts): number {
  return c.success + c.failed + c.needs_review + c.skipped;
}

/** Keeps the previous object for nodes whose counters did not change (stable selector results). */
function mergeCounters(prev: Record<string, NodeCounters>, next: Record<string, NodeCounters> | undefined): Record<string, NodeCounters> {
  if (!next) return prev;
  let changed = Object.keys(prev).length !== Object.keys(next).length;
  const out: Record<string, NodeCounters> = {};
  for (const [id, c] of Object.entries(next)) {
    const p = prev[id];
    const n = { inProgress: c.inProgress ?? 0, success: c.success ?? 0, failed: c.failed ?? 0, review: c.review ?? 0 };
    if (p && p.inProgress === n.inProgress && p.success === n.success && p.failed === n.failed && p.review === n.review) out[id] = p;
    else {
      out[id] = n;
      changed = true;
    }
  }
  return changed ? out : prev;
}

const initial = {
  runId: null,
  flowId: null,
  flowName: '',
  status: null,
  final: false,
  counts: ZERO_COUNTS,
  recordCount: 0,
  rejectedRows: 0,
  nodes: {},
  reason: null,
  startedAt: null,
  endedAt: null,
  haltedMs: 0,
  progressStart: null,
  logsOmitted: 0,
};

export const useLiveRun = create<LiveRunState>((set, get) => ({
  ...initial,
  records: new Map(),
  recordsVersion: 0,
  logs: [],
  logVersion: 0,

  attach(summary) {
    logKeys.clear();
    set({ ...initial, records: new Map(), recordsVersion: 0, logs: [], logVersion: 0 });
    get().applySummary(summary);
  },

  applySummary(summary) {
    const s = get();
    if (s.runId && s.runId !== summary.id) return;
    const counts = summary.counts ?? ZERO_COUNTS;
    set({
      runId: summary.id,
      flowId: summary.flowId,
      flowName: summary.flowName,
      status: summary.status,
      counts,
      recordCount: summary.recordCount ?? 0,
      rejectedRows: summary.settings?.rejectedRows ?? 0,
      progressStart: nextProgressMark(s.progressStart, summary.status, doneCount(counts), Date.now()),
      nodes: mergeCounters(s.nodes, summary.nodes),
      reason: summary.reason,
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      haltedMs: summary.haltedMs ?? 0,
      // The same word as the live updates' `final`: the run is at rest, its counts exact.
      final: isAtRest(summary.status),
    });
  },

  applyUpdate(u) {
    const s = get();
    if (!s.runId || u.runId !== s.runId) return;
    const patch: Partial<LiveRunState> = {
      status: u.status,
      final: !!u.final,
      counts: u.counts ?? s.counts,
      recordCount: u.recordCount ?? s.recordCount,
      rejectedRows: u.settings ? (u.settings.rejectedRows ?? 0) : s.rejectedRows,
      nodes: mergeCounters(s.nodes, u.nodes),
      reason: u.reason ?? null,
    };
    patch.progressStart = nextProgressMark(s.progressStart, u.status, doneCount(patch.counts!), Date.now());
    // An older server's update may lack the times: keep what the summary said then.
    if (u.startedAt !== undefined) patch.startedAt = u.startedAt;
    patch.haltedMs = u.haltedMs ?? s.haltedMs;
    if (u.endedAt !== undefined) patch.endedAt = u.endedAt;
    else if (u.final && !s.endedAt) patch.endedAt = new Date().toISOString();
    else if (u.status === 'running' && s.endedAt) patch.endedAt = null;
    if (u.records?.length) {
      for (const r of u.records) s.records.set(r.index, r.status);
      patch.recordsVersion = s.recordsVersion + 1;
    }
    if (u.logs?.length) {
      let added = 0;
      for (const l of u.logs) {
        const k = logKey(l);
        if (logKeys.has(k)) continue;
        logKeys.add(k);
        s.logs.push(l);
        added++;
      }
      if (added) patch.logVersion = s.logVersion + 1;
    }
    set(patch);
  },

  /** Log lines fetched with REST come first; live lines not among them stay after. */
  mergeBackfill(lines, omitted = 0) {
    const s = get();
    const restKeys = new Set(lines.map(logKey));
    const rest = s.logs.filter((l) => !restKeys.has(logKey(l)));
    const logs = [...lines, ...rest];
    logKeys.clear();
    for (const l of logs) logKeys.add(logKey(l));
    set({ logs, logVersion: s.logVersion + 1, logsOmitted: omitted });
  },

  /**
   * Statuses fetched with REST; live statuses already known win (they are newer) — unless the list
   * was read after the run stopped moving (`authoritative`): then nothing newer can exist.
   */
  mergeRecordStatuses(list, authoritative = false) {
    const s = get();
    for (const r of list) if (authoritative || !s.records.has(r.index)) s.records.set(r.index, r.status);
    set({ recordsVersion: s.recordsVersion + 1 });
  },

  reset() {
    logKeys.clear();
    set({ ...initial, records: new Map(), recordsVersion: 0, logs: [], logVersion: 0 });
  },
}));

/** Counters of one node (stable object while unchanged). */
export function useNodeCounters(nodeId: string): NodeCounters {
  return useLiveRun((s) => s.nodes[nodeId] ?? ZERO_COUNTERS);
}

/** Sorted ids of nodes with work in progress, as one string (cheap equality for selectors). */
export function activeNodesKey(s: Pick<LiveRunState, 'nodes'>): string {
  const ids: string[] = [];
  for (const [id, c] of Object.entries(s.nodes)) if (c.inProgress > 0) ids.push(id);
  return ids.sort().join('\n');
}
