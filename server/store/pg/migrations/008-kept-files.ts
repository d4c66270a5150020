/**
 * Migration 8: files chosen in node forms (a CV Browser: attach file sends), kept by the SHA-256 of
 * their bytes (server/store/kept-files.ts says why). In the database, so every worker reads the file a
 * flow names, whichever machine the studio that kept it runs on.
 */
export const name = 'kept-files';

export const sql = `
CREATE TABLE IF NOT EXISTS kept_files (
  sha256     text PRIMARY KEY,
  bytes      bytea NOT NULL,
  kept_at    timestamptz NOT NULL DEFAULT now()
);
`;
