import type { ImapFlow, MailboxLockObject } from 'imapflow';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NetworkAccess } from '../../sdk/network.ts';
import { imapError, openImap, type MailServer } from './connect.ts';
import { lockFolder } from './folder.ts';

/** The pause between two tries to connect again after the server closed the session. */
const RETRY_MS = 1_000;
/**
 * How often one wait opens its session again. A session that closes each time it is used (a mail
 * the client cannot read, a server refusing this account mid-session) is not a passing drop:
 * reconnecting for the rest of the wait would only hammer the server.
 */
const MAX_REOPENS = 5;
/**
 * imapflow's codes for a connection the server closed after accepting it. StateLogout: closed after
 * the sign-in, while the folder was being opened (imapflow refuses to write after the close) — seen
 * when the drop came a moment later than the one the test aims at, under load.
 */
const CLOSED_AFTER_CONNECT = new Set(['ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'NoConnection', 'EConnectionClosed', 'StateLogout']);

/**
 * The wait's IMAP session with its folder open, connected again when the server closes it in the
 * middle of the wait. Servers do: a restart or failover, Outlook and Gmail ending long IDLEs, a load
 * balancer or NAT dropping a quiet connection. The wait then ended at once with E_MAIL_CONNECTION
 * ("check the server, port and TLS setting", retried as a whole) although the mail came seconds
 * later. Now the session is opened again — as often as it takes, until the wait's deadline — and the
 * wait goes on; a refusal (wrong password, no such folder) still ends it.
 */
export class FolderSession {
  client!: ImapFlow;
  private lock: MailboxLockObject | undefined;
  private reopens = 0;

  constructor(
    private readonly server: MailServer,
    private readonly folder: string,
    private readonly signal: AbortSignal,
    private readonly network: NetworkAccess,
    /** Called when the server announces new mail, or closes the session (the wait looks at once). */
    private readonly wake: () => void,
  ) {}

  async open(): Promise<void> {
    const client = await openImap(this.server, this.signal, this.network);
    this.client = client;
    client.on('exists', () => this.wake());
    client.on('close', () => this.wake());
    try {
      this.lock = await lockFolder(client, this.server, this.folder);
    } catch (err) {
      client.close();
      throw imapError(err, this.server);
    }
  }

  /**
   * Opens the session for the wait. A server that accepted the connection and then closed it — while
   * the session was still being set up, the same drop as mid-wait — is connected to again; one that
   * cannot be reached or refuses the sign-in fails at once.
   */
  async start(deadline: number): Promise<{ reconnected: boolean }> {
    try {
      await this.open();
      return { reconnected: false };
    } catch (err) {
      const code = ((err as { cause?: { code?: string } }).cause ?? {}).code;
      if (this.signal.aborted || !CLOSED_AFTER_CONNECT.has(code ?? '')) throw err;
      await this.reopen(deadline);
      return { reconnected: true };
    }
  }

  /** Whether the session was closed under the wait (by the server or the network, not by a stop). */
  get lost(): boolean {
    return !this.signal.aborted && !this.client.usable;
  }

  /** Connects again until `deadline`; E_MAIL_CONNECTION naming the lost session when it never works. */
  async reopen(deadline: number): Promise<void> {
    if (++this.reopens > MAX_REOPENS) {
      throw new NodeError(
        'E_MAIL_CONNECTION',
        `The mail server ${this.server.host}:${this.server.port} closed the connection ${MAX_REOPENS + 1} times during one wait for the mail.`,
        'Check that the server works with other mail programs for this account (its log may say why it closes the session); retrying later may help.',
        { transient: true },
      );
    }
    let last: unknown;
    while (!this.signal.aborted) {
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
          this.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, pause);
        this.signal.addEventListener('abort', done, { once: true });
      });
    }
    const why = last instanceof NodeError ? ` The last try: ${last.message}` : '';
    throw new NodeError(
      'E_MAIL_CONNECTION',
      `The mail server ${this.server.host}:${this.server.port} closed the connection during the wait for the mail, and connecting again did not work before the wait ended.${why}`,
      'The server may be restarting or limiting connections: retry later. If it keeps happening, check with its administrator.',
      { transient: true, cause: last },
    );
  }

  /** Leaves the folder (releases its lock), for the session to look at another one. */
  leaveFolder(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /** Ends the session: LOGOUT when it still works, else the socket is closed. */
  async close(): Promise<void> {
    this.lock?.release();
    if (this.signal.aborted || !this.client.usable) this.client.close();
    else await this.client.logout().catch(() => this.client.close());
  }
}
