/**
 * sql.js is loaded with its in-memory database file doubling as it grows (server/store/sqljs-glue.ts):
 * the sql.js this project ships is changed that way, and a database grown through it holds, reads and
 * exports exactly what one grown through sql.js as shipped does. Any other glue loads as it is.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { SqlJsStatic } from 'sql.js';
import { loadSqlJs, sqlJsFileDoubles } from '../../../server/store/sqljs.ts';
import { withDoublingGrowth } from '../../../server/store/sqljs-glue.ts';

const require = createRequire(import.meta.url);

/** 29 MB of rows written in 40 commits, as the store's batches grow its file; then read back and exported. */
function grow(SQL: SqlJsStatic): { count: number; sum: number; last: string; exported: Uint8Array } {
  const db = new SQL.Database();
  db.exec('PRAGMA page_size = 8192; PRAGMA journal_mode = MEMORY; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  for (let c = 0; c < 40; c++) {
    db.exec('BEGIN');
    for (let i = 0; i < 2500; i++) {
      const id = c * 2500 + i;
      insert.run([id, `${id}:${'x'.repeat(280)}`]);
    }
    db.exec('COMMIT');
  }
  insert.free();
  const [count, sum] = db.exec('SELECT count(*), sum(id) FROM t')[0].values[0] as number[];
  const last = db.exec('SELECT v FROM t ORDER BY id DESC LIMIT 1')[0].values[0][0] as string;
  const exported = db.export();
  db.close();
  return { count, sum, last, exported };
}

describe("sql.js's glue", () => {
  it('is loaded with doubling growth from the sql.js this project ships', async () => {
    await loadSqlJs();
    expect(sqlJsFileDoubles()).toBe(true);
  });

  it('grows a database past 25 MB that holds, reads and exports the same bytes as sql.js as shipped', async () => {
    const patched = grow(await loadSqlJs());
    const initShipped = require('sql.js') as (config?: object) => Promise<SqlJsStatic>;
    const shipped = grow(await initShipped({ locateFile: () => require.resolve('sql.js/dist/sql-wasm.wasm') }));
    expect(patched.count).toBe(100_000);
    expect(patched.sum).toBe((99_999 * 100_000) / 2);
    expect(patched.last).toBe(`99999:${'x'.repeat(280)}`);
    expect(patched.exported.length).toBeGreaterThan(25 * 2 ** 20);
    expect(patched.exported.length).toBe(shipped.exported.length);
    expect(Buffer.from(patched.exported).equals(Buffer.from(shipped.exported))).toBe(true);
  }, 60_000);

  it('changes only the growth expression, found once, and leaves any other glue alone', () => {
    const glue = 'a=1;m>=g||(g=Math.max(g,m*(m<1048576?2:1.125)>>>0),m&&(g=Math.max(g,256)));b=2';
    expect(withDoublingGrowth(glue)).toBe('a=1;m>=g||(g=Math.max(g,Math.min(m*2,4294967295)>>>0),m&&(g=Math.max(g,256)));b=2');
    expect(withDoublingGrowth('a=1;g=Math.max(g,m*1.125>>>0)')).toBeNull();
    expect(withDoublingGrowth(`${glue};${glue}`)).toBeNull();
  });
});
