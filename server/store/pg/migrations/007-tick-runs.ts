/**
 * Migration 7: a claimed tick names its run. The claim committed before the run was created, so a
 * studio that died in between lost the tick: every other studio saw it claimed. Now the claim holds
 * the id of the run it will start (`run_id`, decided before the claim); a claim whose run does not
 * exist, made by another studio, may be taken over — with the same run id, so the runs table's
 * primary key lets only one of them start it (server/scheduler/tick-claims.ts). `run_id` NULL: the
 * tick was settled without a run (skipped while the previous run went on), as every earlier row.
 */
export const name = 'tick-runs';

export const sql = `
ALTER TABLE schedule_ticks ADD COLUMN IF NOT EXISTS run_id text;
`;
