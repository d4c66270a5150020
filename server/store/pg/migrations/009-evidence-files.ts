/**
 * Migration 9: evidence files (screenshots, pages) in the database. Studios and workers each have
 * their own data folder; a screenshot a worker took on its machine was out of every studio's reach
 * (the record page, the review queue and the run's archive said it did not exist). Kept with the
 * SHA-256 of its bytes, checked at every read; deleted with its run.
 */
export const name = 'evidence-files';

export const sql = `
CREATE TABLE IF NOT EXISTS evidence_files (
  ref        text PRIMARY KEY,
  run_id     text NOT NULL,
  bytes      bytea NOT NULL,
  sha256     text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS evidence_files_run ON evidence_files (run_id);
`;
