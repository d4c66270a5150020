import type { RunSummary } from '../contract/wire/runs.ts';

/**
 * The line `conveyor run` and `resume` keep rewriting on a terminal while the run goes:
 * "run_x: 7/10 records (4 ok, 1 failed, 2 to review)". Records waiting for a person are named
 * once there are some — "done" counts them, so without them the parts did not add up.
 */
export function progressLine(runId: string, s: Pick<RunSummary, 'recordCount' | 'counts'>): string {
  const done = s.recordCount - s.counts.pending - s.counts.running;
  const review = s.counts.needs_review > 0 ? `, ${s.counts.needs_review} to review` : '';
  return `${runId}: ${done}/${s.recordCount} records (${s.counts.success} ok, ${s.counts.failed} failed${review})`;
}
