/**
 * Records in their first step whose start is not written yet (record-walker.ts, `markStart`): one
 * timer for all of them instead of one per record. A timer set and cleared per record was 5 % of the
 * CPU of a record through a trigger and one no-op step (20,000 records, paired runs, 0.787 → 0.749 s);
 * a set entry and a sweep every SWEEP_MS cost next to nothing. A mark fires between its time and
 * SWEEP_MS after it.
 */
const SWEEP_MS = 100;

export interface StartMark {
  /** When to write the start (ms since the epoch). */
  at: number;
  write(): void;
}

const waiting = new Set<StartMark>();
let sweeper: NodeJS.Timeout | null = null;

/** Writes the start with `write` in `afterMs` (or up to SWEEP_MS later), unless `cancelStart` comes first. */
export function markStartIn(afterMs: number, write: () => void): StartMark {
  const mark = { at: Date.now() + afterMs, write };
  waiting.add(mark);
  if (!sweeper) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
  return mark;
}

/** The record committed its first step (or its walk ended): no start to write for it any more. */
export function cancelStart(mark: StartMark): void {
  waiting.delete(mark);
}

function sweep(): void {
  const now = Date.now();
  for (const mark of waiting) {
    if (mark.at > now) continue;
    waiting.delete(mark);
    mark.write();
  }
  if (waiting.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}
