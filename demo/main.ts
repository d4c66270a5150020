/**
 * `npm run demo`: a throwaway Dovecot (IMAP), the demo signup site (for the "Signup with an email
 * code" template), the demo contact form (for flows/contact-form-multipage.json) and the demo search
 * API (for flows/search-terms-outreach.json), all on one port; and three sender accounts on a local
 * SMTP relay into Dovecot, registered as credentials in a studio running on this machine.
 * Ctrl+C stops everything and deletes the mail.
 */
import express from 'express';
import { startDovecot } from './dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite } from './signup-site.ts';
import { createContactSite } from './contact-site.ts';
import { createSearchApi } from './search-api.ts';
import { SENDERS, registerSenders, startSenderRelay } from './outreach.ts';

const port = Number(process.env.PORT_DEMO ?? 3100);
const dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
const site = createSignupSite({ dovecot, seed: process.env.DEMO_SEED ?? 'conveyor-demo' });
const contact = createContactSite();
const searchApi = createSearchApi();
// The contact form's routes (/contact…, /api/contact/…) first, then the signup site's.
const both = express();
both.disable('x-powered-by');
both.use(contact.app);
both.use(searchApi.app);
both.use(site.app);
let server: Awaited<ReturnType<typeof listenSignupSite>>;
try {
  server = await listenSignupSite({ ...site, app: both }, port, '127.0.0.1');
} catch (err) {
  await dovecot.stop();
  throw err;
}

console.log(`Demo signup site: ${server.url}/signup`);
console.log(`  stats: ${server.url}/api/stats   faults: ${server.url}/api/faults`);
console.log(`Demo contact form (3 pages): ${server.url}/contact`);
console.log(`  stats: ${server.url}/api/contact/stats   faults: ${server.url}/api/contact/faults`);
const relay = await startSenderRelay(dovecot, Number(process.env.PORT_SMTP ?? 2525)).catch(async (err) => {
  await server.close();
  await dovecot.stop();
  throw err;
});
const studioUrl = process.env.STUDIO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
console.log(`Demo search API: ${server.url}/api/search?q=bakery%20lyon   stats: ${server.url}/api/search/stats`);
console.log(`SMTP sender accounts (mail lands in the catch-all mailbox): host ${relay.host}, port ${relay.port}, no TLS`);
for (const s of SENDERS) console.log(`  credential "${s.credential}": user "${s.user}", password "${s.password}"`);
console.log(`  studio: ${await registerSenders(studioUrl, relay)}`);
console.log(`IMAP (every code lands in one catch-all mailbox): host ${dovecot.host}, port ${dovecot.port}, no TLS`);
console.log(`  user "${CATCH_ALL}", password "${DEMO_PASSWORD}"`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the demo…');
  await server.close().catch(() => undefined);
  await relay.stop().catch(() => undefined);
  await dovecot.stop().catch(() => undefined);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
