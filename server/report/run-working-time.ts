/**
 * How long a run worked: its span (start to end) less the time it sat finished waiting for a person.
 *
 * A record retried from the review queue a day after the run finished runs again in the same run,
 * and the run's end moves to the retry's: the report said "Run duration 1 day" for a run that worked
 * two minutes plus a few seconds. The run worked while its first pass did (from its start until the
 * last record first left the flow) and while each retry did (from the person's retry to the record
 * next leaving the flow); those intervals, merged where they overlap (a bulk retry runs records side
 * by side), are its working time. Only records a person acted on have retries: their trails are the
 * ones the report already reads for the time per record (review-wait.ts).
 */
/** A record's events as the trail holds them (RecordEventRow), oldest first. */
type Trail = ReadonlyArray<{ at: string; actor: string; to: string | null }>;

/** A record as the report has it: its index and when it last ended (null: not ended). */
interface RecordEnd {
  index: number;
  endedAt: string | null;
}

const leavesFlow = (e: Trail[number]) => e.actor !== 'operator' && e.to !== 'running' && e.to !== 'pending';

/**
 * Milliseconds the run worked between `startedAt` and `endedAt` (see above); `trails`: record index →
 * its events, oldest first, for the records a person acted on. With no such record, the span.
 */
export function runWorkingMs(startedAt: string, endedAt: string, records: Iterable<RecordEnd>, trails: ReadonlyMap<number, Trail>): number {
  const start = Date.parse(startedAt);
  const end = Date.parse(endedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return Math.max(0, end - start) || 0;
  if (trails.size === 0) return end - start;
  // The first pass ends when the last record first left the flow.
  let firstPassEnd = start;
  const spans: Array<[number, number]> = [];
  for (const r of records) {
    const trail = trails.get(r.index);
    if (!trail) {
      const at = r.endedAt === null ? NaN : Date.parse(r.endedAt);
      if (Number.isFinite(at)) firstPassEnd = Math.max(firstPassEnd, at);
      continue;
    }
    let left = false;
    let retriedAt: number | null = null;
    for (const e of trail) {
      const at = Date.parse(e.at);
      if (!Number.isFinite(at)) continue;
      if (e.actor === 'operator') {
        if (e.to === 'running') retriedAt ??= at;
      } else if (leavesFlow(e)) {
        if (!left) firstPassEnd = Math.max(firstPassEnd, at);
        left = true;
        if (retriedAt !== null) spans.push([retriedAt, at]);
        retriedAt = null;
      }
    }
    // A retry still under way when the run's figures were read works until the run's end.
    if (retriedAt !== null) spans.push([retriedAt, end]);
  }
  spans.push([start, firstPassEnd]);
  return mergedLength(spans, start, end);
}

/** Total length of the union of `spans`, each clipped to [from, to]. */
function mergedLength(spans: Array<[number, number]>, from: number, to: number): number {
  const clipped = spans.map(([a, b]): [number, number] => [Math.max(from, a), Math.min(to, b)]).filter(([a, b]) => b > a);
  clipped.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let open: [number, number] | null = null;
  for (const s of clipped) {
    if (open && s[0] <= open[1]) open[1] = Math.max(open[1], s[1]);
    else {
      if (open) total += open[1] - open[0];
      open = [s[0], s[1]];
    }
  }
  if (open) total += open[1] - open[0];
  return total;
}
