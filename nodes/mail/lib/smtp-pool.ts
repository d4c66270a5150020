import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { ResourceScope } from '../../sdk/types.ts';
import { accountKey, type MailServer } from './connect.ts';
import type { MailTarget } from './mail-target.ts';

/**
 * Connections a run keeps open to one sending account. A run of 1,000 mails opened 1,000 SMTP
 * sessions (connection, TLS, sign-in), one per record — and providers count sign-ins: Gmail answers
 * "454 4.7.0 Too many login attempts" and Microsoft 365 throttles them, failing mails of a run that
 * was within its sending limits. Five at a time, each reused for up to 100 mails, is nodemailer's
 * pool as it comes; a flow with more records at once queues its mails on them.
 */
const CONNECTIONS = 5;
const MESSAGES_PER_CONNECTION = 100;

/**
 * The run's pooled SMTP transport for `server`, opened on first use — reached where `target` says
 * (the network policy's check and address, asked once for the pool: a name answering with several
 * addresses in turn would otherwise open a pool per address) — and closed when the run's resources
 * close. Keyed by the account as it is now (`accountKey`).
 */
export function smtpPool(run: ResourceScope, server: MailServer, target: () => Promise<MailTarget>, timeoutMs: number): Promise<Transporter> {
  const key = `mail.send:${accountKey(server)}:${timeoutMs}`;
  return run.get(
    key,
    async () => {
      const to = await target();
      return nodemailer.createTransport({
        pool: true,
        maxConnections: CONNECTIONS,
        maxMessages: MESSAGES_PER_CONNECTION,
        host: to.host,
        tls: to.tls,
        port: server.port,
        secure: server.secure,
        auth: { user: server.user, pass: server.password },
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
    },
    (transport) => transport.close(),
  );
}
