/** Prepared statements, prepared once and reused; helpers that always reset what they step. */
import type { Database, SqlValue, Statement } from 'sql.js';

export type Param = string | number | null;
/** What can be bound: a Uint8Array binds as a BLOB (see `CAST(? AS TEXT)` in ops.ts). */
export type BindValue = Param | Uint8Array;

export class Sql {
  private readonly cache = new Map<string, Statement>();
  /** Writes held back by the applier (ops.ts, deferred record updates), done before any other statement. */
  private deferred: { flush: () => void; exempt: ReadonlySet<string> } | null = null;

  constructor(readonly db: Database) {}

  /**
   * `flush` runs before every statement but the `exempt` ones (which neither read nor write what it
   * holds back), so that whatever reads or writes the database next sees the held-back writes done.
   */
  deferWrites(flush: () => void, exempt: readonly string[]): void {
    this.deferred = { flush, exempt: new Set(exempt) };
  }

  private before(sql: string): void {
    if (this.deferred !== null && !this.deferred.exempt.has(sql)) this.deferred.flush();
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
