import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * QuickJS's WebAssembly module (the RELEASE_SYNC build engine.ts loads), compiled once per process
 * and shared by every engine of every worker: the pool (pool.ts) compiles it on the main thread
 * before its first worker starts and gives it to each (a worker compiles its own only if that
 * failed). V8 keeps one compiled module for all of them, with the
 * optimized code it made for its hot functions as they ran.
 *
 * Why: each engine compiled the module afresh, and V8 optimized QuickJS's interpreter again in each
 * worker — about 0.4 s of CPU paid by every worker the pool starts (after a minute idle, after the
 * watchdog ends one for a runaway record, after a Stop) and by every engine retired and reloaded.
 * Measured 2026-12-05 (four workers one after the other, 2,000 executions each, three rounds): a
 * worker 0.82–0.89 s of CPU with its own module, 0.47–0.49 s with the first one's.
 */

const require = createRequire(import.meta.url);

let shared: Promise<WebAssembly.Module> | null = null;
let compiled = 0;

/** The module given by whoever started this thread (the pool's, compiled by an earlier worker). */
export function provideQuickJSModule(module: WebAssembly.Module): void {
  shared = Promise.resolve(module);
}

/** The module: the one provided, or compiled here the first time. */
export function quickjsModule(): Promise<WebAssembly.Module> {
  if (!shared) {
    const attempt = compile();
    shared = attempt;
    // A failed compile is tried again by the next engine (it reports the error to its job).
    attempt.catch(() => {
      if (shared === attempt) shared = null;
    });
  }
  return shared;
}

async function compile(): Promise<WebAssembly.Module> {
  // The build the RELEASE_SYNC variant loads, found from quickjs-emscripten as its own import does.
  const file = createRequire(require.resolve('quickjs-emscripten')).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
  const module = await WebAssembly.compile(await readFile(file));
  compiled++;
  return module;
}

/** How many times this thread compiled the module (0 when it was given one). */
export function quickjsModulesCompiled(): number {
  return compiled;
}
