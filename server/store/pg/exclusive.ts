/**
 * Who may work on one PostgreSQL database at once, held with one session advisory lock for as long
 * as the process runs (PostgreSQL drops it with the connection, so a killed process frees it at once):
 * - `shared`: a studio started with --no-execute (workers execute). Any number of them share the
 *   database: the scheduler fires each tick once across them (server/scheduler/tick-claims.ts) and
 *   one of them at a time sends alerts and summaries (server/scheduler/leadership.ts).
 * - `sole`: a process whose engine executes runs itself (a studio without --no-execute, `run`,
 *   `resume`) or `store copy`. Its start-up recovery marks every run left `running` as interrupted,
 *   which is only right when no other engine works on the data: it is refused beside any other
 *   holder, and every other holder is refused beside it.
 */
import type pg from 'pg';
import { ConveyorError } from '../../errors.ts';

/** Advisory lock key of the studios' hold ("conveyor.studio", folded into a bigint). */
const STUDIO_LOCK = '7165521784339281523';

export type Hold = 'sole' | 'shared';

export async function holdStore(pool: pg.Pool, where: string, hold: Hold): Promise<() => Promise<void>> {
  const client = await pool.connect();
  // Held for the process's life: a connection lost later (a database restart) must not crash the
  // process. The hold is then gone until the studio restarts (see docs/architecture.md, "Scaling out").
  client.on('error', () => undefined);
  const fn = hold === 'sole' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  const got = await client.query<{ ok: boolean }>(`SELECT ${fn}($1::bigint) AS ok`, [STUDIO_LOCK]).catch((err: unknown) => {
    client.release(true);
    throw err;
  });
  if (!got.rows[0].ok) {
    client.release();
    throw inUse(where, hold);
  }
  return async () => {
    try {
      await client.query(hold === 'sole' ? 'SELECT pg_advisory_unlock($1::bigint)' : 'SELECT pg_advisory_unlock_shared($1::bigint)', [STUDIO_LOCK]);
    } finally {
      client.release();
    }
  };
}

function inUse(where: string, hold: Hold): ConveyorError {
  if (hold === 'shared') {
    return new ConveyorError(
      'E_STORE_IN_USE',
      `The PostgreSQL store ${where} is held by a process that executes runs itself (a studio without --no-execute, conveyor run, or a store copy): no other studio may work beside it.`,
      'Stop that process, then start every studio with --no-execute (CONVEYOR_EXECUTE=0) and let `npx conveyor worker` processes execute the runs (see "Scaling out" in the README).',
      409,
    );
  }
  return new ConveyorError(
    'E_STORE_IN_USE',
    `Another Conveyor process already works on the PostgreSQL store ${where}, and this one would execute runs itself (or copy into it), which needs the database to itself.`,
    'Several studios share one database only when each is started with --no-execute (CONVEYOR_EXECUTE=0) beside `npx conveyor worker` processes. Otherwise stop the other studio first, or give this one its own database (DATABASE_URL).',
    409,
  );
}

/** Advisory lock class of one flow's writes (the flow id is the second key: `hashtext`). */
const FLOW_LOCK_CLASS = 0x436f6e76; // "Conv"

/**
 * Runs `write` holding flow `id`'s advisory lock, on a connection of its own: two studios on one
 * database writing the same flow (one renames it while the other saves it) take turns as one studio's
 * writes do. Without it, a rename read the flow, the other studio's save was written, and the rename
 * wrote the flow it had read back: the save was gone though it answered 200. A session lock (not a
 * transaction's): the write runs its own statements on other connections. A connection lost while
 * holding it frees it (PostgreSQL drops a session's locks with it).
 */
export async function withFlowLock<T>(pool: pg.Pool, id: string, write: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  client.on('error', () => undefined);
  try {
    await client.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [FLOW_LOCK_CLASS, id]);
  } catch (err) {
    client.release(true);
    throw err;
  }
  try {
    return await write();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [FLOW_LOCK_CLASS, id]).then(
      () => client.release(),
      (err: unknown) => client.release(err instanceof Error ? err : true),
    );
  }
}
