import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'conveyor_session';

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** …and in any case this long after the login. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;

export interface Session {
  /** The per-session CSRF token (see csrf.ts). */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Where sessions are also written (the PostgreSQL store's `auth_sessions`, server/auth/pg-sessions.ts),
 * keyed like the map: by the SHA-256 of the id. Writes happen in the background; the map stays the
 * truth of this process.
 */
export interface SessionPersistence {
  save(key: string, session: Session): void;
  remove(key: string): void;
  clear(): void;
}

/** A used session's last-seen time is written again at most this often (not at every request). */
const TOUCH_WRITE_MS = 60_000;

/** Session ids are 32 random bytes; the map is keyed by their SHA-256, so the ids themselves are never kept. */
const key = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * Sessions in memory: they end when the server stops (a restart signs everyone out), after
 * SESSION_IDLE_MS without use and SESSION_MAX_MS after the login.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private persistence: SessionPersistence | null = null;
  private readonly written = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps sessions across restarts: takes those saved earlier (the live ones) and writes every change. */
  persistTo(persistence: SessionPersistence, saved: Iterable<[string, Session]>): void {
    this.persistence = persistence;
    for (const [k, s] of saved) {
      this.sessions.set(k, s);
      this.written.set(k, s.lastSeenAt);
    }
    this.prune();
  }

  create(): { id: string; session: Session } {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    const session: Session = { csrfToken: randomBytes(32).toString('base64url'), createdAt: t, lastSeenAt: t };
    this.sessions.set(key(id), session);
    this.write(key(id), session);
    return { id, session };
  }

  /** The live session with this id, or null; `touch` marks it used (a request, not a background check). */
  get(id: string | undefined, touch = true): Session | null {
    if (!id || id.length > 200) return null;
    const k = key(id);
    const s = this.sessions.get(k);
    if (!s) return null;
    const t = this.now();
    if (t - s.lastSeenAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) {
      this.remove(k);
      return null;
    }
    if (touch) {
      s.lastSeenAt = t;
      if (t - (this.written.get(k) ?? 0) >= TOUCH_WRITE_MS) this.write(k, s);
    }
    return s;
  }

  /**
   * A session made, used or ended by another studio on the same database (pg-sessions.ts): taken or
   * dropped here without being written back. `forget()` without a key: every session ended there.
   */
  adopt(k: string, s: Session): void {
    const mine = this.sessions.get(k);
    this.sessions.set(k, mine ? { ...s, lastSeenAt: Math.max(mine.lastSeenAt, s.lastSeenAt) } : s);
    this.written.set(k, Math.max(this.written.get(k) ?? 0, s.lastSeenAt));
  }

  forget(k?: string): void {
    if (k === undefined) {
      this.sessions.clear();
      this.written.clear();
      return;
    }
    this.sessions.delete(k);
    this.written.delete(k);
  }

  destroy(id: string | undefined): void {
    if (id) this.remove(key(id));
  }

  /** Ends every session (e.g. when the password changes). */
  clear(): void {
    this.sessions.clear();
    this.written.clear();
    this.persistence?.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, s] of this.sessions) {
      if (t - s.lastSeenAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) this.remove(k);
    }
  }

  private write(k: string, s: Session): void {
    this.written.set(k, s.lastSeenAt);
    this.persistence?.save(k, s);
  }

  private remove(k: string): void {
    this.sessions.delete(k);
    this.written.delete(k);
    this.persistence?.remove(k);
  }
}

/** The value of one cookie in a `Cookie` header (first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function sessionIdOf(req: IncomingMessage): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}

/** `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, Path=/, and Secure over https. */
export function sessionCookie(id: string, secure: boolean): string {
  return [`${SESSION_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(SESSION_MAX_MS / 1000)}`, ...(secure ? ['Secure'] : [])].join('; ');
}

/** `Set-Cookie` that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}
