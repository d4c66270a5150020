/**
 * The demo "payment provider" (`npm run demo`, port 3300 — PORT_PAYMENTS changes it): it plays a
 * service like Stripe that tells Conveyor a lead has paid. It signs each event the way a Webhook
 * trigger checks (`Conveyor-Signature: t=…,v1=HMAC-SHA256("<t>.<body>")`, docs/security.md) and posts
 * it to a hook address; it can resend the last event (a replay: Conveyor must skip it) and send a
 * forged one (signed with the wrong secret: Conveyor must refuse it with 400 and run nothing).
 *
 *   page:  GET  /payments
 *   JSON:  POST /api/payments/send    { email, leadId?, amount?, hookUrl? }
 *          POST /api/payments/replay  { hookUrl?, identical? }   identical: the very same bytes and signature
 *          POST /api/payments/forge   { email?, hookUrl? }
 *          GET  /api/payments/log
 */
import express from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { signatureHeader } from '../nodes/webhook/signature.ts';
import { listenApp, type Listening } from './listen.ts';
import { putStudioCredentials } from './start.ts';

export const DEFAULT_PAYMENTS_PORT = 3300;
/** The signing secret the demo shares with the studio (a demo value, never a real one). */
export const DEMO_PAYMENTS_SECRET = 'whsec_demo_conveyor_payments_2026';
/** The credential the payment flow's Webhook trigger names. */
export const PAYMENTS_CREDENTIAL = 'demo-payments-secret';
/** Where events go unless told otherwise: flows/payment-webhook.json's hook. */
export const DEFAULT_HOOK_PATH = '/hooks/payment-webhook/payments';

export interface SentEvent {
  at: string;
  kind: 'send' | 'replay' | 'forge';
  eventId: string;
  hookUrl: string;
  /** What the studio answered (status and JSON), or why nothing answered. */
  answer: { status: number; body: unknown } | { status: 0; body: { error: string } };
}

interface Signed {
  body: string;
  header: string;
  eventId: string;
}

const sendSchema = z.object({
  email: z.string().trim().email('must be an email address'),
  leadId: z.string().trim().max(200).optional(),
  amount: z.number().int().min(1).max(10_000_000).default(4900),
  hookUrl: z.string().url().optional(),
}).strict();
const replaySchema = z.object({ hookUrl: z.string().url().optional(), identical: z.boolean().default(false) }).strict();
const forgeSchema = z.object({ email: z.string().trim().email('must be an email address').default('mallory@example.com'), hookUrl: z.string().url().optional() }).strict();

export interface PaymentProvider {
  app: express.Express;
  log: SentEvent[];
}

export function createPaymentProvider(opts: { hookUrl: string; secret?: string }): PaymentProvider {
  const secret = opts.secret ?? DEMO_PAYMENTS_SECRET;
  const log: SentEvent[] = [];
  let last: Signed | null = null;

  const post = async (kind: SentEvent['kind'], signed: Signed, hookUrl: string): Promise<SentEvent> => {
    let answer: SentEvent['answer'];
    try {
      const res = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'conveyor-signature': signed.header }, body: signed.body });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      answer = { status: res.status, body };
    } catch (err) {
      answer = { status: 0, body: { error: `no answer from ${hookUrl}: ${(err as Error).message}` } };
    }
    const sent: SentEvent = { at: new Date().toISOString(), kind, eventId: signed.eventId, hookUrl, answer };
    log.push(sent);
    return sent;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use('/api/payments', express.json({ limit: '16kb' }));

  app.post('/api/payments/send', async (req, res) => {
    const input = sendSchema.safeParse(req.body ?? {});
    if (!input.success) return void refuse(res, input.error);
    const body = paymentEvent(input.data.email, input.data.amount, input.data.leadId);
    last = { body, header: signatureHeader(secret, body), eventId: (JSON.parse(body) as { id: string }).id };
    res.json(await post('send', last, input.data.hookUrl ?? opts.hookUrl));
  });

  app.post('/api/payments/replay', async (req, res) => {
    const input = replaySchema.safeParse(req.body ?? {});
    if (!input.success) return void refuse(res, input.error);
    if (!last) return void res.status(409).json({ error: { code: 'E_DEMO_NOTHING_SENT', message: 'No event was sent yet, so there is nothing to resend.', hint: 'Send a payment first.' } });
    // A provider retrying signs again with a fresh time; "identical" replays the captured request byte for byte.
    const again: Signed = input.data.identical ? last : { ...last, header: signatureHeader(secret, last.body) };
    res.json(await post('replay', again, input.data.hookUrl ?? opts.hookUrl));
  });

  app.post('/api/payments/forge', async (req, res) => {
    const input = forgeSchema.safeParse(req.body ?? {});
    if (!input.success) return void refuse(res, input.error);
    const body = paymentEvent(input.data.email, 1);
    const forged: Signed = { body, header: signatureHeader(`whsec_forger_${randomBytes(8).toString('hex')}`, body), eventId: (JSON.parse(body) as { id: string }).id };
    res.json(await post('forge', forged, input.data.hookUrl ?? opts.hookUrl));
  });

  app.get('/api/payments/log', (_req, res) => {
    res.json(log);
  });

  app.get('/payments', (_req, res) => {
    res.type('html').send(page(opts.hookUrl));
  });

  return { app, log };
}

