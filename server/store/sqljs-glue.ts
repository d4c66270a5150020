/**
 * sql.js's JavaScript glue (`sql.js/dist/sql-wasm.js`), loaded with one change: the in-memory file
 * that holds the database (Emscripten's MEMFS) doubles its capacity when a write passes its end,
 * instead of growing by an eighth once past 1 MB. Each growth allocates a new array and copies the
 * whole file into it, so a file growing from 2 to 20 MB was copied 27 times (81 MB allocated, 134 ms
 * of a 20,000-record no-op run measured around the copies); doubling copies it a few times. Side by
 * side (a trigger and a step that sets nothing, 20,000 records, a process each): paired CPU 0.92 (7
 * rounds), 0.86 once warm (5 rounds; the file grows over a first run too); a 10-step chain of 10,000
 * records, whose steps never enter sql.js, unchanged (0.99). The
 * capacity is address space until written: RSS grows with what is written, as before.
 *
 * The change is found by its exact text. Any other glue (another sql.js version) is loaded as shipped,
 * with sql.js's own growth: only the speed of a growing database differs.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { SqlJsStatic } from 'sql.js';

/** MEMFS's growth in sql.js 1.16's minified glue: `m` the current capacity in bytes. */
const EIGHTH_GROWTH = 'm*(m<1048576?2:1.125)>>>0';
/** Doubling, kept within the 32-bit lengths the glue works in. */
const DOUBLING = 'Math.min(m*2,4294967295)>>>0';

export type InitSqlJs = (config?: object) => Promise<SqlJsStatic>;

/** The glue's source with doubling growth, or null when it does not hold the expected expression exactly once. */
export function withDoublingGrowth(source: string): string | null {
  const at = source.indexOf(EIGHTH_GROWTH);
  if (at < 0 || source.indexOf(EIGHTH_GROWTH, at + 1) >= 0) return null;
  return source.slice(0, at) + DOUBLING + source.slice(at + EIGHTH_GROWTH.length);
}

/** sql.js's init function, and whether its file doubles as it grows (false: sql.js as shipped). */
export function loadSqlJsGlue(): { init: InitSqlJs; doubling: boolean } {
  const require = createRequire(import.meta.url);
  const file = require.resolve('sql.js');
  const shipped = () => ({ init: require('sql.js') as InitSqlJs, doubling: false });
  const source = withDoublingGrowth(fs.readFileSync(file, 'utf8'));
  if (source === null) return shipped();
  // As Node's CommonJS loader runs a module: the same wrapper, the glue's own require and paths.
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file }) as (
    this: unknown,
    exports: object,
    require: NodeRequire,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports as object, createRequire(file), module, file, path.dirname(file));
  return typeof module.exports === 'function' ? { init: module.exports as InitSqlJs, doubling: true } : shipped();
}
