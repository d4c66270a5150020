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
}

/**
 * Claims up to `limit` records of the oldest worker-run that has work free to take: pending records,
 * and running ones whose claim lapsed (their worker died) — those first, they hold partial work.
 * Rows other workers are claiming at this moment are skipped, never waited for.
 */
const CLAIM_SQL = `
WITH run AS (
  SELECT u.id FROM runs u
  WHERE u.status = 'running' AND (u.settings::jsonb ->> 'executor') = 'workers'
    AND EXISTS (
      SELECT 1 FROM records r LEFT JOIN record_claims c ON c.run_id = r.run_id AND c.idx = r.idx
      WHERE r.run_id = u.id AND r.status IN ('pending', 'running') AND (c.run_id IS NULL OR c.lease_until < clock_timestamp()))
  ORDER BY u.created_at, u.id
  LIMIT 1
), pick AS (
  SELECT r.run_id, r.idx FROM records r
  JOIN run ON run.id = r.run_id
  LEFT JOIN record_claims c ON c.run_id = r.run_id AND c.idx = r.idx
  WHERE r.status IN ('pending', 'running') AND (c.run_id IS NULL OR c.lease_until < clock_timestamp())
  ORDER BY (r.status = 'running') DESC, r.idx
  LIMIT $3::integer
  FOR UPDATE OF r SKIP LOCKED
)
INSERT INTO record_claims (run_id, idx, worker, lease_ms, lease_until)
SELECT run_id, idx, $1::text, $2::integer, clock_timestamp() + make_interval(secs => $2::integer / 1000.0) FROM pick
ON CONFLICT (run_id, idx) DO UPDATE SET worker = excluded.worker, lease_ms = excluded.lease_ms, lease_until = excluded.lease_until
  WHERE record_claims.lease_until < clock_timestamp()
RETURNING run_id, idx`;

export async function claimRecords(pool: pg.Pool, worker: string, leaseMs: number, limit: number): Promise<Claim | null> {
  const r = await pool.query<{ run_id: string; idx: number }>(CLAIM_SQL, [worker, leaseMs, limit]);
  if (r.rows.length === 0) return null;
  return { runId: r.rows[0].run_id, indexes: r.rows.map((row) => row.idx).sort((a, b) => a - b) };
}

/** Keeps every claim of this worker alive for another lease (its heartbeat); resolves how many it holds. */
export async function renewClaims(pool: pg.Pool, worker: string, leaseMs: number): Promise<number> {
  const r = await pool.query('UPDATE record_claims SET lease_ms = $2::integer, lease_until = clock_timestamp() + make_interval(secs => $2::integer / 1000.0) WHERE worker = $1::text', [worker, leaseMs]);
  return r.rowCount ?? 0;
}

/** Gives back this worker's claims of a run it stops walking (paused, stopped, or shutting down). */
export async function releaseClaims(pool: pg.Pool, worker: string, runId?: string): Promise<void> {
  if (runId === undefined) await pool.query('DELETE FROM record_claims WHERE worker = $1', [worker]);
  else await pool.query('DELETE FROM record_claims WHERE worker = $1 AND run_id = $2', [worker, runId]);
}

/** A write the fence refused: this worker no longer holds the record (its lease lapsed and another took it). */
export function isClaimLost(err: unknown): boolean {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'CV001' || /E_CLAIM_LOST/.test(e.message ?? '')) return true;
  }
  return false;
}
