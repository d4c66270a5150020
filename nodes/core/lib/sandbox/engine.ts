import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type EmscriptenModuleLoaderOptions, type QuickJSWASMModule } from 'quickjs-emscripten';
import { quickjsModule, quickjsModulesCompiled } from './wasm-module.ts';

/**
 * The QuickJS WebAssembly instances ("engines") a sandbox worker (worker.ts) runs user code in.
 *
 * Why the WebAssembly memory is capped per memory limit: in this build (emscripten, no
 * `malloc_usable_size`) QuickJS's own `runtime.setMemoryLimit` only counts ~8 bytes per allocation,
 * so code that grows arrays or many small objects sails past it (measured: 200 MB used under a
 * 32 MB limit). The limit that really holds is the size of the WebAssembly memory itself: an
 * engine's memory may grow to the limit plus what the engine needs for itself (static data and its
 * 5 MB C stack), and no further; when it cannot grow, malloc fails and QuickJS throws "out of
 * memory". So each worker has one engine per memory limit in use (normally just the default one),
 * loaded once and reused for every execution: each execution gets a fresh runtime and context in it.
 *
 * An engine is retired (dropped, to be garbage-collected) when:
 * - something failed at host level inside it (a WebAssembly trap, an abort, the host's own stack
 *   overflowing while QuickJS ran): its state can no longer be trusted;
 * - its memory grew past RETAIN_BYTES: WebAssembly memory never shrinks, so keeping it would hold
 *   that much host memory for good.
 */

/** The engine's own needs inside its WebAssembly memory: static data plus the 5 MB emscripten stack (measured ~5.2 MB). */
const RESERVED_BYTES = 6 * 1024 * 1024;
/** The smallest memory the QuickJS module accepts (its declared initial memory, 16 MB). */
const MIN_PAGES = 256;
const PAGE_BYTES = 65_536;
/** Engines whose memory grew past this are dropped after the execution, to give the memory back. */
const RETAIN_BYTES = 64 * 1024 * 1024;
/** Engines kept loaded at once (one per memory limit in use). */
const MAX_ENGINES = 3;

export interface Engine {
  readonly quickjs: QuickJSWASMModule;
  /** The engine's WebAssembly memory, capped at the memory limit plus RESERVED_BYTES. */
  readonly memory: WebAssembly.Memory;
  readonly memoryLimitBytes: number;
  /** How many times the memory was refused growth (the heap was full). */
  refusedGrowths: number;
  /** Set once the engine can no longer be used. */
  retired: boolean;
  /** The last line the WebAssembly module wrote to its stderr (abort messages). */
  lastStderr: string;
}

const engines = new Map<number, Promise<Engine>>();
const stats = { loaded: 0, instantiated: 0, retired: 0, hostFailures: 0, disposeFailures: 0 };

/** The engine for this memory limit, loading it the first time. */
export function acquireEngine(memoryLimitBytes: number): Promise<Engine> {
  let engine = engines.get(memoryLimitBytes);
  if (engine) {
    // Most recently used last, so the oldest is evicted first.
    engines.delete(memoryLimitBytes);
  } else {
    engine = loadEngine(memoryLimitBytes);
    engine.catch(() => {
      if (engines.get(memoryLimitBytes) === engine) engines.delete(memoryLimitBytes);
    });
  }
  engines.set(memoryLimitBytes, engine);
  while (engines.size > MAX_ENGINES) {
    const oldest = engines.keys().next().value as number;
    engines.delete(oldest);
  }
  return engine;
}

async function loadEngine(memoryLimitBytes: number): Promise<Engine> {
  const memory = new WebAssembly.Memory({
    initial: MIN_PAGES,
    maximum: Math.max(MIN_PAGES, Math.ceil((RESERVED_BYTES + memoryLimitBytes) / PAGE_BYTES)),
  });
  const engine: Engine = {
    quickjs: undefined as unknown as QuickJSWASMModule,
    memory,
    memoryLimitBytes,
    refusedGrowths: 0,
    retired: false,
    lastStderr: '',
  };
  // Emscripten grows the heap through `memory.grow`; a refusal means the heap is full.
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number): number => {
    try {
      return grow(delta);
    } catch (err) {
      engine.refusedGrowths++;
      throw err;
    }
  };
  const variant = newVariant(RELEASE_SYNC, {
    wasmMemory: memory,
    // One compiled module for every engine and worker (wasm-module.ts): an instance of it is cheap.
    wasmModule: () => {
      stats.instantiated++;
      return quickjsModule();
    },
    // Keep the module's own output (abort messages) off the console: emscripten honours
    // print/printErr, which quickjs-emscripten's types do not list.
    emscriptenModule: {
      print: () => {},
      printErr: (text: string) => {
        engine.lastStderr = String(text).slice(0, 500);
      },
    } as EmscriptenModuleLoaderOptions,
  });
  (engine as { quickjs: QuickJSWASMModule }).quickjs = await newQuickJSWASMModule(variant);
  stats.loaded++;
  return engine;
}

/** Drops an engine: the next execution with its memory limit loads a fresh one. */
export function retireEngine(engine: Engine): void {
  if (engine.retired) return;
  engine.retired = true;
  stats.retired++;
  const current = engines.get(engine.memoryLimitBytes);
  if (current) {
    current.then(
      (e) => {
        if (e === engine && engines.get(engine.memoryLimitBytes) === current) engines.delete(engine.memoryLimitBytes);
      },
      () => {},
    );
  }
}

/** After an execution: retire the engine if its memory grew too large to keep. */
export function afterExecution(engine: Engine): void {
  if (engine.memory.buffer.byteLength > RETAIN_BYTES) retireEngine(engine);
}

export function noteHostFailure(engine: Engine): void {
  stats.hostFailures++;
  retireEngine(engine);
}

export function noteDisposeFailure(engine: Engine): void {
  stats.disposeFailures++;
  retireEngine(engine);
}

/** Counters and memory sizes, for tests and diagnostics. */
export function sandboxStats(): {
  loaded: number;
  instantiated: number;
  retired: number;
  hostFailures: number;
  disposeFailures: number;
  engines: number;
  compiled: number;
} {
  return { ...stats, engines: engines.size, compiled: quickjsModulesCompiled() };
}

/** The size of the WebAssembly memory of the engine for this limit (undefined if not loaded). */
export async function engineMemoryBytes(memoryLimitBytes: number): Promise<number | undefined> {
  const engine = engines.get(memoryLimitBytes);
  if (!engine) return undefined;
  const e = await engine;
  return e.memory.buffer.byteLength;
}
