/**
 * Migration 6: step counters in shards. Every write batch added its counters to one row per run and
 * node, so the commits of all workers on a run queued on those rows: with 4 workers on 2 cores the
 * sessions were mostly "idle in transaction" holding them while their process waited for a core
 * (bench/workers.ts: 41 / 65 / 40 records/s with 1 / 2 / 4 workers). Now each connection adds to its
 * own row (shard = its backend pid modulo 256, see writes.ts) and reads sum the shards: concurrent
 * transactions hold different rows, the counters stay exact (row-level increments, as before).
 * Existing rows become shard 0.
 */
export const name = 'step-count-shards';

export const sql = `
ALTER TABLE step_counts ADD COLUMN IF NOT EXISTS shard integer NOT NULL DEFAULT 0;
ALTER TABLE step_counts DROP CONSTRAINT IF EXISTS step_counts_pkey;
ALTER TABLE step_counts ADD CONSTRAINT step_counts_pkey PRIMARY KEY (run_id, node_id, shard);
`;
