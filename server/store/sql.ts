/** Prepared statements, prepared once and reused; helpers that always reset what they step. */
import type { Database, SqlValue, Statement } from 'sql.js';

export type Param = string | number | null;
/** What can be bound: a Uint8Array binds as a BLOB (see `CAST(? AS TEXT)` in ops.ts). */
export type BindValue = Param | Uint8Array;

export class Sql {
  private readonly cache = new Map<string, Statement>();
  /** Called with each statement before it runs: the applier writes what it held back (ops.ts, `Applier.beforeStatement`). */
  private beforeHook: ((sql: string) => void) | null = null;

  constructor(readonly db: Database) {}

  /** `hook` runs before every statement, with its text, so that writes held back are done before anything reads them. */
  beforeEach(hook: (sql: string) => void): void {
    this.beforeHook = hook;
  }

  private before(sql: string): void {
    if (this.beforeHook !== null) this.beforeHook(sql);
  }

  statement(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  run(sql: string, params: BindValue[]): void {
    this.before(sql);
    const stmt = this.statement(sql);
    stmt.bind(params);
    try {
      stmt.step();
    } finally {
      stmt.reset();
    }
  }

  /** Rows changed by the last INSERT/UPDATE/DELETE. */
  changes(): number {
    return this.db.getRowsModified();
  }

  all(sql: string, params: Param[]): SqlValue[][] {
    this.before(sql);
    const stmt = this.statement(sql);
    stmt.bind(params);
    const rows: SqlValue[][] = [];
    try {
      while (stmt.step()) rows.push(stmt.get());
    } finally {
      stmt.reset();
    }
    return rows;
  }

  one(sql: string, params: Param[]): SqlValue[] | null {
    this.before(sql);
    const stmt = this.statement(sql);
    stmt.bind(params);
    try {
      return stmt.step() ? stmt.get() : null;
    } finally {
      stmt.reset();
    }
  }

  /** Frees every prepared statement (they are prepared again on next use), e.g. after `db.export()`. */
  invalidate(): void {
    for (const stmt of this.cache.values()) {
      try {
        stmt.free();
      } catch {
        // Already freed by sql.js.
      }
    }
    this.cache.clear();
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.rollback();
      throw err;
    }
    this.db.exec('COMMIT');
    return result;
  }

  rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled back (some errors end the transaction themselves).
    }
  }
}
