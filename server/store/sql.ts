/** Prepared statements, prepared once and reused; helpers that always reset what they step. */
import type { Database, SqlValue, Statement } from 'sql.js';

export type Param = string | number | null;
/** What can be bound: a Uint8Array binds as a BLOB (see `CAST(? AS TEXT)` in ops.ts). */
export type BindValue = Param | Uint8Array;

export class Sql {
  private readonly cache = new Map<string, Statement>();
  /** Called with each statement before it runs: the applier writes what it held back (ops.ts, `Applier.beforeStatement`). */
  private beforeHook: ((sql: string) => void) | null = null;
  /** A transaction `batch` keeps open, and the batches in it. */
  private open = false;
  private batches = 0;

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

  /**
   * Runs `fn` as one batch of writes: all of it or nothing, as a transaction would, but inside a
   * transaction kept open across batches and committed every `BATCHES_PER_COMMIT` of them (and by
   * `commit`, before anything that needs the database file itself: an export, VACUUM).
   *
   * Why: a COMMIT writes every page the transaction dirtied to the database file (sql.js keeps it in
   * a typed array, each page copied over from SQLite's memory), and consecutive group commits touch
   * some of the same pages (the records under way, the tails of the log and event tables and their
   * indexes). A 10-step chain of 10,000 records (bench/engine-chain.ts, profiled): 1,760 commits took
   * 264 ms, 8 % of its CPU; 55 commits of 32 batches, 189 ms — most pages a run dirties are new ones
   * (its appended rows), written once either way. Nothing is less durable: durability is the
   * journal's, and this connection is the only one, so it reads its own uncommitted writes. Should SQLite end the open
   * transaction itself (out of memory), the batches since the last commit are gone from the database
   * while their entries are in the journal: `TransactionLost` is thrown, and the store stops writing
   * until it is reopened from its files.
   */
  batch<T>(fn: () => T): T {
    if (!this.open) {
      this.db.exec('BEGIN');
      this.open = true;
    }
    this.db.exec('SAVEPOINT batch');
    let result: T;
    try {
      result = fn();
    } catch (err) {
      try {
        this.db.exec('ROLLBACK TO batch');
        this.db.exec('RELEASE batch');
      } catch (cause) {
        this.lose(cause);
      }
      throw err;
    }
    this.db.exec('RELEASE batch');
    if (++this.batches >= BATCHES_PER_COMMIT) this.commit();
    return result;
  }

  /**
   * Commits the transaction `batch` keeps open, if any. A COMMIT that fails (out of memory, an I/O
   * error of sql.js's in-memory file) leaves the batches since the last commit undone or in doubt:
   * rolled back here and reported as `TransactionLost`, never left open behind a closed flag (the next
   * batch's BEGIN failed then) nor gone on without (the store stops writing until reopened from its files).
   */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    this.batches = 0;
    try {
      this.db.exec('COMMIT');
    } catch (cause) {
      this.lose(cause);
    }
  }

  /** The open transaction cannot go on: rolled back (if SQLite has not already), reported as lost. */
  private lose(cause: unknown): never {
    this.open = false;
    this.batches = 0;
    this.rollback();
    throw new TransactionLost(cause);
  }

  rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled back (some errors end the transaction themselves).
    }
  }
}

/**
 * Batches kept in one transaction. The commits of a 10-step chain cost 189 ms in 55 commits of 32
 * batches against 264 ms in 1,760 (see `batch`); meanwhile SQLite's in-memory rollback journal holds
 * the original of each existing page the open transaction changed — the pages of the records under
 * way and of the tables' tails, not the appended ones: a few MB at most.
 */
const BATCHES_PER_COMMIT = 32;

/** SQLite ended the transaction `Sql.batch` kept open: the writes since its last commit are lost from the database (not from the journal). */
export class TransactionLost extends Error {
  constructor(cause: unknown) {
    super(`The database lost the writes of its open transaction (${cause instanceof Error ? cause.message : String(cause)}); the journal still holds them.`, { cause });
    this.name = 'TransactionLost';
  }
}
