import { RUN_STATUSES, TERMINAL_RECORD_STATUSES } from '../contract/status.ts';
import type { Engine } from '../engine/engine.ts';
import type { Store } from '../store/types.ts';

/** Step duration buckets, in seconds. */
const BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Prometheus metrics (text exposition format 0.0.4, written by hand). Counters count from the
 * start of the process, as Prometheus expects; gauges are read when scraped: runs by status from
 * the store, the executing runs' records from the engine.
 */
export class Metrics {
  private readonly recordsFinished = new Map<string, number>();
  private readonly steps = new Map<string, Histogram>();
  private stuckSteps = 0;
  private stalls = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
  ) {
    this.unsubscribe = engine.on((e) => {
      if (e.type === 'record' && (TERMINAL_RECORD_STATUSES as readonly string[]).includes(e.status)) {
        this.recordsFinished.set(e.status, (this.recordsFinished.get(e.status) ?? 0) + 1);
      } else if (e.type === 'step' && e.phase === 'end' && e.durationMs !== undefined && e.status) {
        this.observe(`${e.nodeType ?? 'unknown'}\u0000${e.status}`, e.durationMs / 1000);
      } else if (e.type === 'log') {
        const code = (e.row.data as { code?: unknown } | null)?.code;
        if (code === 'E_STEP_STUCK') this.stuckSteps++;
        else if (code === 'E_RUN_STALLED') this.stalls++;
      }
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private observe(key: string, seconds: number): void {
    let h = this.steps.get(key);
    if (!h) this.steps.set(key, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  async render(): Promise<string> {
    const out: string[] = [];
    const family = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family('conveyor_up', 'gauge', '1 while the engine runs.');
    out.push('conveyor_up 1');

    const byStatus = new Map<string, number>(RUN_STATUSES.map((s) => [s, 0]));
    // Run heads (id, status, counts: no flow document, settings or reason to parse). Still one row
    // per run in the store: with 20,000 runs, reading whole runs took 274-618 ms CPU, heads 137-187 ms
    // (bench/metrics-scrape.ts, 3 interleaved rounds, load 19-24 on 2 cores). A count by status in
    // the store would make it constant (not here: the store's reads belong to server/store).
    for (const run of await this.store.listRunHeads()) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    family('conveyor_runs', 'gauge', 'Runs in the store by status.');
    for (const [status, n] of byStatus) out.push(`conveyor_runs{status="${status}"} ${n}`);

    const active = this.engine.activeRuns();
    family('conveyor_runs_executing', 'gauge', 'Runs executing in this process (running, pausing, stopping).');
    out.push(`conveyor_runs_executing ${active.length}`);
    family('conveyor_runs_stalled', 'gauge', 'Executing runs flagged by the watchdog as making no progress.');
    out.push(`conveyor_runs_stalled ${active.filter((r) => r.stalledSince).length}`);
    family('conveyor_queue_records', 'gauge', 'Records of the executing runs: waiting to start, or in flight (a step under way).');
    out.push(`conveyor_queue_records{state="waiting"} ${active.reduce((n, r) => n + r.counts.pending, 0)}`);
    out.push(`conveyor_queue_records{state="in_flight"} ${active.reduce((n, r) => n + r.counts.running, 0)}`);
    family('conveyor_executing_records', 'gauge', 'Records of the executing runs by status.');
    for (const status of ['pending', 'running', ...TERMINAL_RECORD_STATUSES]) {
      out.push(`conveyor_executing_records{status="${status}"} ${active.reduce((n, r) => n + r.counts[status as keyof typeof r.counts], 0)}`);
    }
    family('conveyor_records_finished_total', 'counter', 'Records that reached a final status since the process started.');
    for (const status of TERMINAL_RECORD_STATUSES) out.push(`conveyor_records_finished_total{status="${status}"} ${this.recordsFinished.get(status) ?? 0}`);

    family('conveyor_step_duration_seconds', 'histogram', 'Duration of committed steps by node type and status.');
    for (const [key, h] of [...this.steps].sort(([a], [b]) => a.localeCompare(b))) {
      const [nodeType, status] = key.split('\u0000');
      const labels = `node_type="${escapeLabel(nodeType)}",status="${status}"`;
      BUCKETS.forEach((b, i) => out.push(`conveyor_step_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      out.push(`conveyor_step_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`conveyor_step_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`conveyor_step_duration_seconds_count{${labels}} ${h.count}`);
    }
    family('conveyor_steps_stuck_total', 'counter', 'Steps still running after their timeout plus the grace (E_STEP_STUCK) since the process started.');
    out.push(`conveyor_steps_stuck_total ${this.stuckSteps}`);
    family('conveyor_run_stalls_total', 'counter', 'Times a run was flagged as making no progress (E_RUN_STALLED) since the process started.');
    out.push(`conveyor_run_stalls_total ${this.stalls}`);
    return `${out.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
