/**
 * Migration 5: the loop interval per run across workers (server/worker/claims.ts). A paced run's
 * pending records are handed out with their start slots: `next_start_at` is the first slot not yet
 * given (taken and moved on under the run row's lock, in the claim transaction), `pace_ms` the
 * trigger's interval as a worker read it from the run's flow (NULL: not read yet; 0: not paced).
 * `IF NOT EXISTS`: the columns are only added, so applying it under another number changes nothing.
 */
export const name = 'run-pacing';

export const sql = `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pace_ms integer;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS next_start_at timestamptz;
`;
