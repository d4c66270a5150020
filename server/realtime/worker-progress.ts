/**
 * The steps under way in workers, per run and node, for the canvas's "in progress" counters. Each
 * worker sends its own whole count per run (not +1/-1 steps: event-relay.ts) when it changes and at
 * least every second while it works; the studio keeps the last one of each worker and adds them up.
 * A worker that stops sending (killed, or cut off) is dropped after `ttlMs`, so its steps stop
 * counting: after its lease another worker takes its records and counts them again. A lost
 * notification is repaired by the next one, since each carries the whole count.
 */
type Counts = Record<string, number>;

interface Report {
  nodes: Counts;
  at: number;
}

export class WorkerProgress {
  private readonly runs = new Map<string, Map<string, Report>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ttlMs = 3000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A worker's count for a run; true when the run's totals changed. */
  report(runId: string, worker: string, nodes: Counts): boolean {
    const before = this.totals(runId);
    let workers = this.runs.get(runId);
    if (!workers) this.runs.set(runId, (workers = new Map()));
    if (Object.keys(nodes).length) workers.set(worker, { nodes, at: this.now() });
    else workers.delete(worker);
    if (workers.size === 0) this.runs.delete(runId);
    return !same(before, this.totals(runId));
  }

  /** The steps under way per node in all live workers (empty when none). */
  totals(runId: string): Counts {
    const out: Counts = {};
    const workers = this.runs.get(runId);
    if (!workers) return out;
    const oldest = this.now() - this.ttlMs;
    for (const r of workers.values()) {
      if (r.at < oldest) continue;
      for (const [node, n] of Object.entries(r.nodes)) out[node] = (out[node] ?? 0) + n;
    }
    return out;
  }

  /** Drops the reports of workers gone silent; `changed` hears the runs whose totals dropped. */
  sweep(changed: (runId: string) => void): void {
    const oldest = this.now() - this.ttlMs;
    for (const [runId, workers] of this.runs) {
      let dropped = false;
      for (const [w, r] of workers) {
        if (r.at >= oldest) continue;
        workers.delete(w);
        dropped = true;
      }
      if (workers.size === 0) this.runs.delete(runId);
      if (dropped) changed(runId);
    }
  }

  /** Sweeps every `ttlMs / 3` until `stop`. */
  startSweeps(changed: (runId: string) => void): () => void {
    this.timer = setInterval(() => this.sweep(changed), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    };
  }
}

function same(a: Counts, b: Counts): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
