/**
 * One studio per database, until workers share it: the studio holds a session advisory lock for as
 * long as it runs (PostgreSQL drops it with the connection, so a killed process frees it at once).
 * A second studio on the same database is refused, as a second one on the same data folder is.
 */
import type pg from 'pg';
import { ConveyorError } from '../../errors.ts';

/** Advisory lock key of the studio's hold ("conveyor.studio", folded into a bigint). */
const STUDIO_LOCK = '7165521784339281523';

export async function holdExclusive(pool: pg.Pool, where: string): Promise<() => Promise<void>> {
  const client = await pool.connect();
  // Held for the process's life: a connection lost later (a database restart) must not crash the
  // process. The hold is then gone until the studio restarts (see docs/architecture.md, "Scaling out").
  client.on('error', () => undefined);
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [STUDIO_LOCK]).catch((err: unknown) => {
    client.release(true);
    throw err;
  });
  if (!got.rows[0].ok) {
    client.release();
    throw new ConveyorError(
      'E_STORE_IN_USE',
      `Another Conveyor studio already uses the PostgreSQL store ${where}.`,
      'Stop the other studio first, or give this one its own database (DATABASE_URL). Several processes on one database come with workers (see "Scaling out" in the README).',
      409,
    );
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [STUDIO_LOCK]);
    } finally {
      client.release();
    }
  };
}
