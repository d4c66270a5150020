import type { ImapFlow, MailboxLockObject } from 'imapflow';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NetworkAccess } from '../../sdk/network.ts';
import { imapError, openImap, type MailServer } from './connect.ts';
import { lockFolder } from './folder.ts';

/** The pause between two tries to connect again after the server closed the session. */
const RETRY_MS = 1_000;
/**
 * How often one wait has the session opened again. A session that closes each time it is used (a
 * mail the client cannot read, a server refusing this account mid-session) is not a passing drop:
 * reconnecting for the rest of the wait would only hammer the server.
 */
const MAX_REOPENS = 5;
/**
 * How long a session no wait uses stays open: the next record's wait (a run's records come one
 * after another) takes it instead of signing in again.
 */
const LINGER_MS = 10_000;
/**
 * imapflow's codes for a connection the server closed after accepting it. StateLogout: closed after
 * the sign-in, while the folder was being opened (imapflow refuses to write after the close) — seen
 * when the drop came a moment later than the one the test aims at, under load.
 */
const CLOSED_AFTER_CONNECT = new Set(['ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'NoConnection', 'EConnectionClosed', 'StateLogout']);
/** Marks the failure of a reconnection that ran out of its wait's time (another wait may go on trying). */
const OUT_OF_TIME = Symbol('reconnecting ran out of time');

/** One wait's part in the shared session. */
export interface SessionMember {
  /** Whether this wait has a command in flight on the session (a stop of this wait then cuts it). */
  busy: boolean;
  /** How often the session closed under this wait and was opened again. */
  reopens: number;
  /** Whether the session was open for this wait once. */
  served: boolean;
  /** This wait is over (the session stays open a while for the next one, see LINGER_MS). */
  leave(): void;
}

/**
 * The IMAP session with its folder open, shared by every record of a run waiting for mail in that
 * folder, and connected again when the server closes it in the middle of a wait.
 *
 * Shared: each waiting record held a session of its own, and mail servers limit them per account
 * (Gmail 15, Dovecot's default 10 per address): a flow letting 20 records wait at once had the rest
 * refused (E_MAIL_TOO_MANY_SESSIONS, retried until they ran out of tries). The waits' looks at the
 * folder were already one at a time (a run's used codes are claimed under one lock), so one session
 * serves them all; its news (new mail, a close) wakes every wait.
 *
 * Reconnected: servers close sessions — a restart or failover, Outlook and Gmail ending long IDLEs,
 * a load balancer or NAT dropping a quiet connection. The wait then ended at once with
 * E_MAIL_CONNECTION although the mail came seconds later. Now the session is opened again (by the
 * first wait that finds it closed; the others wait for that) until the wait's deadline; a refusal
 * (wrong password, no such folder) still ends it.
 */
export class FolderSession {
  private current: ImapFlow | undefined;
  private lock: MailboxLockObject | undefined;
  /** Aborted when the run's resources close: nothing is opened again after that. */
  private readonly life = new AbortController();
  /** The opening under way (first or again), which every wait needing the session shares. */
  private opening: Promise<boolean> | null = null;
  private readonly wakers = new Set<() => void>();
  private linger: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: MailServer,
    private readonly folder: string,
    private readonly network: NetworkAccess,
  ) {}

  /** The session's client (only once `ready` has answered). */
  get client(): ImapFlow {
    if (!this.current) throw new Error('The mail session is not open.');
    return this.current;
  }

  /** Whether the session was closed under the waits (by the server or the network, not by the run's end). */
  get lost(): boolean {
    return !this.life.signal.aborted && this.current !== undefined && !this.current.usable;
  }

  private get usable(): boolean {
    return this.current !== undefined && this.current.usable && this.lock !== undefined && this.opening === null;
  }

  /** A wait joins the session: `wake` is called when the server announces new mail or closes it. */
  join(wake: () => void): SessionMember {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    const waker = (): void => wake();
    this.wakers.add(waker);
    return {
      busy: false,
      reopens: 0,
      served: false,
      leave: () => {
        if (!this.wakers.delete(waker) || this.wakers.size > 0 || this.life.signal.aborted) return;
        this.linger = setTimeout(() => {
          this.linger = null;
          if (this.wakers.size === 0) void this.close();
        }, LINGER_MS);
        this.linger.unref?.();
      },
    };
  }

  /**
   * Makes the session usable for `member`: opened the first time, opened again when it was lost.
   * True when it had to connect again (the server closed it under this wait or as it was set up).
   * A server that cannot be reached or refuses the sign-in fails at once the first time; a lost
   * session is tried again until `deadline`. `signal` ends this wait's part only: an opening other
   * waits share goes on.
   */
  async ready(member: SessionMember, deadline: number, signal: AbortSignal): Promise<boolean> {
    let again = false;
    while (!this.usable) {
      if (!this.opening) {
        // Lost under a wait that was using it: opened again. A session the server closed while no
        // wait used it (lingering for the next record) is opened as new for the wait that comes.
        const lost = this.current !== undefined && member.served;
        if (lost && member.reopens >= MAX_REOPENS) {
          throw new NodeError(
            'E_MAIL_CONNECTION',
            `The mail server ${this.server.host}:${this.server.port} closed the connection ${MAX_REOPENS + 1} times during one wait for the mail.`,
            'Check that the server works with other mail programs for this account (its log may say why it closes the session); retrying later may help.',
            { transient: true },
          );
        }
        const attempt = lost ? this.reopenUntil(deadline).then(() => true) : this.openFirst(deadline);
        const shared: Promise<boolean> = attempt.finally(() => {
          if (this.opening === shared) this.opening = null;
        });
        // Each wait sharing it hears how it ended; one that stopped waiting must not leave it unheard.
        shared.catch(() => undefined);
        this.opening = shared;
      }
      try {
        if (await until(this.opening, signal)) {
          again = true;
          member.reopens++;
        }
        member.served = true;
      } catch (err) {
        // Another wait's reconnection ran out of its time: this one may still have some.
        if (signal.aborted || !(err as { [OUT_OF_TIME]?: true })[OUT_OF_TIME] || Date.now() >= deadline) throw err;
      }
    }
    return again;
  }

  private async open(): Promise<void> {
    this.lock = undefined;
    const client = await openImap(this.server, this.life.signal, this.network);
    this.current = client;
    this.idling = null;
    const wakeAll = (): void => {
      for (const w of [...this.wakers]) w();
    };
    client.on('exists', wakeAll);
    client.on('close', wakeAll);
    try {
      this.lock = await lockFolder(client, this.server, this.folder);
    } catch (err) {
      client.close();
      throw imapError(err, this.server);
    }
  }

  /**
   * The first opening. A server that accepted the connection and then closed it — while the session
   * was still being set up, the same drop as mid-wait — is connected to again (true).
   */
  private async openFirst(deadline: number): Promise<boolean> {
    try {
      await this.open();
      return false;
    } catch (err) {
      const code = ((err as { cause?: { code?: string } }).cause ?? {}).code;
      if (this.life.signal.aborted || !CLOSED_AFTER_CONNECT.has(code ?? '')) throw err;
      await this.reopenUntil(deadline);
      return true;
    }
  }

  /** Connects again until `deadline`; E_MAIL_CONNECTION naming the lost session when it never works. */
  private async reopenUntil(deadline: number): Promise<void> {
    let last: unknown;
    while (!this.life.signal.aborted) {
      try {
        return await this.open();
      } catch (err) {
        // A refusal is an answer: connecting again would get it again (not so a network fault, or too many sessions).
        if (!(err instanceof NodeError) || !err.transient) throw err;
        last = err;
      }
      const pause = Math.min(RETRY_MS, deadline - Date.now());
      if (pause <= 0) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.life.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, pause);
        this.life.signal.addEventListener('abort', done, { once: true });
      });
    }
    const why = last instanceof NodeError ? ` The last try: ${last.message}` : '';
    const err = new NodeError(
      'E_MAIL_CONNECTION',
      `The mail server ${this.server.host}:${this.server.port} closed the connection during the wait for the mail, and connecting again did not work before the wait ended.${why}`,
      'The server may be restarting or limiting connections: retry later. If it keeps happening, check with its administrator.',
      { transient: true, cause: last },
    );
    throw Object.assign(err, { [OUT_OF_TIME]: true });
  }

  /**
   * Lets the server announce new mail at once (IDLE) until the next command of any wait ends it. One
   * IDLE for all the waits: two sent at once on one session are refused by the server.
   */
  idle(): void {
    if (this.idling || !this.usable) return;
    const client = this.client;
    this.idling = client
      .idle()
      .catch(() => undefined)
      .finally(() => {
        if (this.current === client) this.idling = null;
      });
  }
  private idling: Promise<unknown> | null = null;

  /**
   * Runs `look` with the session's folder left (to look at another one: the spam folder), then opens
   * the folder again for the other waits. Call it inside the waits' one-at-a-time lock.
   */
  async lookAside<T>(look: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = this.client;
    this.lock?.release();
    this.lock = undefined;
    try {
      return await look(client);
    } finally {
      this.lock = await lockFolder(client, this.server, this.folder).catch(() => {
        // Not back in the folder: the next wait that looks opens the session again.
        client.close();
        return undefined;
      });
    }
  }

  /** Ends the session: LOGOUT when it still works, else the socket is closed. The next wait opens a new one. */
  async close(): Promise<void> {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    await this.opening?.catch(() => undefined);
    const client = this.current;
    this.lock?.release();
    this.lock = undefined;
    this.current = undefined;
    if (!client) return;
    if (this.life.signal.aborted || !client.usable) client.close();
    else await client.logout().catch(() => client.close());
  }

  /** The run is over: the session closes and is never opened again. */
  async dispose(): Promise<void> {
    this.life.abort();
    await this.close();
  }
}

/** `promise`, or the abort of `signal` (its reason) if that comes first. */
function until<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
