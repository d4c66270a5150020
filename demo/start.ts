/**
 * Everything `npm run demo` starts, on FIXED ports so the credentials it registers in the studio
 * stay right from one start to the next: the demo site (signup, contact form, search API, business
 * directory pages, the lead pages at /welcome, a CRM at /crm, faults page) on 3100, the SMTP sender accounts on 2525, Dovecot's IMAP on 1143
 * and the local OpenAI-compatible model server on 3200 — PORT_DEMO, PORT_SMTP, PORT_IMAP and
 * PORT_MODEL change them. In a studio running on this machine it creates (or updates)
 * the credentials the templates name: "demo-mailbox" (IMAP), "demo-sender-1…3" (SMTP) and
 * "demo-model" (the AI endpoint).
 */
import express from 'express';
import net from 'node:net';
import { startDovecot, type Dovecot } from './dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite, type SignupSite } from './signup-site.ts';
import { createContactSite, type ContactSite } from './contact-site.ts';
import { createSearchApi } from './search-api.ts';
import { createDirectory } from './directory.ts';
import { createFaultsPage } from './faults-page.ts';
import { createCrm } from './crm.ts';
import { createLandingPage } from './landing-page.ts';
import { startSenderRelay, studioCredentials } from './outreach.ts';
import { DEMO_MODEL_KEY, startModelServer } from './model-server.ts';
import type { Listening } from './listen.ts';
import type { SmtpRelay } from './smtp-relay.ts';

export const DEFAULT_PORTS = { site: 3100, smtp: 2525, imap: 1143, model: 3200 } as const;

export interface DemoPorts {
  site: number;
  smtp: number;
  imap: number;
  /** The local OpenAI-compatible model server (demo/model-server.ts). */
  model: number;
}

/** The ports from the environment (PORT_DEMO, PORT_SMTP, PORT_IMAP, PORT_MODEL), the documented defaults otherwise. */
export function demoPorts(env: NodeJS.ProcessEnv = process.env): DemoPorts {
  const pick = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number from 1 to 65535 (got "${raw}").`);
    return n;
  };
  return {
    site: pick('PORT_DEMO', DEFAULT_PORTS.site),
    smtp: pick('PORT_SMTP', DEFAULT_PORTS.smtp),
    imap: pick('PORT_IMAP', DEFAULT_PORTS.imap),
    model: pick('PORT_MODEL', DEFAULT_PORTS.model),
  };
}

/** The IMAP credential the "Signup with an email code" template names. */
export const MAILBOX_CREDENTIAL = 'demo-mailbox';

export function mailboxCredential(dovecot: { host: string; port: number }) {
  return {
    name: MAILBOX_CREDENTIAL,
    kind: 'imap',
    fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL },
    secrets: { password: DEMO_PASSWORD },
    scope: { nodeTypes: ['mail.mark-mailbox', 'mail.wait-for-code'] },
  };
}

async function assertFree(port: number, what: string, env: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `Port ${port} (${what}) is already in use: stop what uses it (an earlier demo?) or choose another with ${env}=…` : `Cannot listen on port ${port} (${what}): ${err.message}`)),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** The AI endpoint credential the AI step of the demo flows names: the local model server. */
export const MODEL_CREDENTIAL = 'demo-model';

export function modelCredential(model: { baseUrl: string }) {
  return {
    name: MODEL_CREDENTIAL,
    kind: 'ai_endpoint',
    fields: { baseUrl: model.baseUrl },
    secrets: { apiKey: DEMO_MODEL_KEY },
    scope: { nodeTypes: ['ai.chat'] },
  };
}

/**
 * Creates the demo credentials in a running studio (no password set, or `cookie` of a session),
 * updating those of an earlier demo in place (same name): running it twice leaves one of each.
 * Returns what happened, for the console.
 */
export async function registerDemoCredentials(studioUrl: string, parts: { dovecot: { host: string; port: number }; relay: { host: string; port: number }; model?: { baseUrl: string } }): Promise<{ ok: boolean; message: string }> {
  return putStudioCredentials(studioUrl, [mailboxCredential(parts.dovecot), ...studioCredentials(parts.relay), ...(parts.model ? [modelCredential(parts.model)] : [])]);
}

/** Creates or updates (by name) these credentials in the studio at `studioUrl`; says what happened. */
export async function putStudioCredentials(studioUrl: string, bodies: Array<{ name: string }>): Promise<{ ok: boolean; message: string }> {
  try {
    const listing = await fetch(`${studioUrl}/api/credentials`);
    const existing = (await listing.json()) as Array<{ id: string; name: string }>;
    if (!listing.ok || !Array.isArray(existing)) return { ok: false, message: `could not list the studio's credentials (is a password set? then create them by hand)` };
    const done: string[] = [];
    for (const body of bodies) {
      const old = existing.find((c) => c.name === body.name);
      const res = await fetch(`${studioUrl}/api/credentials${old ? `/${old.id}` : ''}`, {
        method: old ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json', origin: studioUrl },
        body: JSON.stringify(body),
      });
      if (!res.ok) return { ok: false, message: `the studio refused credential ${body.name}: ${res.status} ${(await res.text()).slice(0, 200)}` };
      done.push(`${body.name} (${old ? 'updated' : 'created'})`);
    }
    return { ok: true, message: `credentials in the studio at ${studioUrl}: ${done.join(', ')}` };
  } catch {
    return { ok: false, message: `no studio answered at ${studioUrl} (start it with npm start, then restart the demo, or create the credentials by hand)` };
  }
}

