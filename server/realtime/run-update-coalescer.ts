import type { Engine, RunSummary } from '../engine/engine.ts';
import { isAtRest } from '../contract/status.ts';
import type { EngineEvent } from '../engine/events.ts';
import type { LogRow, RecordStatus } from '../store/types.ts';
import type { RunUpdate } from '../contract/wire/runs.ts';
export type { RunUpdate };

interface Pending {
  records: Map<number, RecordStatus>;
  logs: Array<Omit<LogRow, 'runId'>>;
  timer: NodeJS.Timeout | null;
  /** A flush is reading the counters: the next one waits for it (see `schedule`). */
  flushing: boolean;
  /** Events came while a flush was reading: flush again once it is done. */
  dirty: boolean;
  lastSentAt: number;
  seq: number;
}


/**
 * Turns the engine's fine-grained events into at most one update per run every `intervalMs`,
 * whatever the record rate. Counters are read from the engine when the update leaves, so the
 * last update after a run ends carries exact counts.
 */
export class RunUpdateCoalescer {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly engine: Engine,
    private readonly send: (runId: string, update: RunUpdate) => void,
    private readonly intervalMs = 50,
  ) {}

  /** Only runs someone watches are tracked. */
  watched: (runId: string) => boolean = () => true;

  /**
   * Steps under way elsewhere (workers: worker-progress.ts), added to the engine's own "in progress"
   * per node while the run is not at rest. Success and failed counts come from the store already.
   */
  elsewhere: ((runId: string) => Record<string, number>) | null = null;

  handle(event: EngineEvent): void {
    const runId = event.type === 'log' ? event.row.runId : event.runId;
    if (!this.watched(runId)) return;
    const p = this.state(runId);
    if (event.type === 'record') p.records.set(event.index, event.status);
    else if (event.type === 'log') {
      const { runId: _omit, ...line } = event.row;
      p.logs.push(line);
    }
    this.schedule(runId, p);
  }

  /** The full state of a run right now (for a socket that just joined). */
  async snapshot(runId: string): Promise<RunUpdate> {
    const summary = this.withElsewhere(runId, await this.engine.summary(runId));
    return { ...summary, runId, seq: this.pending.get(runId)?.seq ?? 0, final: isAtRest(summary.status), records: [], logs: [] };
  }

  forget(runId: string): void {
    const p = this.pending.get(runId);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(runId);
  }

  close(): void {
    for (const id of [...this.pending.keys()]) this.forget(id);
  }

  private withElsewhere(runId: string, summary: RunSummary): RunSummary {
    const counts = this.elsewhere && !isAtRest(summary.status) ? this.elsewhere(runId) : null;
    if (!counts || Object.keys(counts).length === 0) return summary;
    const nodes = { ...summary.nodes };
    for (const [id, n] of Object.entries(counts)) if (nodes[id]) nodes[id] = { ...nodes[id], inProgress: nodes[id].inProgress + n };
    return { ...summary, nodes };
  }

  private state(runId: string): Pending {
    let p = this.pending.get(runId);
    if (!p) {
      p = { records: new Map(), logs: [], timer: null, flushing: false, dirty: false, lastSentAt: 0, seq: 0 };
      this.pending.set(runId, p);
    }
    return p;
  }

  /**
   * One flush at a time per run: two overlapping flushes could finish in the other order, and the
   * slower, older counter read would go out last with the higher seq — counters going backwards
   * (seen with workers: 216 successes, then 210).
   */
  private schedule(runId: string, p: Pending): void {
    if (p.flushing) {
      p.dirty = true;
      return;
    }
    if (p.timer) return;
    const wait = Math.max(0, p.lastSentAt + this.intervalMs - Date.now());
    p.timer = setTimeout(() => void this.flush(runId, p), wait);
  }

  private async flush(runId: string, p: Pending): Promise<void> {
    p.timer = null;
    p.flushing = true;
    p.dirty = false;
    p.lastSentAt = Date.now();
    const records = [...p.records].map(([index, status]) => ({ index, status }));
    const logs = p.logs;
    p.records = new Map();
    p.logs = [];
    let final = false;
    try {
      const summary = this.withElsewhere(runId, await this.engine.summary(runId));
      p.seq++;
      final = isAtRest(summary.status);
      this.send(runId, { ...summary, runId, seq: p.seq, final, records, logs });
    } catch {
      // The run is gone (deleted) or the store cannot be read: nothing to send.
    } finally {
      p.flushing = false;
    }
    if (this.pending.get(runId) !== p) return;
    if (p.dirty || p.records.size > 0 || p.logs.length > 0) this.schedule(runId, p);
    // A finished run sends nothing more unless it is resumed; its bookkeeping can go.
    else if (final) this.pending.delete(runId);
  }
}
