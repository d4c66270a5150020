/**
 * Sign-in sessions kept in the PostgreSQL store's database (table auth_sessions, migration 3), so a
 * studio restart keeps people signed in. Writes go in the background, in order, on a small pool of
 * their own; a write that fails is dropped (the session still works in this process; a later
 * restart would sign that person out), never blocking a request.
 *
 * Several studios behind a load balancer: each write also NOTIFYs `conveyor_sessions` (in the same
 * statement, so it is told once it commits), and every studio LISTENs (`follow`): a session made on
 * one studio is taken by the others, and a sign-out or password change ends it on all of them.
 * The notification names the session by its key (the SHA-256 of its id); the others read the row.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createPool } from '../store/pg/connection.ts';
import { listen, type PgListener } from '../store/pg/listen.ts';
import type { Session, SessionPersistence, SessionStore } from './sessions.ts';

const CHANNEL = 'conveyor_sessions';
const told = z.object({ op: z.enum(['save', 'remove', 'clear']), key: z.string().max(100).optional(), from: z.string().max(100) });

export interface PgSessions {
  persistence: SessionPersistence;
  saved: Array<[string, Session]>;
  /** Takes the sessions other studios make and ends those they end, until `close`. */
  follow(store: SessionStore): Promise<void>;
  close(): Promise<void>;
}

type Row = { key: string; csrf_token: string; created_at: number; last_seen_at: number };
const toSession = (r: Row): Session => ({ csrfToken: r.csrf_token, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at) });

export async function openPgSessions(url: string): Promise<PgSessions> {
  const pool = createPool(url, 1);
  const from = randomBytes(6).toString('hex');
  const say = (op: 'save' | 'remove' | 'clear', key?: string) => JSON.stringify({ op, key, from });
  let chain: Promise<unknown> = Promise.resolve();
  let listener: PgListener | null = null;
  const run = (text: string, values: unknown[] = []) => {
    chain = chain.then(() => pool.query(text, values)).catch(() => undefined);
  };
  const rows = (await pool.query<Row>('SELECT key, csrf_token, created_at, last_seen_at FROM auth_sessions')).rows;
  return {
    saved: rows.map((r) => [r.key, toSession(r)]),
    persistence: {
      save: (key, s) =>
        run(
          `WITH saved AS (
             INSERT INTO auth_sessions (key, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET last_seen_at = GREATEST(auth_sessions.last_seen_at, excluded.last_seen_at) RETURNING key)
           SELECT pg_notify('${CHANNEL}', $5) FROM saved`,
          [key, s.csrfToken, s.createdAt, s.lastSeenAt, say('save', key)],
        ),
      remove: (key) => run(`WITH gone AS (DELETE FROM auth_sessions WHERE key = $1) SELECT pg_notify('${CHANNEL}', $2)`, [key, say('remove', key)]),
      clear: () => run(`WITH gone AS (DELETE FROM auth_sessions) SELECT pg_notify('${CHANNEL}', $1)`, [say('clear')]),
    },
    async follow(store) {
      const take = async (key: string) => {
        const [row] = (await pool.query<Row>('SELECT key, csrf_token, created_at, last_seen_at FROM auth_sessions WHERE key = $1', [key]).catch(() => ({ rows: [] as Row[] }))).rows;
        if (row) store.adopt(key, toSession(row));
      };
      listener = await listen(url, {
        [CHANNEL]: (payload) => {
          let m: z.infer<typeof told>;
          try {
            const checked = told.safeParse(JSON.parse(payload));
            if (!checked.success || checked.data.from === from) return;
            m = checked.data;
          } catch {
            return;
          }
          if (m.op === 'clear') store.forget();
          else if (m.op === 'remove' && m.key) store.forget(m.key);
          else if (m.op === 'save' && m.key) void take(m.key);
        },
      }, {
        // Sessions made while the connection was down: read them all again (an ended one stays until it expires here).
        onReconnect: () => void pool.query<Row>('SELECT key, csrf_token, created_at, last_seen_at FROM auth_sessions').then(({ rows: all }) => all.forEach((r) => store.adopt(r.key, toSession(r))), () => undefined),
      });
    },
    async close() {
      await chain;
      await listener?.close();
      await pool.end().catch(() => undefined);
    },
  };
}
