/** Loads sql.js (SQLite compiled to WebAssembly) once per process. */
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';

const require = createRequire(import.meta.url);

let loading: Promise<SqlJsStatic> | null = null;

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const initSqlJs = require('sql.js') as (config?: { locateFile?: (file: string) => string }) => Promise<SqlJsStatic>;
    const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
    loading = initSqlJs({ locateFile: () => wasmPath }).catch((err: unknown) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}
