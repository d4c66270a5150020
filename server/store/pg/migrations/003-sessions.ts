/**
 * Migration 3: the studio's sign-in sessions, so a studio restart keeps people signed in
 * (server/auth/pg-sessions.ts). A session is kept by the SHA-256 of its id, never the id itself.
 */
export const name = 'sessions';

export const sql = `
CREATE TABLE auth_sessions (
  key          text COLLATE "C" PRIMARY KEY,
  csrf_token   text NOT NULL,
  created_at   bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
`;
