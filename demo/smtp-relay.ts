/**
 * A local SMTP server (npm smtp-server) on 127.0.0.1 with one login per sender account, that hands
 * every message it accepts to `deliver` (into the demo Dovecot's mailbox). Used by `npm run demo`
 * (the sender accounts of the outreach example) and by the mail tests (port 0).
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpRelay {
  host: string;
  port: number;
  /** Every message accepted, with the account that signed in to send it. */
  received: Array<{ from: string; to: string[]; raw: string; user: string }>;
  /** How many sign-ins it accepted (a session each). */
  readonly logins: number;
  stop(): Promise<void>;
}

export async function startSmtpRelay(options: {
  /** One account, or several with `accounts`. */
  user?: string;
  password?: string;
  accounts?: Array<{ user: string; password: string }>;
  port?: number;
  deliver: (raw: string, envelope: { from: string; to: string[] }) => Promise<void>;
}): Promise<SmtpRelay> {
  const received: SmtpRelay['received'] = [];
  let logins = 0;
  const accounts = [...(options.accounts ?? []), ...(options.user !== undefined ? [{ user: options.user, password: options.password ?? '' }] : [])];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (accounts.some((a) => a.user === auth.username && a.password === auth.password)) {
        logins++;
        callback(null, { user: auth.username });
      }
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        received.push({ ...envelope, raw, user: String(session.user ?? '') });
        options.deliver(raw, envelope).then(
          () => callback(),
          (err: Error) => callback(Object.assign(err, { responseCode: 451 })),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = (server.server as net.Server).address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    received,
    get logins() {
      return logins;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
