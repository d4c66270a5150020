import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { WarmRuntime } from './runtime.ts';

/**
 * A sealed context (see bootstrap.ts) with one user function compiled in it, kept in its runtime
 * for the next records with the same code: a record then costs one call instead of a new context,
 * a bootstrap and a compile (about 40 ms of QuickJS work once, then ~0.1 ms a record).
 */
export class SealedContext {
  /** Where log(...) lines go: the current execution's lists. */
  sink: { logs: string[]; droppedLogs: number } | null = null;
  /** Handles that live as long as the context (runner, compiled function…). */
  readonly handles: QuickJSHandle[] = [];
  run!: QuickJSHandle;
  seal!: QuickJSHandle;
  fn!: QuickJSHandle;

  constructor(readonly vm: QuickJSContext) {}

  own<T extends QuickJSHandle>(handle: T): T {
    this.handles.push(handle);
    return handle;
  }

  dispose(): void {
    for (let i = this.handles.length - 1; i >= 0; i--) if (this.handles[i].alive) this.handles[i].dispose();
    this.vm.dispose();
  }
}

/** Sealed contexts kept per runtime (one per code text in use): the least recently used beyond this are disposed. */
const KEPT = 8;

/** The runtime's sealed context for this code, if it has one (it is taken out: put it back with keep()). */
export function takeSealed(runtime: WarmRuntime, code: string): SealedContext | undefined {
  const found = runtime.contexts.get(code) as SealedContext | undefined;
  if (found) {
    runtime.contexts.delete(code);
    counts.reused++;
  } else {
    counts.sealed++;
  }
  return found;
}

const counts = { sealed: 0, reused: 0 };

/** Contexts sealed, and executions that reused one (for tests and diagnostics). */
export function sealedStats(): { sealed: number; reused: number } {
  return { ...counts };
}

/** Keeps the context for the next record with this code. */
export function keepSealed(runtime: WarmRuntime, code: string, sealed: SealedContext): void {
  runtime.contexts.set(code, sealed);
  while (runtime.contexts.size > KEPT) {
    const oldest = runtime.contexts.keys().next().value as string;
    const evicted = runtime.contexts.get(oldest)!;
    runtime.contexts.delete(oldest);
    evicted.dispose();
  }
}
