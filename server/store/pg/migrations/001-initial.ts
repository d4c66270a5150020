/**
 * Migration 1: the store's tables in PostgreSQL, the same rows the embedded store keeps
 * (server/store/schema.sql.ts). JSON columns are text: documents come back exactly as written,
 * and a query that needs a field casts to jsonb. Identifiers and keys compare byte-wise
 * (COLLATE "C"), as SQLite does, so orders and prefix ranges match the embedded store.
 * Child rows follow their run (ON DELETE CASCADE): deleting a run is one statement.
 */
export const name = 'initial';

export const sql = `
CREATE TABLE flows (
  id         text COLLATE "C" PRIMARY KEY,
  name       text NOT NULL,
  doc        text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);

-- seq: creation order (newest run first for business keys, as the embedded store's run key).
CREATE TABLE runs (
  id           text COLLATE "C" PRIMARY KEY,
  seq          bigserial UNIQUE,
  flow_id      text COLLATE "C" NOT NULL,
  flow_name    text NOT NULL,
  flow         text NOT NULL,
  status       text NOT NULL,
  settings     text NOT NULL,
  record_count integer NOT NULL,
  reason       text,
  created_at   text COLLATE "C" NOT NULL,
  started_at   text,
  ended_at     text
);
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_flow ON runs (flow_id, created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status);

-- in_flight: the checkpoint names an unsafe step that started and did not commit (keyAttempts).
CREATE TABLE records (
  run_id     text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  idx        integer NOT NULL,
  status     text NOT NULL,
  data       text NOT NULL,
  output     text,
  error      text,
  reason     text,
  checkpoint text,
  started_at text,
  ended_at   text,
  key        text COLLATE "C",
  error_code text,
  source_row integer,
  in_flight  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (run_id, idx)
);
CREATE INDEX records_by_status ON records (run_id, status, idx);
CREATE INDEX records_by_key ON records (key) WHERE key IS NOT NULL;

CREATE TABLE record_tokens (
  run_id     text COLLATE "C" NOT NULL,
  record_idx integer NOT NULL,
  kind       text NOT NULL,
  id         integer NOT NULL,
  ord        integer NOT NULL,
  value      text NOT NULL,
  PRIMARY KEY (run_id, record_idx, kind, id),
  FOREIGN KEY (run_id, record_idx) REFERENCES records (run_id, idx) ON DELETE CASCADE
);

CREATE TABLE steps (
  run_id      text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  record_idx  integer NOT NULL,
  seq         integer NOT NULL,
  token_id    integer NOT NULL,
  node_id     text NOT NULL,
  node_type   text NOT NULL,
  attempt     integer NOT NULL,
  status      text NOT NULL,
  input       text,
  input_from  integer,
  output      text NOT NULL,
  error       text,
  evidence    text NOT NULL,
  started_at  text NOT NULL,
  ended_at    text NOT NULL,
  duration_ms double precision NOT NULL,
  PRIMARY KEY (run_id, record_idx, seq)
);

-- Steps per node and status, written with the steps (row-level increments: exact under many writers).
CREATE TABLE step_counts (
  run_id  text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node_id text COLLATE "C" NOT NULL,
  success bigint NOT NULL,
  failed  bigint NOT NULL,
  PRIMARY KEY (run_id, node_id)
);

CREATE TABLE logs (
  id         bigserial PRIMARY KEY,
  run_id     text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  record_idx integer,
  node_id    text,
  level      text NOT NULL,
  message    text NOT NULL,
  data       text,
  at         text NOT NULL
);
CREATE INDEX logs_by_run ON logs (run_id, id);

CREATE TABLE rejects (
  id      bigserial PRIMARY KEY,
  run_id  text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  row     integer NOT NULL,
  field   text,
  rule    text NOT NULL,
  value   text,
  message text NOT NULL
);
CREATE INDEX rejects_by_run ON rejects (run_id, row, id);

CREATE TABLE record_events (
  id          bigserial PRIMARY KEY,
  run_id      text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  record_idx  integer NOT NULL,
  at          text NOT NULL,
  from_status text,
  to_status   text,
  actor       text NOT NULL,
  action      text NOT NULL,
  note        text,
  data        text
);
CREATE INDEX record_events_by_record ON record_events (run_id, record_idx, id);

-- scope: run:<id>, flow:<id> or a service's own (schedule:<flowId>). A run's scope goes with the run.
CREATE TABLE node_state (
  scope   text COLLATE "C" NOT NULL,
  node_id text COLLATE "C" NOT NULL,
  key     text COLLATE "C" NOT NULL,
  value   text NOT NULL,
  PRIMARY KEY (scope, node_id, key)
);

-- Retention's audit trail: outlives the runs it names (no reference to runs).
CREATE TABLE audit (
  id        bigserial PRIMARY KEY,
  at        text NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  run_id    text COLLATE "C",
  flow_id   text,
  flow_name text,
  records   integer NOT NULL,
  bytes     bigint NOT NULL,
  detail    text
);
CREATE INDEX audit_by_run ON audit (run_id, id);
`;
