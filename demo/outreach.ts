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

/**
 * Creates the sender credentials in a running studio (no password set, or `cookie` of a session),
 * replacing those of an earlier demo (their port changes). Returns what happened, for the console.
 */
export async function registerSenders(studioUrl: string, relay: { host: string; port: number }): Promise<string> {
  try {
    const existing = (await (await fetch(`${studioUrl}/api/credentials`)).json()) as Array<{ id: string; name: string }>;
    if (!Array.isArray(existing)) return `could not list the studio's credentials (is a password set?)`;
    for (const body of studioCredentials(relay)) {
      const old = existing.find((c) => c.name === body.name);
      const res = await fetch(`${studioUrl}/api/credentials${old ? `/${old.id}` : ''}`, {
        method: old ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json', origin: studioUrl },
        body: JSON.stringify(body),
      });
      if (!res.ok) return `the studio refused credential ${body.name}: ${res.status} ${(await res.text()).slice(0, 200)}`;
    }
    return `created ${SENDERS.map((s) => s.credential).join(', ')} in the studio at ${studioUrl}`;
  } catch {
    return `no studio answered at ${studioUrl} (start it with npm start, then restart the demo, or create the credentials by hand)`;
  }
}
