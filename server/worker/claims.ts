/**
 * The workers' queue: records of running runs meant for workers, taken with a lease (table
 * record_claims, PostgreSQL store migration 2). The records are the queue — a step commit that moves
 * a record on is the same write that keeps its claim (the fence trigger renews the lease, or drops the
 * claim when the record ends), so no second system can disagree with the store after a crash.
 */
import type pg from 'pg';

export interface Claim {
  runId: string;
  indexes: number[];
  /** On a paced run: each pending record's start slot (ms since the epoch, the database's clock). */
  starts?: Map<number, number>;
  /** The run's loop interval (0: not paced); absent on a claimMore. */
  paceMs?: number;
}

/** Free work of run `u`: a record pending or running whose claim is absent or lapsed (its worker died). */
const FREE = `r.status IN ('pending', 'running') AND (c.run_id IS NULL OR c.lease_until < clock_timestamp())`;

/**
 * The oldest worker-run with work free to take. A paced run (pace_ms > 0) counts only when it has a
 * lapsed running record or its next start slot falls within the horizon ($1 ms); a run whose pacing
 * no worker has read yet (pace_ms NULL, see pacing.ts) waits for it.
 */
const RUN_SQL = `
SELECT u.id, u.pace_ms FROM runs u
WHERE u.status = 'running' AND (u.settings::jsonb ->> 'executor') = 'workers' AND u.pace_ms IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM records r LEFT JOIN record_claims c ON c.run_id = r.run_id AND c.idx = r.idx
    WHERE r.run_id = u.id AND ${FREE}
      AND (u.pace_ms = 0 OR r.status = 'running' OR u.next_start_at IS NULL OR u.next_start_at <= clock_timestamp() + make_interval(secs => $1::integer / 1000.0)))
ORDER BY u.created_at, u.id
LIMIT 1`;

/**
 * Claims up to $3 records of run $4, while it is running — running ones whose claim lapsed first
 * (they hold partial work), then pending ones, at most $5 of those. Rows other workers are claiming at this moment are skipped,
 * never waited for.
 */
const CLAIM_SQL = `
WITH pick AS (
  SELECT r.run_id, r.idx, r.status FROM records r
  LEFT JOIN record_claims c ON c.run_id = r.run_id AND c.idx = r.idx
  WHERE r.run_id = $4::text AND ${FREE}
    AND EXISTS (SELECT 1 FROM runs u WHERE u.id = r.run_id AND u.status = 'running')
  ORDER BY (r.status = 'running') DESC, r.idx
  LIMIT $3::integer
  FOR UPDATE OF r SKIP LOCKED
), kept AS (
  SELECT run_id, idx, status FROM pick WHERE status = 'running'
  UNION ALL
  (SELECT run_id, idx, status FROM pick WHERE status = 'pending' ORDER BY idx LIMIT $5::integer)
), claimed AS (
  INSERT INTO record_claims (run_id, idx, worker, lease_ms, lease_until)
  SELECT run_id, idx, $1::text, $2::integer, clock_timestamp() + make_interval(secs => $2::integer / 1000.0) FROM kept
  ON CONFLICT (run_id, idx) DO UPDATE SET worker = excluded.worker, lease_ms = excluded.lease_ms, lease_until = excluded.lease_until
    WHERE record_claims.lease_until < clock_timestamp()
  RETURNING run_id, idx
)
SELECT claimed.idx, kept.status FROM claimed JOIN kept USING (run_id, idx)`;

/**
 * A paced run's next slot, under the run row's lock (held to the claim's commit, so workers claiming
 * it together take slots one after another): the row's next_start_at, or one interval after the
 * latest start stored (a run whose slots were never handed out), and not before now.
 */
const SLOT_SQL = `
SELECT extract(epoch FROM greatest(clock_timestamp(), coalesce(u.next_start_at,
         (SELECT max(r.started_at)::timestamptz FROM records r WHERE r.run_id = u.id) + make_interval(secs => u.pace_ms / 1000.0),
         clock_timestamp()))) * 1000 AS first,
       extract(epoch FROM clock_timestamp()) * 1000 AS now
FROM runs u WHERE u.id = $1 FOR NO KEY UPDATE`;

