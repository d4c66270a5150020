/** Loads sql.js (SQLite compiled to WebAssembly) once per process. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';
import { loadSqlJsGlue } from './sqljs-glue.ts';

const require = createRequire(import.meta.url);

let loading: Promise<SqlJsStatic> | null = null;
/** The WebAssembly memory of the loaded instance (SQLite's heap: page cache, statements, sorting). */
let heap: WebAssembly.Memory | null = null;
/** Whether the loaded glue's database file doubles as it grows (sqljs-glue.ts). */
let doubling = false;

type InitConfig = {
  locateFile?: (file: string) => string;
  instantiateWasm?: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) => object;
};

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const glue = loadSqlJsGlue();
    doubling = glue.doubling;
    const initSqlJs = glue.init as (config?: InitConfig) => Promise<SqlJsStatic>;
    const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
    // The module is instantiated here (as sql.js would) to keep a handle on its memory: that heap
    // only grows, and the memory benchmark reports it apart from the JS heap (bench/store-memory.ts).
    let failed: (err: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    const instantiateWasm: InitConfig['instantiateWasm'] = (imports, done) => {
      readFile(wasmPath)
        .then((bytes) => WebAssembly.instantiate(bytes, imports))
        .then(({ instance }) => {
          heap = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory) ?? null;
          done(instance);
        })
        .catch(failed);
      return {};
    };
    loading = Promise.race([initSqlJs({ locateFile: () => wasmPath, instantiateWasm }), failure]).catch((err: unknown) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

/** Bytes of SQLite's WebAssembly heap now (it never shrinks), or null before sql.js is loaded. */
export function sqlJsHeapBytes(): number | null {
  return heap ? heap.buffer.byteLength : null;
}

/** Whether sql.js was loaded with its database file doubling as it grows (sqljs-glue.ts); false before it is loaded. */
export function sqlJsFileDoubles(): boolean {
  return doubling;
}
