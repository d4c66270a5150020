/**
 * Sign-in sessions kept in the PostgreSQL store's database (table auth_sessions, migration 3), so a
 * studio restart keeps people signed in. Writes go in the background, in order, on a small pool of
 * their own; a write that fails is dropped (the session still works in this process; a later
 * restart would sign that person out), never blocking a request.
 */
import { createPool } from '../store/pg/connection.ts';
import type { Session, SessionPersistence } from './sessions.ts';

export interface PgSessions {
  persistence: SessionPersistence;
  saved: Array<[string, Session]>;
  close(): Promise<void>;
}

export async function openPgSessions(url: string): Promise<PgSessions> {
  const pool = createPool(url, 1);
  let chain: Promise<unknown> = Promise.resolve();
  const run = (text: string, values: unknown[] = []) => {
    chain = chain.then(() => pool.query(text, values)).catch(() => undefined);
  };
  const rows = (await pool.query<{ key: string; csrf_token: string; created_at: number; last_seen_at: number }>('SELECT key, csrf_token, created_at, last_seen_at FROM auth_sessions')).rows;
  return {
    saved: rows.map((r) => [r.key, { csrfToken: r.csrf_token, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at) }]),
    persistence: {
      save: (key, s) =>
        run(
          `INSERT INTO auth_sessions (key, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET last_seen_at = GREATEST(auth_sessions.last_seen_at, excluded.last_seen_at)`,
          [key, s.csrfToken, s.createdAt, s.lastSeenAt],
        ),
      remove: (key) => run('DELETE FROM auth_sessions WHERE key = $1', [key]),
      clear: () => run('DELETE FROM auth_sessions'),
    },
    async close() {
      await chain;
      await pool.end().catch(() => undefined);
    },
  };
}

