/**
 * Test harness: a local SMTP server (npm smtp-server) on 127.0.0.1, port 0, with a login, that hands
 * every message it accepts to `deliver` (e.g. into the Dovecot harness's mailbox).
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpRelay {
  host: string;
  port: number;
  received: Array<{ from: string; to: string[]; raw: string }>;
  stop(): Promise<void>;
}

export async function startSmtpRelay(options: {
  user: string;
  password: string;
  deliver: (raw: string, envelope: { from: string; to: string[] }) => Promise<void>;
}): Promise<SmtpRelay> {
  const received: SmtpRelay['received'] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
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
        received.push({ ...envelope, raw });
        options.deliver(raw, envelope).then(
          () => callback(),
          (err: Error) => callback(Object.assign(err, { responseCode: 451 })),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = (server.server as net.Server).address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
