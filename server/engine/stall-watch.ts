import type { RunProgress } from '../contract/wire/monitoring.ts';
export type { RunProgress };
/**
 * Runs with no progress: the part of the watchdog that looks at whole runs. Progress is a step
 * starting or ending, a record changing status or the run changing status; a run whose records
 * wait for the trigger's pacing is not stalled before the next record is due. A run flagged
 * stalled is told once (`onStall`) and unflagged by its next progress (`onRecover`).
 */
export interface StallWatchOptions {
  /** No progress for this long flags a run (CONVEYOR_RUN_STALL_MS; default 15 minutes). */
  stallMs?: number;
  /** How often runs are looked at (default: a tenth of stallMs, between 1 s and 60 s). */
  checkMs?: number;
  now?: () => number;
}

interface Tracked {
  flowId: string;
  last: number;
  quietUntil: number;
  stalledAt: number | null;
}

export const DEFAULT_STALL_MS = 15 * 60_000;

export function stallFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.CONVEYOR_RUN_STALL_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_STALL_MS;
}

export class StallWatch {
  readonly stallMs: number;
  private readonly now: () => number;
  private readonly runs = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    opts: StallWatchOptions,
    private readonly tell: { onStall(run: RunProgress, quietMs: number): void; onRecover(run: RunProgress): void },
  ) {
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
    this.now = opts.now ?? Date.now;
    const checkMs = opts.checkMs ?? Math.min(60_000, Math.max(1000, Math.round(this.stallMs / 10)));
    this.timer = setInterval(() => this.check(), checkMs);
    this.timer.unref();
  }

  track(runId: string, flowId: string): void {
    this.runs.set(runId, { flowId, last: this.now(), quietUntil: 0, stalledAt: null });
  }

  untrack(runId: string): void {
    this.runs.delete(runId);
  }

  progress(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.last = this.now();
    if (run.stalledAt !== null) {
      run.stalledAt = null;
      this.tell.onRecover(this.view(runId, run));
    }
  }

  /** The run waits on purpose until `at` (pacing): no progress is expected before then. */
  quietUntil(runId: string, at: number): void {
    const run = this.runs.get(runId);
    if (run) run.quietUntil = Math.max(run.quietUntil, at);
  }

  /** Flags the runs with no progress for stallMs (called by the timer; tests call it with their clock). */
  check(): void {
    const now = this.now();
    for (const [runId, run] of this.runs) {
      if (run.stalledAt !== null) continue;
      const since = Math.max(run.last, run.quietUntil);
      if (now - since < this.stallMs) continue;
      run.stalledAt = now;
      this.tell.onStall(this.view(runId, run), now - run.last);
    }
  }

  list(): RunProgress[] {
    return [...this.runs].map(([id, run]) => this.view(id, run));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private view(runId: string, run: Tracked): RunProgress {
    return { runId, flowId: run.flowId, lastProgressAt: new Date(run.last).toISOString(), stalledSince: run.stalledAt === null ? null : new Date(run.stalledAt).toISOString() };
  }
}