export interface Demo {
  ports: DemoPorts;
  siteUrl: string;
  dovecot: Dovecot;
  relay: SmtpRelay;
  signup: SignupSite;
  contact: ContactSite;
  /** The local OpenAI-compatible model server; the AI step's base URL is `model.baseUrl`. */
  model: { url: string; baseUrl: string };
  /** What registering the credentials in the studio did (null without `studioUrl`). */
  registered: { ok: boolean; message: string } | null;
  stop(): Promise<void>;
}

export async function startDemo(opts: { ports?: Partial<DemoPorts>; studioUrl?: string | null; seed?: string } = {}): Promise<Demo> {
  const ports: DemoPorts = { ...DEFAULT_PORTS, ...opts.ports };
  await assertFree(ports.site, 'demo site', 'PORT_DEMO');
  await assertFree(ports.smtp, 'SMTP sender accounts', 'PORT_SMTP');
  await assertFree(ports.imap, 'IMAP mailbox', 'PORT_IMAP');
  await assertFree(ports.model, 'model server', 'PORT_MODEL');
  const dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }], port: ports.imap });
  const stops: Array<() => Promise<void>> = [() => dovecot.stop()];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const signup = createSignupSite({ dovecot, seed: opts.seed ?? 'conveyor-demo' });
    const contact = createContactSite();
    const searchApi = createSearchApi();
    // The faults page and the contact form's routes (/contact…, /api/contact/…) first, then the signup site's.
    const all = express();
    all.disable('x-powered-by');
    all.use(createFaultsPage({ signup, contact }));
    all.use(contact.app);
    all.use(searchApi.app);
    all.use(createDirectory().app);
    // The lead pipeline's tailored pages and the payment example's CRM (flows/lead-pipeline.json, flows/payment-webhook.json).
    all.use(createLandingPage().app);
    all.use(createCrm().app);
    all.use(signup.app);
    const server: Listening = await listenSignupSite({ ...signup, app: all }, ports.site, '127.0.0.1');
    stops.push(() => server.close());
    const relay = await startSenderRelay(dovecot, ports.smtp);
    stops.push(() => relay.stop());
    const model = await startModelServer({ port: ports.model, apiKey: DEMO_MODEL_KEY });
    stops.push(() => model.close());
    const registered = opts.studioUrl ? await registerDemoCredentials(opts.studioUrl, { dovecot, relay, model }) : null;
    return { ports, siteUrl: server.url, dovecot, relay, signup, contact, model: { url: model.url, baseUrl: model.baseUrl }, registered, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
