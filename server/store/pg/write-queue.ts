/**
 * Group commit for the PostgreSQL store: writes queued while a batch commits go together in the
 * next transaction, applied in the order they were submitted (as the embedded store's journal does),
 * and each write's promise settles only after COMMIT. A write that fails (a step committed twice, a
 * deleted run) changes nothing and fails alone: the batch is redone with a savepoint per write.
 * A deadlock or serialization failure with another process's batch redoes the whole batch.
 * Writes that are each one statement (a step commit, a record update: writes.ts `alone`) skip the
 * transaction: one alone is sent as it is, several of different records go at once on several
 * connections — a worker's commits cost one round trip each instead of BEGIN, the writes, the step
 * counters and COMMIT.
 */
import type pg from 'pg';
import { isRetryable, isUnreachable, unreachableWriteError } from './connection.ts';
import { writeCounts, type StepTally, type Write, type WriteContext } from './writes.ts';

interface Entry {
  write: Write<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Writes per transaction at most (a run of 100,000 records is one write). */
const MAX_BATCH = 256;
/** Attempts of a batch that lost a deadlock to another writer. */
const MAX_ATTEMPTS = 5;

export class WriteQueue {
  private queue: Entry[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
  ) {}

  submit<R>(write: Write<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ write: write as Write<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once every write submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        let outcomes: Outcome[];
        try {
          outcomes = await this.commit(batch);
        } catch (err) {
          const outcome = failed(this.where, err);
          outcomes = batch.map(() => outcome);
        }
        batch.forEach((e, i) => {
          const o = outcomes[i];
          if (o.ok) e.resolve(o.value);
          else e.reject(o.error);
        });
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(batch: Entry[]): Promise<Outcome[]> {
    // Writes that can each be one statement, of different records (a worker's step commits, mostly):
    // each its own transaction, at once on several connections. Their order does not matter — a
    // record's next write is submitted only once its last one settled — and each fails alone.
    if (batch.length > 1 && batch.every((e) => e.write.alone && e.write.row !== undefined) && new Set(batch.map((e) => e.write.row)).size === batch.length) {
      return Promise.all(batch.map((e) => this.commit([e]).then((o) => o[0], (err: unknown) => failed(this.where, err))));
    }
    // A write alone in its batch that can be one statement is its own transaction (writes.ts, Write.alone).
    const alone = batch.length === 1 ? batch[0].write.alone : undefined;
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A connection lost while checked out emits 'error' on the client: the failed query reports it.
      const ignore = () => undefined;
      client.on('error', ignore);
      let broken = false;
      try {
        if (alone) {
          try {
            return [{ ok: true, value: await alone(client) }];
          } catch (err) {
            if (isRetryable(err) || isUnreachable(err)) throw err;
            return [{ ok: false, error: refused(err) }];
          }
        }
        try {
          return await this.apply(client, batch, false);
        } catch (err) {
          await rollback(client);
          if (isRetryable(err) || isUnreachable(err)) throw err;
        }
        // One write failed: again, each write in its own savepoint, so the others still commit.
        return await this.apply(client, batch, true);
      } catch (err) {
        broken = isUnreachable(err);
        // (A lone statement has no transaction left open: nothing to roll back.)
        if (!alone) await rollback(client);
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
      } finally {
        client.removeListener('error', ignore);
        client.release(broken);
      }
    }
  }

  private async apply(client: pg.PoolClient, batch: Entry[], savepoints: boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const counts = new Map<string, StepTally>();
    await client.query('BEGIN');
    for (const entry of batch) {
      const ctx: WriteContext = { client, counts: new Map() };
      if (!savepoints) {
        outcomes.push({ ok: true, value: await entry.write(ctx) });
      } else {
        await client.query('SAVEPOINT w');
        try {
          outcomes.push({ ok: true, value: await entry.write(ctx) });
          await client.query('RELEASE SAVEPOINT w');
        } catch (err) {
          if (isRetryable(err) || isUnreachable(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT w');
          await client.query('RELEASE SAVEPOINT w');
          outcomes.push({ ok: false, error: refused(err) });
          continue;
        }
      }
      // Counters of a write that committed only.
      for (const [k, t] of ctx.counts) {
        const c = counts.get(k);
        if (c) for (let i = 0; i < 3; i++) c[i] += t[i];
        else counts.set(k, [t[0], t[1], t[2]]);
      }
    }
    await writeCounts(client, counts);
    await client.query('COMMIT');
    return outcomes;
  }
}

/** A batch that could not commit: the database away (E_STORE_WRITE), or refused. */
function failed(where: string, err: unknown): Outcome {
  return { ok: false, error: isUnreachable(err) ? unreachableWriteError(where, err) : refused(err) };
}

async function rollback(client: pg.PoolClient): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
}

/** A refused write, as the embedded store words it: the cause keeps a coded error (E_RUN_ACTIVE…). */
function refused(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`The store refused the write: ${message}`, { cause: err });
}
