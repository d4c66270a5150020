/**
 * Node state exact across workers: a stateful step (Remove duplicates, Distribute, group position)
 * reads its state, decides and commits while it holds the lock of its (scope, node). In one process
 * StateLocks serializes them; beside other workers this also takes a PostgreSQL advisory lock on a
 * connection of its own for the same span, so no two processes interleave a read and a commit. A
 * worker that dies loses its connection, and PostgreSQL frees the lock at once.
 */
import type pg from 'pg';
import { StateLocks } from '../engine/node-state.ts';

export class SharedStateLocks extends StateLocks {
  constructor(private readonly pool: pg.Pool) {
    super();
  }

  override async acquire(key: string): Promise<() => void> {
    // One holder per key in this process first: it alone waits on the database lock.
    const local = await super.acquire(key);
    // PostgreSQL text holds no NUL (the engine's key separator).
    const name = `conveyor.state/${key.replaceAll('\u0000', '/')}`;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      local();
      throw err;
    }
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [name]);
    } catch (err) {
      client.release(true);
      local();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      client
        .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name])
        .then(() => client.release(), () => client.release(true))
        .finally(local);
    };
  }
}
