/**
 * Whether the journal calls the disk from the main thread (blocking, `fs.writeSync` and
 * `fs.fdatasyncSync`) or through libuv's pool (`fs/promises`), chosen from how long its syncs take.
 *
 * Why: a group commit through the pool hands the write and the sync to a pool thread and back, two
 * wake-ups of the event loop, which cost more CPU than the calls themselves when the disk answers
 * fast. Measured with `bench/group-commit-floor.ts` (64 writers, 1,563 groups of 64 step entries,
 * three interleaved rounds, load 4.6): a group 0.54–0.57 ms of CPU through the pool, 0.37–0.42 ms
 * with the blocking calls, 0.18–0.21 ms neither writing nor syncing; on the 10-step chain of 10,000
 * records about 5 % of the run's CPU (docs/benchmarks.md). The price is the event loop held for as
 * long as the sync takes: fine for the sub-millisecond syncs of a local SSD, not for a slow or
 * stalled disk (a network volume, a disk under writeback pressure), whose syncs would freeze the
 * studio's HTTP and live updates. So the calls block only while recent syncs were fast: a moving
 * average under BLOCKING_SYNC_MS, after WARM_UP syncs through the pool. The newest sync weighs a
 * quarter, so from the usual average (0.3–0.8 ms here) one sync of 5 ms or more sends the next group
 * to the pool at once, and a few fast ones must follow before blocking resumes (a 50 ms stall: ten).
 */

/** The average sync time (ms) under which the journal's calls block the main thread. */
export const BLOCKING_SYNC_MS = 1.5;
/** Syncs measured (through the pool) before the calls may block. */
export const WARM_UP = 8;
/** Weight of the newest sync in the moving average. */
const WEIGHT = 0.25;

export class SyncTiming {
  private average = 0;
  private measured = 0;

  /**
   * `forced`: the kind of call to use whatever the timings (tests, to run each kind; null: chosen).
   */
  constructor(private readonly forced: () => boolean | null | undefined = () => null) {}

  /** Whether the next write and sync should be the blocking calls. */
  get blocking(): boolean {
    const forced = this.forced();
    if (forced === true || forced === false) return forced;
    return this.measured >= WARM_UP && this.average < BLOCKING_SYNC_MS;
  }

  /** Notes how long a sync took (ms), either kind. */
  took(ms: number): void {
    const t = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.average = this.measured === 0 ? t : this.average + (t - this.average) * WEIGHT;
    this.measured++;
  }
}
