/**
 * Runs the schema migrations at start: a `conveyor_migrations` table names the versions applied;
 * the missing ones run in one transaction under an advisory lock, so processes starting at once
 * wait for each other instead of racing (the second finds everything applied). A database written
 * by a newer Conveyor is refused (E_STORE_NEWER), as the embedded store refuses a newer snapshot.
 */
import type pg from 'pg';
import { ConveyorError } from '../../errors.ts';
import { MIGRATIONS, PG_SCHEMA_VERSION } from './migrations/index.ts';

/** Advisory lock key of the migrations ("conveyor" in ASCII, as a bigint). */
const MIGRATION_LOCK = '7165521784339281522';

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was current). */
  applied: number[];
  version: number;
}

export async function migrate(client: pg.PoolClient, where: string): Promise<MigrationResult> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS conveyor_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM conveyor_migrations')).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > PG_SCHEMA_VERSION) {
      throw new ConveyorError(
        'E_STORE_NEWER',
        `The PostgreSQL store ${where} was written by a newer version of Conveyor (schema ${newest}; this version knows ${PG_SCHEMA_VERSION}).`,
        'Upgrade Conveyor to open it (every studio and worker on one database must run the same version).',
        500,
      );
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO conveyor_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { applied, version: PG_SCHEMA_VERSION };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