function paymentEvent(email: string, amount: number, leadId?: string): string {
  return JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`,
    type: 'payment.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { email, ...(leadId ? { leadId } : {}), amount, currency: 'eur' },
  });
}

function refuse(res: express.Response, error: z.ZodError): void {
  const problems = error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ');
  res.status(422).json({ error: { code: 'E_DEMO_INPUT_INVALID', message: `The demo payment request is not valid: ${problems}.`, hint: 'Send { "email": "lead@example.com" } (amount in cents, optional).' } });
}

/** The port from PORT_PAYMENTS, else 3300. */
export function paymentsPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PORT_PAYMENTS;
  if (raw === undefined || raw === '') return DEFAULT_PAYMENTS_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`PORT_PAYMENTS must be a port number from 1 to 65535 (got "${raw}").`);
  return n;
}

/** The credential body for the studio: the secret, scoped to Webhook triggers. */
export function paymentsCredential(secret = DEMO_PAYMENTS_SECRET) {
  return { name: PAYMENTS_CREDENTIAL, kind: 'webhook_secret', fields: {}, secrets: { secret }, scope: { nodeTypes: ['webhook.trigger'] } };
}

/** Creates (or updates) the signing secret in a studio without a password; says what happened. */
export function registerPaymentsSecret(studioUrl: string): Promise<{ ok: boolean; message: string }> {
  return putStudioCredentials(studioUrl, [paymentsCredential()]);
}

export interface RunningPaymentProvider extends PaymentProvider {
  url: string;
  hookUrl: string;
  registered: { ok: boolean; message: string } | null;
  close(): Promise<void>;
}

/** Starts the provider on `port` (0: any free one), posting to `hookUrl` (default: the studio's payment hook). */
export async function startPaymentProvider(opts: { port?: number; studioUrl?: string | null; hookUrl?: string } = {}): Promise<RunningPaymentProvider> {
  const hookUrl = opts.hookUrl ?? process.env.PAYMENTS_HOOK_URL ?? `${opts.studioUrl ?? 'http://127.0.0.1:3000'}${DEFAULT_HOOK_PATH}`;
  const provider = createPaymentProvider({ hookUrl });
  const server: Listening = await listenApp(provider.app, opts.port ?? DEFAULT_PAYMENTS_PORT, '127.0.0.1');
  const registered = opts.studioUrl ? await registerPaymentsSecret(opts.studioUrl) : null;
  return { ...provider, url: server.url, hookUrl, registered, close: () => server.close() };
}

function page(hookUrl: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo payment provider</title>
<style>body{font:15px system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input{width:100%;padding:.35rem}button{margin:.6rem .4rem 0 0;padding:.45rem .8rem}pre{background:#f4f4f5;padding:.6rem;overflow:auto;font-size:13px}</style></head>
<body>
<h1>Demo payment provider</h1>
<p>Signs <code>payment.succeeded</code> events with the demo secret (credential <code>${PAYMENTS_CREDENTIAL}</code> in the studio) and posts them to a Conveyor hook.</p>
<label>Hook address <input id="hook" value="${esc(hookUrl)}"></label>
<label>Lead email <input id="email" value="ada@example.com"></label>
<label>Lead id (optional) <input id="lead" value=""></label>
<button id="send">Send payment</button><button id="replay">Resend last event (replay)</button><button id="forge">Send forged event</button>
<h2>Answers</h2><pre id="out">Nothing sent yet.</pre>
<script>
const $ = (id) => document.getElementById(id);
async function call(path, body) {
  const res = await fetch('/api/payments/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const sent = await res.json();
  $('out').textContent = JSON.stringify(sent, null, 2) + '\\n\\n' + $('out').textContent;
}
$('send').onclick = () => call('send', { email: $('email').value, hookUrl: $('hook').value, ...($('lead').value ? { leadId: $('lead').value } : {}) });
$('replay').onclick = () => call('replay', { hookUrl: $('hook').value });
$('forge').onclick = () => call('forge', { hookUrl: $('hook').value });
</script>
</body></html>`;
}
