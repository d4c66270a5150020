/**
 * The applier's batches run inside a transaction kept open across them (server/store/sql.ts, `batch`):
 * each batch is all or nothing, reads see it at once, the transaction is committed every 32 batches or
 * when asked (an export needs it committed), and a transaction SQLite ended itself is reported, never
 * silently continued without the batches it held.
 */
import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../../server/store/sqljs.ts';
import { Sql, TransactionLost } from '../../../server/store/sql.ts';
import { putFlowOp, type Applier, type Op } from '../../../server/store/ops.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { flowDoc, instant, removeTempDirs, tempDir } from './fixtures.ts';

async function table(): Promise<Sql> {
  const SQL = await loadSqlJs();
  const sql = new Sql(new SQL.Database());
  sql.db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
  return sql;
}
const rows = (sql: Sql) => sql.all('SELECT x FROM t ORDER BY x', []).map((r) => r[0]);
const insert = (sql: Sql, x: number) => sql.run('INSERT INTO t (x) VALUES (?)', [x]);
/** Whether the database can be exported now: SQLite refuses while a write transaction is open. */
const committed = (sql: Sql) => {
  try {
    sql.db.export();
    return true;
  } catch {
    return false;
  } finally {
    sql.invalidate();
  }
};

describe('Sql.batch', () => {
  it('applies a batch at once, and a batch that throws leaves nothing while the batches before it stay', async () => {
    const sql = await table();
    sql.batch(() => insert(sql, 1));
    expect(rows(sql)).toEqual([1]);
    expect(() =>
      sql.batch(() => {
        insert(sql, 2);
        insert(sql, 1); // a constraint: the whole batch goes
      }),
    ).toThrow(/UNIQUE/);
    expect(rows(sql)).toEqual([1]);
    sql.batch(() => insert(sql, 3));
    expect(rows(sql)).toEqual([1, 3]);
  });

  it('keeps the transaction open until 32 batches or a commit; what it holds is in the export after the commit', async () => {
    const sql = await table();
    for (let i = 1; i <= 31; i++) sql.batch(() => insert(sql, i));
    expect(committed(sql)).toBe(false);
    sql.batch(() => insert(sql, 32));
    expect(committed(sql)).toBe(true);
    sql.batch(() => insert(sql, 33));
    expect(committed(sql)).toBe(false);
    sql.commit();
    const SQL = await loadSqlJs();
    const copy = new SQL.Database(sql.db.export());
    expect(copy.exec('SELECT count(*) FROM t')[0].values[0][0]).toBe(33);
  });

  it('says so when SQLite ended the open transaction itself, instead of going on without its batches', async () => {
    const sql = await table();
    sql.batch(() => insert(sql, 1));
    const lost = (() => {
      try {
        sql.batch(() => {
          insert(sql, 2);
          sql.db.exec('ROLLBACK'); // as SQLite does on some errors (out of memory)
          throw new Error('a statement failed');
        });
      } catch (err) {
        return err;
      }
    })();
    expect(lost).toBeInstanceOf(TransactionLost);
    expect((lost as Error).message).toMatch(/journal still holds them/);
    // A new batch starts a new transaction.
    sql.batch(() => insert(sql, 5));
    expect(rows(sql)).toEqual([5]);
  });

  it('says so when a COMMIT fails, whether it comes with the 32nd batch or is asked for; the next batch starts afresh', async () => {
    const SQL = await loadSqlJs();
    const sql = new Sql(new SQL.Database());
    // A deferred foreign key is checked at COMMIT: a dangling one makes the COMMIT fail.
    sql.db.exec('PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (x INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)');
    const child = (x: number, pid: number) => sql.run('INSERT INTO c (x, pid) VALUES (?, ?)', [x, pid]);
    sql.db.exec('INSERT INTO p (id) VALUES (1)');
    sql.batch(() => child(1, 99));
    expect(() => sql.commit()).toThrow(TransactionLost);
    expect(sql.all('SELECT x FROM c', [])).toEqual([]);
    // 31 batches, then a 32nd whose commit fails: the 31 go with it.
    for (let i = 2; i <= 32; i++) sql.batch(() => child(i, 1));
    let lost: unknown = null;
    try {
      sql.batch(() => child(33, 99));
    } catch (err) {
      lost = err;
    }
    expect(lost).toBeInstanceOf(TransactionLost);
    expect((lost as Error).message).toMatch(/FOREIGN KEY constraint failed.*journal still holds them/);
    // Nothing half-done is left open: a new batch begins a new transaction, from the last commit.
    expect(sql.all('SELECT count(*) FROM c', [])[0][0]).toBe(0);
    sql.batch(() => child(40, 1));
    sql.commit();
    expect(sql.all('SELECT x FROM c', []).map((r) => r[0])).toEqual([40]);
  });

  it("the applier does not replay a batch whose transaction SQLite ended: it throws, as the earlier batches are gone too", async () => {
    // The applier of a real store, fed directly (its journal plays no part here).
    const store = await openSqlJsStore(tempDir(), { archiveAfterMs: null });
    const applier = (store as unknown as { applier: Applier }).applier;
    const db = applier.sql.db;
    const entry = (seq: number, id: string) => ({ seq, op: putFlowOp(flowDoc(id), instant(0, seq)) as Op, payload: '' });
    expect(applier.applyBatch([entry(1, 'f1')])[0].ok).toBe(true);
    // The next batch's first op meets SQLite ending the open transaction (f1's batch with it).
    const apply = applier.apply.bind(applier);
    let once = true;
    applier.apply = (op) => {
      if (once) {
        once = false;
        db.exec('ROLLBACK');
        throw new Error('out of memory');
      }
      return apply(op);
    };
    expect(() => applier.applyBatch([entry(2, 'f2')])).toThrow(TransactionLost);
    applier.apply = apply;
    await store.close().catch(() => undefined);
    removeTempDirs();
  });
});
