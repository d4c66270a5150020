/**
 * Migration 10: uploaded spreadsheets shared by the studios of one database. Behind a load balancer
 * the upload (POST /api/uploads) and the start of its run may reach different studios, each with its
 * own data folder: the second answered "no uploaded file". Each upload is kept here too, in chunks
 * (a file of up to 200 MB never in one statement nor in memory), with its name and SHA-256; a studio
 * that lacks it locally writes it to its data folder, every byte checked, before reading it.
 */
export const name = 'shared-uploads';

export const sql = `
CREATE TABLE IF NOT EXISTS uploads (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  size        bigint NOT NULL,
  sha256      text NOT NULL,
  chunks      integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS upload_chunks (
  id     text NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
  n      integer NOT NULL,
  bytes  bytea NOT NULL,
  PRIMARY KEY (id, n)
);
`;
