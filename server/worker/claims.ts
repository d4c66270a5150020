/**
 * The workers' queue: records of running runs meant for workers, taken with a lease (table
 * record_claims, PostgreSQL store migration 2). The records are the queue — a step commit that moves
 * a record on is the same write that keeps its claim (the fence trigger renews the lease, or drops the
 * claim when the record ends), so no second system can disagree with the store after a crash.
 */
import type pg from 'pg';
import { RECORD_COLUMNS } from '../store/pg/rows.ts';

export interface Claim {
  runId: string;
  indexes: number[];
  /** The claimed records' rows as read by the claim, in index order (PgStore.recordsOf makes them records). */
  rows: Array<Record<string, unknown>>;
  /** On a paced run: each pending record's start slot (ms since the epoch, the database's clock). */
  starts?: Map<number, number>;
  /** The run's loop interval (0: not paced); absent on a claimMore. */
  paceMs?: number;
}

/** Record `r` holds no live claim: none, or one whose lease lapsed (its worker died). */
const UNCLAIMED = `NOT EXISTS (SELECT 1 FROM record_claims c WHERE c.run_id = r.run_id AND c.idx = r.idx AND c.lease_until >= clock_timestamp())`;

/**
 * The oldest worker-run with work free to take. A paced run (pace_ms > 0) counts only when it has a
 * lapsed running record or its next start slot falls within the horizon ($1 ms); a run whose pacing
 * no worker has read yet (pace_ms NULL, see pacing.ts) waits for it. Free records are looked up
 * through records_by_status, as the claim takes them.
 */
const RUN_SQL = `
SELECT u.id, u.pace_ms FROM runs u
WHERE u.status = 'running' AND (u.settings::jsonb ->> 'executor') = 'workers' AND u.pace_ms IS NOT NULL
  AND (EXISTS (SELECT 1 FROM records r WHERE r.run_id = u.id AND r.status = 'running' AND ${UNCLAIMED})
    OR ((u.pace_ms = 0 OR u.next_start_at IS NULL OR u.next_start_at <= clock_timestamp() + make_interval(secs => $1::integer / 1000.0))
      AND EXISTS (SELECT 1 FROM records r WHERE r.run_id = u.id AND r.status = 'pending' AND ${UNCLAIMED})))
ORDER BY u.created_at, u.id
LIMIT 1`;

/** Run $4 is running (a claim on a paused or stopped run takes nothing). */
const RUN_RUNNING = `EXISTS (SELECT 1 FROM runs u WHERE u.id = $4::text AND u.status = 'running')`;

/**
 * Claims up to $3 records of run $4, while it is running — running ones whose claim lapsed first
 * (they hold partial work), then pending ones, at most $5 of those — and returns them whole (no
 * read after the claim). Rows other workers are claiming at this moment are skipped, never waited
 * for. Each kind is read in index order from records_by_status (run, status, idx), so a claim reads
 * the few rows it takes, not every free record of the run: on a run of 10,000 records half done,
 * 0.5 ms instead of 9.6 ms (a scan and sort of the 5,000 free records), and the same at any size.
 */
const PICKED = RECORD_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ');
const CLAIM_SQL = `
WITH lapsed AS (
  SELECT ${PICKED} FROM records r
  WHERE r.run_id = $4::text AND r.status = 'running' AND ${UNCLAIMED} AND ${RUN_RUNNING}
  ORDER BY r.idx LIMIT $3::integer
  FOR UPDATE OF r SKIP LOCKED
), fresh AS (
  SELECT ${PICKED} FROM records r
  WHERE r.run_id = $4::text AND r.status = 'pending' AND ${UNCLAIMED} AND ${RUN_RUNNING}
  ORDER BY r.idx LIMIT greatest(0, least($5::integer, $3::integer - (SELECT count(*) FROM lapsed)))
  FOR UPDATE OF r SKIP LOCKED
), kept AS (
  SELECT * FROM lapsed UNION ALL SELECT * FROM fresh
), claimed AS (
  INSERT INTO record_claims (run_id, idx, worker, lease_ms, lease_until)
  SELECT run_id, idx, $1::text, $2::integer, clock_timestamp() + make_interval(secs => $2::integer / 1000.0) FROM kept
  ON CONFLICT (run_id, idx) DO UPDATE SET worker = excluded.worker, lease_ms = excluded.lease_ms, lease_until = excluded.lease_until
    WHERE record_claims.lease_until < clock_timestamp()
  RETURNING run_id, idx
)
SELECT kept.*, claimed.idx IS NULL AS lost FROM kept LEFT JOIN claimed USING (run_id, idx) ORDER BY kept.idx`;

