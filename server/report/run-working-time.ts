/**
 * How long a run worked: its span (start to end) less the time it sat finished waiting for a person.
 *
 * A record retried from the review queue a day after the run finished runs again in the same run,
 * and the run's end moves to the retry's: the report said "Run duration 1 day" for a run that worked
 * two minutes plus a few seconds. The run worked while its first pass did (from its start until the
 * last record first left the flow) and while each retry did (from the person's retry to the record
 * next leaving the flow); those intervals, merged where they overlap (a bulk retry runs records side
 * by side), are its working time. Only records a person acted on have retries: their trails are the
 * ones the report already reads for the time per record (review-wait.ts). The run's halts — paused,
 * stopped, interrupted, until resumed (server/engine/run-halts.ts) — are left out of it too, and out
 * of each record's time while it was under way (`haltedWithin`, `recordWorkingMs`).
 */
import { closedHaltSpans } from '../engine/run-halts.ts';
import type { RunHalt } from '../store/types.ts';

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
 * its events, oldest first, for the records a person acted on; `halts`: the run's (RunRow.halts).
 * With no such record and no halt, the span.
 */
export function runWorkingMs(startedAt: string, endedAt: string, records: Iterable<RecordEnd>, trails: ReadonlyMap<number, Trail>, halts: readonly RunHalt[] = []): number {
  const start = Date.parse(startedAt);
  const end = Date.parse(endedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return Math.max(0, end - start) || 0;
  if (trails.size === 0) return Math.max(0, end - start - haltedWithin(halts, startedAt, endedAt));
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
  const worked = merged(spans, start, end);
  // Less the halts inside those spans (a halt and the wait for a person do not overlap once merged).
  const stood = merged(closedHaltSpans(halts), start, end);
  return total(worked) - overlap(worked, stood);
}

/**
 * Milliseconds of the run's closed halts within [startedAt, endedAt] (a record's life): the time it
 * stood still, not worked on, while that record was under way. 0 when either end is unknown.
 */
export function haltedWithin(halts: readonly RunHalt[] | undefined, startedAt: string | null, endedAt: string | null): number {
  if (!halts || halts.length === 0 || startedAt === null || endedAt === null) return 0;
  const from = Date.parse(startedAt);
  const to = Date.parse(endedAt);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return 0;
  return total(merged(closedHaltSpans(halts), from, to));
}

/**
 * A record's time as the report, its .xlsx and the records list count it: start to end, less
 * `waitedMs` (its waits for a person, review-wait.ts) and the run's halts while it was under way;
 * null when either end is unknown.
 */
export function recordWorkingMs(startedAt: string | null, endedAt: string | null, waitedMs: number, halts: readonly RunHalt[] | undefined): number | null {
  if (!startedAt || !endedAt) return null;
  const ms = Date.parse(endedAt) - Date.parse(startedAt) - waitedMs - haltedWithin(halts, startedAt, endedAt);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** The union of `spans`, each clipped to [from, to], as sorted disjoint intervals. */
function merged(spans: Array<[number, number]>, from: number, to: number): Array<[number, number]> {
  const clipped = spans.map(([a, b]): [number, number] => [Math.max(from, a), Math.min(to, b)]).filter(([a, b]) => b > a);
  clipped.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const s of clipped) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

function total(spans: ReadonlyArray<[number, number]>): number {
  let sum = 0;
  for (const [a, b] of spans) sum += b - a;
  return sum;
}

/** Length of the intersection of two sets of sorted disjoint intervals. */
function overlap(a: ReadonlyArray<[number, number]>, b: ReadonlyArray<[number, number]>): number {
  let sum = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) sum += hi - lo;
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return sum;
}
