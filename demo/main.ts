/**
 * `npm run demo`: a throwaway Dovecot (IMAP), the demo signup site (for the "Signup with an email
 * code" template), the demo contact form (for flows/contact-form-multipage.json), the demo search
 * API (for flows/search-terms-outreach.json) and a faults page, all on one port; three sender
 * accounts on a local SMTP relay into Dovecot; and, in a studio running on this machine, the
 * credentials these templates name; a local OpenAI-compatible model server for the AI step; a
 * payment provider that signs and posts webhook events (demo/payment-provider.ts); the lead pages and
 * CRM of the lead pipeline examples, whose flows it imports into the studio (demo/demo-flows.ts). Fixed
 * ports (demo/start.ts): 3100, 2525, 1143, 3200, 3300 — PORT_DEMO, PORT_SMTP, PORT_IMAP, PORT_MODEL, PORT_PAYMENTS change them; STUDIO_URL (or PORT) says where the studio is.
 * Ctrl+C stops everything and deletes the mail.
 */
import { CATCH_ALL, DEMO_PASSWORD } from './signup-site.ts';
import { SENDERS } from './outreach.ts';
import { MAILBOX_CREDENTIAL, MODEL_CREDENTIAL, demoPorts, startDemo } from './start.ts';
import { DEMO_MODEL, DEMO_MODEL_KEY } from './model-server.ts';
import { PAYMENTS_CREDENTIAL, paymentsPort, startPaymentProvider } from './payment-provider.ts';
import { importDemoFlows } from './demo-flows.ts';

const studioUrl = process.env.STUDIO_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
let demo: Awaited<ReturnType<typeof startDemo>>;
try {
  demo = await startDemo({ ports: demoPorts(), studioUrl, seed: process.env.DEMO_SEED ?? 'conveyor-demo' });
} catch (err) {
  console.error(`The demo could not start: ${(err as Error).message}`);
  process.exit(1);
}
let payments: Awaited<ReturnType<typeof startPaymentProvider>>;
try {
  payments = await startPaymentProvider({ port: paymentsPort(), studioUrl });
} catch (err) {
  console.error(`The demo payment provider could not start (port ${process.env.PORT_PAYMENTS ?? 3300}; PORT_PAYMENTS changes it): ${(err as Error).message}`);
  await demo.stop();
  process.exit(1);
}
// After the credentials: the flows name them, and the payment provider posts to the payment flow's hook.
const flows = await importDemoFlows(studioUrl);
const url = demo.siteUrl;
console.log(`Demo signup site: ${url}/signup`);
console.log(`Demo contact form (3 pages): ${url}/contact`);
console.log(`Switch the sites' faults: ${url}/faults   (JSON: ${url}/api/faults, ${url}/api/contact/faults)`);
console.log(`  stats: ${url}/api/stats   ${url}/api/contact/stats`);
console.log(`Demo search API: ${url}/api/search?q=bakery%20lyon   stats: ${url}/api/search/stats`);
console.log(`SMTP sender accounts (mail lands in the catch-all mailbox): host ${demo.relay.host}, port ${demo.relay.port}, no TLS`);
for (const s of SENDERS) console.log(`  credential "${s.credential}": user "${s.user}", password "${s.password}"`);
console.log(`IMAP (every code lands in one catch-all mailbox): host ${demo.dovecot.host}, port ${demo.dovecot.port}, no TLS`);
console.log(`  credential "${MAILBOX_CREDENTIAL}": user "${CATCH_ALL}", password "${DEMO_PASSWORD}"`);
console.log(`Local OpenAI-compatible model (deterministic; [[model:429]], [[model:mismatch]]… in a prompt make it misbehave): base URL ${demo.model.baseUrl}, model "${DEMO_MODEL}"`);
console.log(`  credential "${MODEL_CREDENTIAL}": API key "${DEMO_MODEL_KEY}"   faults: POST ${demo.model.url}/control/faults   stats: ${demo.model.url}/control/stats`);
console.log(`Demo payment provider: ${payments.url}/payments — signs payment.succeeded events and posts them to ${payments.hookUrl} (PAYMENTS_HOOK_URL changes it); can replay one or forge one`);
console.log(`  credential "${PAYMENTS_CREDENTIAL}" (webhook signing secret): ${payments.registered?.message}`);
console.log(`Lead pipeline: ${url}/directory?q=bakery%20lyon (what it reads)   ${url}/welcome (the pages its mails link to)   CRM the payment flow marks leads paid in: ${url}/crm`);
console.log(`Studio: ${demo.registered?.message}`);
console.log(`  ${flows.message}`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the demo…');
  await payments.close();
  await demo.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
