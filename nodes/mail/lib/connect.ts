import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext, ResolvedCredential } from '../../sdk/types.ts';
import type { NetworkAccess } from '../../sdk/network.ts';
import { mailServerTarget } from './mail-target.ts';

/** The mail server settings of an imap/smtp credential (fields + password). */
export interface MailServer {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
}

/**
 * The account as it is now, for keying what a run shares (a session, a pool): its server, user and a
 * digest of its password — a credential edited during the run (another password) gets its own; the
 * key, which may reach a log, never holds the password.
 */
export function accountKey(server: MailServer): string {
  const secret = createHash('sha256').update(server.password).digest('hex').slice(0, 16);
  return `${server.name}:${server.user}@${server.host}:${server.port}:${server.secure}:${secret}`;
}

/** Resolves the step's credential; the engine checks its scope against this node type and host:port. */
export async function mailCredential(ctx: NodeContext<unknown>, name: string, kind: 'imap' | 'smtp'): Promise<MailServer> {
  if (!name) {
    throw new NodeError(
      'E_MAIL_CREDENTIAL_MISSING',
      `This step needs a credential of kind ${kind} (the mail account), and none is chosen.`,
      `Create a ${kind === 'imap' ? 'Mailbox (IMAP)' : 'Mail sending (SMTP)'} credential on the Credentials page and pick it in the step settings.`,
    );
  }
  // The step contacts exactly the server the credential names (never an address from the record),
  // so there is no other host to check; a credential limited to hosts cannot be used here (the
  // engine would need the host before the credential is read): leave its Hosts empty.
  const cred: ResolvedCredential = await ctx.credentials.get(name, { kind });
  return {
    name,
    host: String(cred.fields.host ?? ''),
    port: Number(cred.fields.port ?? (kind === 'imap' ? 993 : 587)),
    secure: typeof cred.fields.secure === 'boolean' ? cred.fields.secure : kind === 'imap',
    user: String(cred.fields.user ?? ''),
    password: cred.secrets.password ?? '',
  };
}

/**
 * Opens an IMAP session with the server the network policy allows (mail-target.ts); connection
 * problems become NodeErrors (never quoting the password).
 */
export async function openImap(server: MailServer, signal: AbortSignal, policy: NetworkAccess): Promise<ImapFlow> {
  let target;
  try {
    target = await mailServerTarget(policy, server.host, server.port);
  } catch (err) {
    throw imapError(err, server);
  }
  const client = new ImapFlow({
    host: target.host,
    ...(target.tls ? { servername: target.tls.servername } : {}),
    port: server.port,
    secure: server.secure,
    auth: { user: server.user, pass: server.password },
    logger: false,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    // Plain connections (local test servers) are allowed; a server offering STARTTLS gets it.
    tls: { rejectUnauthorized: true },
  });
  client.on('error', () => undefined); // socket errors surface through the pending command
  const onAbort = (): void => client.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw imapError(err, server);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return client;
}

/**
 * A refused sign-in that is not about the password: too many sessions of the account at once (RFC 5530
 * [LIMIT]; Gmail's "Too many simultaneous connections", Dovecot's mail_max_userip_connections) or the
 * server not able to serve it now ([UNAVAILABLE]). It was E_MAIL_AUTH, "check the user and password",
 * not retried. (A run's waiting records share one session per folder, folder-session.ts; other runs,
 * Mark the mailbox steps and mail programs on the account hold their own.)
 */
const TOO_MANY = /too many|maximum number of (?:connections|sessions)|simultaneous/i;

export function imapError(err: unknown, server: MailServer): NodeError {
  if (err instanceof NodeError) return err;
  const e = err as { authenticationFailed?: boolean; code?: string; message?: string; responseText?: string; serverResponseCode?: string };
  const said = e?.responseText ? ` (the server said: ${e.responseText})` : '';
  if (e?.authenticationFailed && (e.serverResponseCode === 'LIMIT' || TOO_MANY.test(e.responseText ?? ''))) {
    return new NodeError(
      'E_MAIL_TOO_MANY_SESSIONS',
      `The mail server ${server.host}:${server.port} refused a new session for ${server.user}: the account has as many open at once as the server allows${said}.`,
      'Each run waiting for mail holds one per folder (its records share it), as does each mail program on the account: run fewer flows on this mailbox at once, or close other sessions. Retrying later may work.',
      { transient: true, cause: err },
    );
  }
  if (e?.authenticationFailed && e.serverResponseCode !== 'UNAVAILABLE') {
    return new NodeError(
      'E_MAIL_AUTH',
      `The mail server ${server.host}:${server.port} refused the sign-in of ${server.user}${said}.`,
      'Check the user and password of the credential (some providers need an app password).',
    );
  }
  const code = e?.code ? ` (${e.code})` : '';
  return new NodeError(
    'E_MAIL_CONNECTION',
    `Talking to the mail server ${server.host}:${server.port} failed${code}: ${e?.responseText || e?.message || 'unknown error'}.`,
    'Check that the server, port and TLS setting of the credential are right and that the server is reachable; retrying later may help.',
    { transient: true, cause: err },
  );
}
