import type { RunStatus } from '../api/types.ts';
import { duration } from '../lib/format.ts';

/** Where the page started measuring the run's pace: a time and the records done then. */
export interface ProgressMark {
  at: number;
  done: number;
}

/**
 * The measuring point for the ETA, kept only while the run moves. A pause (or any stop) forgets
 * it, so the pace after Resume is measured from the Resume on: counting the minutes the run stood
 * still made a resumed run announce several times the time it really had left.
 */
export function nextProgressMark(prev: ProgressMark | null, status: RunStatus | null, done: number, now: number): ProgressMark | null {
  if (status !== 'running') return null;
  return prev ?? { at: now, done };
}

/** "about 1 min 14 s left", "estimating…" while the pace is not known yet, null when nothing is left or the run does not move. */
export function etaText(mark: ProgressMark | null, status: RunStatus | null, done: number, total: number, now: number): string | null {
  if (status !== 'running' || !mark || done >= total) return null;
  const elapsed = now - mark.at;
  const rate = (done - mark.done) / elapsed;
  return rate > 0 && elapsed > 1500 ? `about ${duration((total - done) / rate)} left` : 'estimating…';
}
