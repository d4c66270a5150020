import type { Json, LogLevel } from '../../nodes/sdk/types.ts';
import type { LogRow, Store } from '../store/types.ts';
import type { EngineListener } from './events.ts';
import type { Masker, SecretMasker } from './secret-masker.ts';
import { isoNow } from './iso-time.ts';

/**
 * Run log lines go out as events at once and reach the store in batches: a log line is not a
 * checkpoint, so steps never wait for it.
 */
export class LogBuffer {
  private pending: LogRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly emit: EngineListener,
    private readonly flushEveryMs = 250,
    private readonly maxBatch = 2000,
    /** The run's secret masker: every line is masked before it goes out or to the store. */
    private readonly maskerFor: (runId: string) => SecretMasker | undefined = () => undefined,
  ) {}

  /**
   * `masker`: the record's own (it spares what the record was given); the run's when absent.
   */
  add(runId: string, recordIndex: number | null, nodeId: string | null, level: LogLevel, message: string, data: Json | null = null, masker: Masker | undefined = this.maskerFor(runId)): void {
    if (masker?.active) {
      message = masker.mask(message);
      data = masker.maskJson(data);
    }
    const row: LogRow = { runId, recordIndex, nodeId, level, message, data, at: isoNow() };
    this.pending.push(row);
    this.emit({ type: 'log', row });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // While the store cannot write, lines wait in memory (written once it writes again).
    if (this.pending.length && !this.store.writeFailure?.()) {
      const batch = this.pending;
      this.pending = [];
      this.writing = this.writing
        .then(() => this.store.appendLogs(batch))
        .catch((err) => {
          // The store cannot write (a full disk): the lines wait for the next flush instead of being lost.
          if ((err as { code?: unknown })?.code === 'E_STORE_WRITE') this.pending = batch.concat(this.pending);
        });
    }
    return this.writing;
  }
}
