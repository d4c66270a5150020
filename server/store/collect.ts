/**
 * A full garbage collection before a snapshot's export (sqljs-store.ts, `exportSnapshot`), and when
 * the heap has grown past a bound during a long run (`collectWhenHeapOver`).
 *
 * Why: the export is a whole copy of the database, made while the process still holds what the
 * collector has not reached yet — the JS heap's garbage and the old copies sql.js leaves behind each
 * time it grows its file (by an eighth, copying it whole). In a 100,000-record run of the 10-step chain
 * the peaks came at those moments (docs/architecture.md, "Where a long run's memory goes"). Collecting
 * first means the copy lands on a heap holding only what is live. A snapshot comes once per
 * database-size worth of journal (about a dozen in that run), so the collections cost little next to
 * the export itself: see docs/benchmarks.md for the figures.
 *
 * Node exposes the collector only behind `--expose-gc`; the flag is set once at run time and the
 * function taken from a fresh context (the usual way to reach it without a command-line flag). Where
 * that is not possible, nothing is collected and the snapshot goes on as before.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collector: (() => void) | null | undefined;

function find(): (() => void) | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** Runs a full collection; false when the collector cannot be reached (nothing was done). */
export function collectGarbage(): boolean {
  if (collector === undefined) collector = find();
  collector?.();
  return collector !== null;
}

/**
 * A full collection once the JavaScript heap holds more than `limitBytes` (used, garbage included).
 * Between the collections before snapshots, a 100,000-record run's heap grew to 250–310 MB, mostly
 * garbage V8 saw no need to collect yet on a machine with memory to spare, and the process's peak RSS
 * varied from 480 to 700 MB run to run with it (bench/store-memory.ts, STORE_MEMORY_TRACE=1). The store
 * asks this after its group commits, a few times a second at most: a collection at about 160 MB takes
 * tens of milliseconds, every few seconds under such a run.
 */
export function collectWhenHeapOver(limitBytes: number): boolean {
  if (v8.getHeapStatistics().used_heap_size <= limitBytes) return false;
  return collectGarbage();
}
