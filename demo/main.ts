/**
 * `npm run demo`: a throwaway Dovecot (IMAP), the demo signup site (for the "Signup with an email
 * code" template) and the demo contact form (for flows/contact-form-multipage.json), both on one
 * port. Ctrl+C stops everything and deletes the mail.
 */
import express from 'express';
import { startDovecot } from './dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite } from './signup-site.ts';
import { createContactSite } from './contact-site.ts';

const port = Number(process.env.PORT_DEMO ?? 3100);
const dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
const site = createSignupSite({ dovecot, seed: process.env.DEMO_SEED ?? 'conveyor-demo' });
const contact = createContactSite();
// The contact form's routes (/contact…, /api/contact/…) first, then the signup site's.
const both = express();
both.disable('x-powered-by');
both.use(contact.app);
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
console.log(`IMAP (every code lands in one catch-all mailbox): host ${dovecot.host}, port ${dovecot.port}, no TLS`);
console.log(`  user "${CATCH_ALL}", password "${DEMO_PASSWORD}"`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the demo…');
  await server.close().catch(() => undefined);
  await dovecot.stop().catch(() => undefined);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