/**
 * Claims up to `limit` records of the oldest worker-run that has work free to take. On a paced run
 * (the trigger's loop interval) the pending records come with start slots one interval apart, taken
 * from the run row in the same transaction: the interval holds per run, however many workers claim.
 * Slots are handed out only up to `horizonMs` ahead, so the records of a paced run spread over the
 * workers instead of queueing behind one.
 */
export async function claimRecords(pool: pg.Pool, worker: string, leaseMs: number, limit: number, horizonMs = 1000): Promise<Claim | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const [run] = (await client.query<{ id: string; pace_ms: number }>(RUN_SQL, [Math.round(horizonMs)])).rows;
    if (!run) {
      await client.query('COMMIT');
      return null;
    }
    let pending = limit;
    let first = 0;
    if (run.pace_ms > 0) {
      const slot = (await client.query<{ first: string; now: string }>(SLOT_SQL, [run.id])).rows[0];
      first = Math.round(Number(slot.first));
      const ahead = Number(slot.now) + horizonMs - first;
      pending = ahead < 0 ? 0 : Math.min(limit, Math.floor(ahead / run.pace_ms) + 1);
    }
    const rows = (await client.query<{ idx: number; status: string }>(CLAIM_SQL, [worker, leaseMs, limit, run.id, pending])).rows;
    const claim: Claim = { runId: run.id, indexes: rows.map((r) => r.idx).sort((a, b) => a - b), paceMs: run.pace_ms };
    if (run.pace_ms > 0) {
      const waiting = rows.filter((r) => r.status === 'pending').map((r) => r.idx).sort((a, b) => a - b);
      claim.starts = new Map(waiting.map((idx, i) => [idx, first + i * run.pace_ms]));
      if (waiting.length > 0) {
        await client.query('UPDATE runs SET next_start_at = to_timestamp($2::double precision / 1000) WHERE id = $1', [run.id, first + waiting.length * run.pace_ms]);
      }
    }
    await client.query('COMMIT');
    return claim.indexes.length > 0 ? claim : null;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Claims up to `limit` more records of a run this worker walks already, when that run is not paced:
 * the claim statement alone (one round trip, its own transaction) — no search for the oldest run, no
 * start slots. A worker refilling its slots as records end does this for most claims; null when the
 * run has no free record (the caller then looks for work anywhere with claimRecords).
 */
export async function claimMore(pool: pg.Pool, worker: string, leaseMs: number, limit: number, runId: string): Promise<Claim | null> {
  const rows = (await pool.query<{ idx: number; status: string }>(CLAIM_SQL, [worker, leaseMs, limit, runId, limit])).rows;
  return rows.length > 0 ? { runId, indexes: rows.map((r) => r.idx).sort((a, b) => a - b) } : null;
}

/** Keeps every claim of this worker alive for another lease (its heartbeat); resolves how many it holds. */
export async function renewClaims(pool: pg.Pool, worker: string, leaseMs: number): Promise<number> {
  const r = await pool.query('UPDATE record_claims SET lease_ms = $2::integer, lease_until = clock_timestamp() + make_interval(secs => $2::integer / 1000.0) WHERE worker = $1::text', [worker, leaseMs]);
  return r.rowCount ?? 0;
}

/**
 * Gives back this worker's claims of a run it stops walking (paused, stopped, or shutting down);
 * `only`: just those of some records (taken and not walked: their walk could not be written), or all
 * but some (a batch that ended while the records of a new claim of its run were being taken).
 */
export async function releaseClaims(pool: pg.Pool, worker: string, runId?: string, only?: { indexes: number[] } | { except: number[] }): Promise<void> {
  if (runId === undefined) await pool.query('DELETE FROM record_claims WHERE worker = $1', [worker]);
  else if (only === undefined) await pool.query('DELETE FROM record_claims WHERE worker = $1 AND run_id = $2', [worker, runId]);
  else if ('except' in only) await pool.query('DELETE FROM record_claims WHERE worker = $1 AND run_id = $2 AND idx <> ALL($3::int[])', [worker, runId, only.except]);
  else if (only.indexes.length > 0) await pool.query('DELETE FROM record_claims WHERE worker = $1 AND run_id = $2 AND idx = ANY($3::int[])', [worker, runId, only.indexes]);
}

/** A write the fence refused: this worker no longer holds the record (its lease lapsed and another took it). */
export function isClaimLost(err: unknown): boolean {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'CV001' || /E_CLAIM_LOST/.test(e.message ?? '')) return true;
  }
  return false;
}
