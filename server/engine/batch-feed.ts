/**
 * The feed of a worker's open batch (`Engine.executeClaimed(…, { open })`): the worker claims more
 * records of the run as records end and adds them to the batch under way, so a slot freed by a
 * finished record is filled at once — a slow record no longer holds the slots of the others until
 * the whole batch ends (issue 14: an HTTP step at 50 ms ran 40 records/s on one worker with batches
 * of 8, where 8 in flight allow 8 / 50 ms). The engine's walkers that find the queue empty wait here
 * until records are added, the batch is closed (no more will come) or the run is halted.
 */
export class BatchFeed {
  private waiters: Array<() => void> = [];
  closed = false;

  /** Resolves at the next addition, close or halt. */
  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }
}
