/**
 * DDL of the store's SQLite database (sql.js, in memory). JSON columns hold JSON text.
 * Every statement is idempotent: it runs on each open, over a snapshot or a fresh database.
 */

/**
 * Bumped when the layout changes in a way an older snapshot needs migrating for, or an older version
 * could not read. 3: the `audit` table and the run deletion op (retention), which older versions
 * cannot replay. 4: run archives and step segments (the ops 'H' and 'P', archived_keys, spilled_steps), which older versions cannot replay.
 */
/**
 * 5: `records.output_step` — a finished record's output kept by reference to the step that emitted it
 * (output-ref.ts). An older version would read those outputs as null: it refuses the store.
 */
export const SCHEMA_VERSION = 5;

/** Connection settings: the database lives in sql.js memory, durability comes from the journal. */
export const PRAGMAS = `
PRAGMA page_size = 8192;
PRAGMA journal_mode = MEMORY;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -16384;
PRAGMA foreign_keys = OFF;
-- One connection ever opens this database: holding its lock for good spares SQLite a look for a hot
-- journal at every transaction, which sql.js's in-memory file system answers by throwing an error
-- (FS lookup, stat): 11-14 % of the CPU of a run of no-op steps (20,000 records, bench/code-step.ts).
PRAGMA locking_mode = EXCLUSIVE;
`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS flows (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  doc        TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- key: a small integer the run's records, steps and logs refer to (smaller indexes than the text id).
CREATE TABLE IF NOT EXISTS runs (
  key          INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  flow_id      TEXT NOT NULL,
  flow_name    TEXT NOT NULL,
  flow         TEXT NOT NULL,
  status       TEXT NOT NULL,
  settings     TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  reason       TEXT,
  created_at   TEXT NOT NULL,
  started_at   TEXT,
  ended_at     TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_flow ON runs (flow_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status);

CREATE TABLE IF NOT EXISTS records (
  run_key    INTEGER NOT NULL,
  idx        INTEGER NOT NULL,
  status     TEXT NOT NULL,
  data       TEXT NOT NULL,
  output     TEXT,
  error      TEXT,
  reason     TEXT,
  checkpoint TEXT,
  started_at TEXT,
  ended_at   TEXT,
  key        TEXT,
  error_code TEXT,
  source_row INTEGER,
  output_step INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS records_pk ON records (run_key, idx);

-- The tokens ('t') and fan-out groups ('g') of a record that fanned out, one row each, in their order
-- (ord): its checkpoint column then holds only the header (see server/engine/fan-out.ts).
CREATE TABLE IF NOT EXISTS record_tokens (
  run_key    INTEGER NOT NULL,
  record_idx INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  id         INTEGER NOT NULL,
  ord        INTEGER NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (run_key, record_idx, kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_by_status ON records (run_key, status, idx);

CREATE TABLE IF NOT EXISTS steps (
  run_key     INTEGER NOT NULL,
  record_idx  INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  token_id    INTEGER NOT NULL,
  node_id     TEXT NOT NULL,
  node_type   TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  status      TEXT NOT NULL,
  input       TEXT,
  input_from  INTEGER,
  output      TEXT NOT NULL,
  error       TEXT,
  evidence    TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  ended_at    TEXT NOT NULL,
  duration_ms REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS steps_pk ON steps (run_key, record_idx, seq);

-- Steps per node and status, kept with the steps (same transaction): stepCounts reads a few rows
-- instead of grouping a million steps, and commits skip a (run, node, status) index on steps.
CREATE TABLE IF NOT EXISTS step_counts (
  run_key INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  success INTEGER NOT NULL,
  failed  INTEGER NOT NULL,
  review  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_key, node_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS logs (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key    INTEGER NOT NULL,
  record_idx INTEGER,
  node_id    TEXT,
  level      TEXT NOT NULL,
  message    TEXT NOT NULL,
  data       TEXT,
  at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_run ON logs (run_key, id);

-- Rows refused before a run started (validation), in file order.
CREATE TABLE IF NOT EXISTS rejects (
  id      INTEGER PRIMARY KEY,
  run_key INTEGER NOT NULL,
  row     INTEGER NOT NULL,
  field   TEXT,
  rule    TEXT NOT NULL,
  value   TEXT,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_by_run ON rejects (run_key, row, id);

-- Audit trail of each record: status transitions by the engine and operators' actions.
CREATE TABLE IF NOT EXISTS record_events (
  id         INTEGER PRIMARY KEY,
  run_key    INTEGER NOT NULL,
  record_idx INTEGER NOT NULL,
  at         TEXT NOT NULL,
  from_status TEXT,
  to_status  TEXT,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  note       TEXT,
  data       TEXT
);
CREATE INDEX IF NOT EXISTS record_events_by_record ON record_events (run_key, record_idx, id);

-- Nodes' persisted state (distribution counters, seen keys, a schedule's last tick), written with
-- the step that changed it. scope: run:<id>, flow:<id> or a service's own.
CREATE TABLE IF NOT EXISTS node_state (
  scope   TEXT NOT NULL,
  node_id TEXT NOT NULL,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (scope, node_id, key)
) WITHOUT ROWID;

-- Retention's audit trail (schema 3): each run deleted or archived, uploads cleaned up. It outlives
-- the runs it names (no run key: the run row is gone).
CREATE TABLE IF NOT EXISTS audit (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  run_id    TEXT,
  flow_id   TEXT,
  flow_name TEXT,
  records   INTEGER NOT NULL,
  bytes     INTEGER NOT NULL,
  detail    TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_run ON audit (run_id, id);

-- Business keys of archived runs' records (schema 4): what idempotency look-ups (keyAttempts) need
-- of a record whose row moved to the run's archive (server/store/archive/). Records kept hot (in
-- review, failed) keep their row in records instead.
CREATE TABLE IF NOT EXISTS archived_keys (
  run_key    INTEGER NOT NULL,
  idx        INTEGER NOT NULL,
  key        TEXT NOT NULL,
  status     TEXT NOT NULL,
  error_code TEXT,
  in_flight  INTEGER NOT NULL,
  PRIMARY KEY (run_key, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS archived_keys_by_key ON archived_keys (key);

-- Steps of finished records of a run, moved to the run's step segments (server/store/archive/spill.ts):
-- where the frame is, the last step it holds, how many, and their durations for the run report.
CREATE TABLE IF NOT EXISTS spilled_steps (
  run_key    INTEGER NOT NULL,
  record_idx INTEGER NOT NULL,
  seg        INTEGER NOT NULL,
  offset     INTEGER NOT NULL,
  length     INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL,
  steps      INTEGER NOT NULL,
  timings    TEXT NOT NULL,
  PRIMARY KEY (run_key, record_idx)
) WITHOUT ROWID;
`;

/**
 * Columns added to tables after schema 1, as ALTER TABLE statements run (on open) only when the column
 * is missing, before `SCHEMA_INDEXES`. `backfill` fills the new column of existing rows.
 */
export const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; ddl: string; backfill?: string }> = [
  { table: 'records', column: 'key', ddl: 'ALTER TABLE records ADD COLUMN key TEXT' },
  {
    table: 'records',
    column: 'error_code',
    ddl: 'ALTER TABLE records ADD COLUMN error_code TEXT',
    backfill: "UPDATE records SET error_code = json_extract(error, '$.code') WHERE error IS NOT NULL AND json_valid(error)",
  },
  { table: 'records', column: 'source_row', ddl: 'ALTER TABLE records ADD COLUMN source_row INTEGER' },
  // Schema 4: the run's archive (JSON: folder, manifest digest, sizes, counts; null while its rows are
  // in the database) and the last journal entry that wrote to the run (an archive op checks it).
  { table: 'runs', column: 'archive', ddl: 'ALTER TABLE runs ADD COLUMN archive TEXT' },
  { table: 'runs', column: 'touched_seq', ddl: 'ALTER TABLE runs ADD COLUMN touched_seq INTEGER NOT NULL DEFAULT 0' },
  // Schema 5: the seq of the step whose emitted data is the record's output, its output column then
  // empty (output-ref.ts); 0 when the column holds the output.
  { table: 'records', column: 'output_step', ddl: 'ALTER TABLE records ADD COLUMN output_step INTEGER NOT NULL DEFAULT 0' },
  // Steps that sent their record to review, apart from `failed` (CountedAs). Stores from before
  // counted them as failed: their runs keep those counts. An older version reads success and failed
  // as before (it only does not see this column).
  { table: 'step_counts', column: 'review', ddl: 'ALTER TABLE step_counts ADD COLUMN review INTEGER NOT NULL DEFAULT 0' },
  // When the run stood still (RunRow.halts, JSON; null: never). An older version does not see it.
  { table: 'runs', column: 'halts', ddl: 'ALTER TABLE runs ADD COLUMN halts TEXT' },
];

/**
 * Indexes over added columns (created once the columns exist). Partial on the key: records without a
 * business key cost nothing, and commits (which never change the key) do not touch it.
 */
export const SCHEMA_INDEXES = `
CREATE INDEX IF NOT EXISTS records_by_key ON records (key) WHERE key IS NOT NULL;
`;

/** Key in `meta` of the last journal sequence number the database contains. */
export const META_LAST_SEQ = 'last_seq';
export const META_SCHEMA_VERSION = 'schema_version';
/**
 * Key in `meta` set ('1') by every snapshot written since a journal file always continues one (the
 * empty one a close leaves included): with it, a snapshot that no journal file continues lost that file
 * (deleted, moved), and opening would serve the store as it was at the snapshot without a word.
 * Snapshots written before have no such row and are not held to it.
 */
export const META_JOURNAL_KEPT = 'journal_kept';
