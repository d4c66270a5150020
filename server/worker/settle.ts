/**
 * Run statuses beside workers: no single process executes a run, so any worker settles it once the
 * condition holds in the database — a running run with no record left to do is completed; a pausing
 * (stopping) run whose records no worker holds any more is paused (stopped). Each is one conditional
 * UPDATE, so workers settling together write each change once.
 */
import type pg from 'pg';

export interface Settled {
  id: string;
  status: 'completed' | 'paused' | 'stopped';
}

const SETTLE_SQL = `
UPDATE runs u SET
  status = CASE u.status WHEN 'running' THEN 'completed' WHEN 'pausing' THEN 'paused' ELSE 'stopped' END,
  ended_at = CASE u.status WHEN 'pausing' THEN u.ended_at ELSE $1 END,
  -- A paused or stopped run stands still from now until it is resumed (server/engine/run-halts.ts),
  -- unless a halt is open already.
  halts = CASE WHEN u.status IN ('pausing', 'stopping') AND (u.halts IS NULL OR jsonb_typeof(u.halts::jsonb -> -1 -> 1) IS DISTINCT FROM 'null')
    THEN (COALESCE(u.halts::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_array($1::text, NULL)))::text
    ELSE u.halts END
WHERE (u.settings::jsonb ->> 'executor') = 'workers'
  AND (
    (u.status = 'running' AND NOT EXISTS (SELECT 1 FROM records r WHERE r.run_id = u.id AND r.status IN ('pending', 'running')))
    OR (u.status IN ('pausing', 'stopping') AND NOT EXISTS (SELECT 1 FROM record_claims c WHERE c.run_id = u.id AND c.lease_until >= clock_timestamp()))
  )
RETURNING u.id, u.status`;

/**
 * Completed runs that have a record to do after all: a review Retry (on a studio) committed while
 * SETTLE_SQL ran, after its snapshot — it waited on the run's row, then completed the run around
 * the retried record, which nothing would ever walk (the studio had read the run still running, so
 * it left the record to the run). A new statement sees every commit before it: such a run goes on.
 * A Retry committed after this sees the run completed and resumes it itself (engine.ts runRetried).
 */
const REOPEN_SQL = `
UPDATE runs u SET status = 'running', ended_at = NULL
WHERE u.id = ANY($1::text[]) AND u.status = 'completed'
  AND EXISTS (SELECT 1 FROM records r WHERE r.run_id = u.id AND r.status IN ('pending', 'running'))
RETURNING u.id`;

export async function settleRuns(pool: pg.Pool): Promise<Settled[]> {
  const r = await pool.query<Settled>(SETTLE_SQL, [new Date().toISOString()]);
  const completed = r.rows.filter((s) => s.status === 'completed').map((s) => s.id);
  if (completed.length === 0) return r.rows;
  const reopened = new Set((await pool.query<{ id: string }>(REOPEN_SQL, [completed])).rows.map((row) => row.id));
  return r.rows.filter((s) => !reopened.has(s.id));
}

/** The statuses of the runs a worker walks now, to halt their records when Pause or Stop was asked. */
export async function runStatuses(pool: pg.Pool, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const r = await pool.query<{ id: string; status: string }>('SELECT id, status FROM runs WHERE id = ANY($1::text[])', [ids]);
  return new Map(r.rows.map((row) => [row.id, row.status]));
}
