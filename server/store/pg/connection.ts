/**
 * The connection pool of the PostgreSQL store, where it points (never with its password), and the
 * errors a lost or refused connection turns into.
 */
import pg from 'pg';
import { ConveyorError } from '../../errors.ts';
import { StoreWriteError } from '../write-failure.ts';

/**
 * bigint columns (counts, sums) as numbers: every count the store returns fits. Set with the first
 * pool, not when this module loads: that would load pg at every start of the CLI, PostgreSQL or not.
 * Every connection of the store (the copy's client too) is made after its pool.
 */
let countsAsNumbers = false;
function readCountsAsNumbers(): void {
  if (countsAsNumbers) return;
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  countsAsNumbers = true;
}

/** host:port/database of a connection URL: what messages and logs may show (no user, no password). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(an unreadable DATABASE_URL)';
  }
}

export function createPool(url: string, max: number): pg.Pool {
  readCountsAsNumbers();
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle connection the server closed (a restart) is replaced on the next query; the error is
  // reported there, not as an uncaught event.
  pool.on('error', () => undefined);
  return pool;
}

/** SQLSTATE classes and socket errors that mean the database cannot be reached or went away. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '3D000', '28P01', '28000']);

export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (UNREACHABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect/i.test(e.message ?? '');
}

export function unreachableError(where: string, err: unknown): ConveyorError {
  const reason = (err as Error)?.message ?? String(err);
  return new ConveyorError(
    'E_STORE_UNREACHABLE',
    `The PostgreSQL store ${where} cannot be reached or refused the connection: ${reason}`,
    'Check that PostgreSQL runs and that DATABASE_URL names the right host, database, user and password; the runs under way continue from their last committed step once it answers again.',
    503,
  );
}

/**
 * A write the database could not take because it cannot be reached: the store's write failure
 * (E_STORE_WRITE), so the engine halts the runs as it does for a full disk (interrupted, resumable
 * from the last committed step) instead of failing them.
 */
export function unreachableWriteError(where: string, err: unknown): StoreWriteError {
  const reason = (err as Error)?.message ?? String(err);
  return new StoreWriteError(
    {
      code: 'E_STORE_WRITE',
      message: `The PostgreSQL store ${where} could not be reached to commit a write (${reason}); the write was not acknowledged.`,
      hint: 'Check that PostgreSQL runs and answers at DATABASE_URL, then press Resume (or try again): the runs continue from their last committed step.',
      osCode: (err as { code?: string } | null)?.code ?? null,
      since: new Date().toISOString(),
    },
    err,
  );
}

/** Errors worth trying the whole batch again for: another writer held the rows (deadlock, serialization). */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}
