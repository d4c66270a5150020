/**
 * A run's halts (RunRow.halts): the intervals it stood still between its start and its end — paused,
 * stopped, interrupted by a store write failure or a restart — opened when it halts and closed when
 * it is resumed. The report and the records' times leave them out (server/report/run-working-time.ts): a
 * run paused over lunch did not take an hour longer, nor did the records it held.
 */
import type { RunHalt } from '../store/types.ts';

/** Halts kept per run: a run paused and resumed more often keeps its latest ones (older ones merge into one). */
export const MAX_HALTS = 100;

/** `halts` with a new one opened at `at` (unchanged when one is open already). */
export function haltOpened(halts: readonly RunHalt[] | undefined, at: string): RunHalt[] {
  const list = halts ? [...halts] : [];
  if (list.length > 0 && list[list.length - 1][1] === null) return list;
  list.push([at, null]);
  // The two oldest merge (the time between them counted as halted is bounded by how rare this is).
  while (list.length > MAX_HALTS) list.splice(0, 2, [list[0][0], list[1][1]]);
  return list;
}

/**
 * Where the halt of a run a crash left going starts: when the store was last written before the
 * restart (`lastWrite`, Store.lastWriteBeforeOpen: about when the server stopped), when that falls
 * between the run's start and `now`; else `now` (the downtime then counted as worked, as before).
 * A run whose only step under way took long before the crash loses that step's time too: its last
 * write was its last commit.
 */
export function crashHaltStart(run: { startedAt: string | null }, lastWrite: string | null, now: string): string {
  if (lastWrite === null) return now;
  const at = Date.parse(lastWrite);
  const start = run.startedAt === null ? NaN : Date.parse(run.startedAt);
  return Number.isFinite(at) && at < Date.parse(now) && (!Number.isFinite(start) || at >= start) ? new Date(at).toISOString() : now;
}

/** The closed halts as [from, to] epoch milliseconds (the open one, and unreadable ones, left out). */
export function closedHaltSpans(halts: readonly RunHalt[] | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of halts ?? []) {
    if (b === null) continue;
    const from = Date.parse(a);
    const to = Date.parse(b);
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) out.push([from, to]);
  }
  return out;
}

/** Milliseconds of the closed halts (the time the run stood still and was resumed from). */
export function haltedMsOf(halts: readonly RunHalt[] | undefined): number {
  let ms = 0;
  for (const [from, to] of closedHaltSpans(halts)) ms += to - from;
  return ms;
}

/** `halts` with the open one closed at `at`; undefined when there is none to close (nothing to write). */
export function haltClosed(halts: readonly RunHalt[] | undefined, at: string): RunHalt[] | undefined {
  if (!halts || halts.length === 0 || halts[halts.length - 1][1] !== null) return undefined;
  const list = [...halts];
  list[list.length - 1] = [list[list.length - 1][0], at];
  return list;
}
