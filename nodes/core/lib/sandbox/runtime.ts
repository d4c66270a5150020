import type { QuickJSRuntime } from 'quickjs-emscripten';
import { noteDisposeFailure, type Engine } from './engine.ts';

/**
 * Warm QuickJS runtimes: one per engine (see engine.ts), reused for many records, each record
 * getting a context of its own in it (execute.ts). A context has its own global object and its
 * own copies of every built-in (Object, Array.prototype, JSON…), so nothing one record's code
 * sets — globals, changed prototypes, closures — is reachable from the next record's context;
 * what contexts share is the runtime's bookkeeping (interned property names, object shapes,
 * the memory count), which code cannot read.
 *
 * A runtime is dropped (disposed, which also frees any garbage left behind) and a fresh one made:
 * - after every USES_MAX executions, so unreachable cycles left by disposed contexts (QuickJS
 *   frees cycles only in its garbage collector) never pile up towards the memory limit;
 * - after an execution that did not end normally (time or memory limit, stack overflow, crash);
 * - when promise jobs are left queued (they would keep the old context alive).
 */
const USES_MAX = 200;

/** A runtime and how many executions it has served. */
export interface WarmRuntime {
  readonly rt: QuickJSRuntime;
  uses: number;
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
    rt.setMemoryLimit(engine.memoryLimitBytes);
    runtime = { rt, uses: 0 };
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