/** A row of CLAIM_SQL: a record's columns, and whether another worker's claim took it first (`lost`). */
type ClaimRow = Record<string, unknown> & { idx: number; status: string; lost?: boolean };

/** How many times a claim is made again at once when another worker's claim took rows it had picked. */
const LOST_RETRIES = 3;

/**
 * Runs the claim statement (`claim(limit, pending)`) and keeps the rows it won. Two workers claiming
 * at the same instant: the statement's snapshot may see rows free that the other worker's claim,
 * committed a moment later, took — its insert of those claims then finds them taken, and the rows
 * come back `lost` (one claim in 6–10 came back empty so, on two workers claiming together). The
 * other free records were never looked at: the statement runs again at once, for what is still
 * wanted — its new snapshot sees the other claim — instead of the worker waiting for its next poll.
 */
export async function keptClaims(claim: (limit: number, pending: number) => Promise<ClaimRow[]>, limit: number, pending: number): Promise<ClaimRow[]> {
  const won: ClaimRow[] = [];
  for (let attempt = 0; attempt <= LOST_RETRIES && won.length < limit; attempt++) {
    const freshWon = won.filter((r) => r.status === 'pending').length;
    const rows = await claim(limit - won.length, Math.max(0, pending - freshWon));
    let lost = 0;
    for (const { lost: l, ...row } of rows) {
      if (l) lost++;
      else won.push(row as ClaimRow);
    }
    if (lost === 0) break;
  }
  return won.sort((a, b) => a.idx - b.idx);
}

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
 * workers instead of queueing behind one. The search is one statement of its own, and a run not
 * paced is claimed from in one statement too: an idle worker's poll that finds nothing costs one
 * round trip, not a transaction's three.
 */
export async function claimRecords(pool: pg.Pool, worker: string, leaseMs: number, limit: number, horizonMs = 1000): Promise<Claim | null> {
  const [run] = (await pool.query<{ id: string; pace_ms: number }>(RUN_SQL, [Math.round(horizonMs)])).rows;
  if (!run) return null;
  if (run.pace_ms === 0) {
    const claim = await claimMore(pool, worker, leaseMs, limit, run.id);
    return claim && { ...claim, paceMs: 0 };
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // The slot is read under the run row's lock; the claim itself checks the run still runs.
    const slot = (await client.query<{ first: string; now: string }>(SLOT_SQL, [run.id])).rows[0];
    if (!slot) {
      await client.query('COMMIT');
      return null;
    }
    const first = Math.round(Number(slot.first));
    const ahead = Number(slot.now) + horizonMs - first;
    const pending = ahead < 0 ? 0 : Math.min(limit, Math.floor(ahead / run.pace_ms) + 1);
    const rows = await keptClaims(async (n, p) => (await client.query<ClaimRow>(CLAIM_SQL, [worker, leaseMs, n, run.id, p])).rows, limit, pending);
    const claim: Claim = { runId: run.id, indexes: rows.map((r) => r.idx), rows, paceMs: run.pace_ms };
    const waiting = rows.filter((r) => r.status === 'pending').map((r) => r.idx);
    claim.starts = new Map(waiting.map((idx, i) => [idx, first + i * run.pace_ms]));
    if (waiting.length > 0) {
      await client.query('UPDATE runs SET next_start_at = to_timestamp($2::double precision / 1000) WHERE id = $1', [run.id, first + waiting.length * run.pace_ms]);
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
  const rows = await keptClaims(async (n) => (await pool.query<ClaimRow>(CLAIM_SQL, [worker, leaseMs, n, runId, n])).rows, limit, limit);
  return rows.length > 0 ? { runId, indexes: rows.map((r) => r.idx), rows } : null;
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
