/**
 * The parts the "Search terms outreach" example (flows/search-terms-outreach.json) talks to: the demo
 * search API and three sender accounts on a local SMTP relay that delivers every mail into the demo
 * Dovecot's catch-all mailbox. `studioCredentials` are the vault entries the flow names.
 */
import type { Dovecot } from './dovecot.ts';
import { CATCH_ALL } from './signup-site.ts';
import { startSmtpRelay, type SmtpRelay } from './smtp-relay.ts';

export const SENDERS = [1, 2, 3].map((i) => ({ credential: `demo-sender-${i}`, user: `sender${i}@outreach.test`, password: `demo-sender-${i}-pw` }));

export async function startSenderRelay(dovecot: Dovecot, port = 0): Promise<SmtpRelay> {
  return startSmtpRelay({
    accounts: SENDERS.map((s) => ({ user: s.user, password: s.password })),
    port,
    deliver: (raw) => dovecot.deliver(CATCH_ALL, raw),
  });
}

/** The credentials to create in the studio's vault (POST /api/credentials), one per sender. */
export function studioCredentials(relay: { host: string; port: number }) {
  return SENDERS.map((s) => ({
    name: s.credential,
    kind: 'smtp',
    fields: { host: relay.host, port: relay.port, secure: false, user: s.user },
    secrets: { password: s.password },
    scope: { nodeTypes: ['mail.send'] },
  }));
}
