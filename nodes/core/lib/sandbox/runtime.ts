import type { QuickJSRuntime } from 'quickjs-emscripten';
import { noteDisposeFailure, type Engine } from './engine.ts';

/**
 * Warm QuickJS runtimes: one per engine (see engine.ts), reused for many records. The records'
 * code runs in sealed contexts kept in the runtime, one per code text (sealed.ts, bootstrap.ts).
 * Contexts share only the runtime's bookkeeping (interned property names, object shapes, the
 * memory count), which code cannot read. QuickJS's garbage collector, which runs as memory is
 * allocated, also frees cycles.
 *
 * A runtime is dropped (disposed, which also frees any garbage left behind) and a fresh one made:
 * - after every USES_MAX executions, as a bound on anything that might pile up;
 * - after an execution that did not end normally (time or memory limit, stack overflow, crash);
 * - when promise jobs are left queued (they would keep the old context alive).
 */
const USES_MAX = 10_000;
/** Room in QuickJS's memory count for the kept sealed contexts (8 × ~150 KB, with margin). */
const KEPT_CONTEXTS_BYTES = 2 * 1024 * 1024;

/** A runtime, how many executions it has served, and the sealed contexts kept in it (sealed.ts). */
export interface WarmRuntime {
  readonly rt: QuickJSRuntime;
  uses: number;
  readonly contexts: Map<string, { dispose(): void }>;
}

const warm = new WeakMap<Engine, WarmRuntime>();
const stats = { created: 0, reused: 0 };

/** The engine's warm runtime, or a fresh one. Executions in a worker are synchronous: one at a time. */
export function takeRuntime(engine: Engine, stackBytes: number): WarmRuntime {
  let runtime = warm.get(engine);
  warm.delete(engine);
  if (runtime?.rt.alive) {
    stats.reused++;
  } else {
    const rt = engine.quickjs.newRuntime();
    // The sealed contexts kept in the runtime (~150 KB each, sealed.ts) are the sandbox's, not the
    // record's: QuickJS's own count gets room for them; the WebAssembly memory stays the hard cap.
    rt.setMemoryLimit(engine.memoryLimitBytes + KEPT_CONTEXTS_BYTES);
    runtime = { rt, uses: 0, contexts: new Map() };
    stats.created++;
  }
  runtime.uses++;
  runtime.rt.setMaxStackSize(stackBytes);
  return runtime;
}

/** After an execution (its context disposed): keep the runtime for the next record, or dispose it. */
export function giveBack(engine: Engine, runtime: WarmRuntime, endedNormally: boolean): void {
  const { rt } = runtime;
  if (endedNormally && !engine.retired && runtime.uses < USES_MAX && !rt.hasPendingJob()) {
    rt.removeInterruptHandler();
    warm.set(engine, runtime);
    return;
  }
  try {
    for (const context of runtime.contexts.values()) context.dispose();
    runtime.contexts.clear();
    rt.dispose();
  } catch {
    // QuickJS aborts when something is still allocated; the engine is not to be trusted then.
    noteDisposeFailure(engine);
  }
}

/** Runtimes created and reuses, for tests and diagnostics. */
export function runtimeStats(): { created: number; reused: number } {
  return { ...stats };
}
