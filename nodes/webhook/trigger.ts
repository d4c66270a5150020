import { z } from 'zod';
import { defineTrigger } from '../sdk/define-node.ts';
import { credentialParam } from '../sdk/credentials.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { parseJsonExact } from '../../server/contract/json-exact.ts';
import type { Json, RecordData, RunInput } from '../sdk/types.ts';
import { DEFAULT_SIGNATURE_HEADER, DEFAULT_TOLERANCE_SECONDS } from './signature.ts';
import { hookRecord } from './record.ts';

export const WEBHOOK_TRIGGER = 'webhook.trigger';
/** The credential kind that holds a hook's signing secret (server/vault/kinds.ts). */
export const WEBHOOK_SECRET_KIND = 'webhook_secret';
/** A hook name is one URL path segment: /hooks/<flow id>/<name>. */
export const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const SAMPLE_EVENT = `{
  "id": "evt_test_1",
  "type": "payment.succeeded",
  "data": { "email": "ada@example.com", "amount": 4900, "currency": "eur" }
}`;

export const webhookParams = z.object({
  name: z
    .string()
    .trim()
    .regex(HOOK_NAME, 'A hook name uses letters, digits, - and _ only (at most 64), e.g. payments.')
    .default('incoming')
    .describe('The last part of this flow\'s hook address: requests are sent to <studio address>/hooks/<flow id>/<name> (the address is shown below once the flow is saved). It stays the same when the flow is renamed.')
    .meta({ title: 'Hook name' }),
  active: z
    .boolean()
    .default(true)
    .describe('On: the hook accepts requests (each one starts a run). Off: it answers 404, as if it did not exist, and nothing runs.')
    .meta({ title: 'Accept requests' }),
  verify: z
    .enum(['signature', 'hmac', 'token', 'basic', 'slack', 'standard', 'twilio', 'none'])
    .default('signature')
    .describe('How a request proves it comes from the sender; others are refused and logged, and nothing runs. signature: "t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">" signed with the secret below (Conveyor\'s and Stripe\'s scheme; old requests refused too). hmac: the HMAC of the body with the secret, hex or base64, "sha256=" or not (GitHub X-Hub-Signature-256, Shopify X-Shopify-Hmac-Sha256, WooCommerce, Typeform). token: the secret itself in the header (GitLab X-Gitlab-Token, "Authorization: Bearer <secret>"; https only). basic: a name and password (HTTP Basic authentication; the secret is name:password) — for senders given an address with https://name:password@… in it (Twilio, SendGrid, Postmark, Mailgun; https only). slack: Slack\'s signing secret (X-Slack-Signature; the URL check Slack sends first is answered). standard: Standard Webhooks (webhook-signature; OpenAI, Resend, Clerk, Svix; the secret is whsec_…). twilio: Twilio\'s X-Twilio-Signature (the secret is the account\'s Auth Token; Twilio signs the address it was given: set CONVEYOR_PUBLIC_URL to the studio\'s address as Twilio reaches it). none: anyone who knows the address can start runs — only for tests on this computer. See docs/security.md.')
    .meta({ title: 'Check requests' }),
  secret: credentialParam(WEBHOOK_SECRET_KIND, 'The shared secret, kept encrypted in the vault (a "Webhook signing secret" credential whose scope allows webhook.trigger). The sender signs with the same secret (or sends it, with "token"; with "basic" it is name:password).', 'Signing secret'),
  signatureHeader: z
    .string()
    .trim()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'A header name uses letters, digits and dashes only, e.g. Conveyor-Signature.')
    .default(DEFAULT_SIGNATURE_HEADER)
    .describe('The request header the check reads: "t=<unix time>,v1=<hex signature>" with signature (Stripe-Signature for a sender using it under its own name), the body\'s HMAC with hmac (X-Hub-Signature-256 for GitHub, X-Shopify-Hmac-Sha256 for Shopify), the secret with token (X-Gitlab-Token, Authorization). basic, slack, standard and twilio read their schemes\' own headers. It is never stored with the request.')
    .meta({ title: 'Signature header' }),
  toleranceSeconds: z
    .number()
    .int('Use a whole number of seconds.')
    .min(10, 'The tolerance must be at least 10 seconds.')
    .max(86_400, 'The tolerance can be at most a day (86400 seconds).')
    .default(DEFAULT_TOLERANCE_SECONDS)
    .describe('With signature, slack and standard: how old (or how far in the future) a signed time may be, in seconds. Older requests are refused as replays (E_HOOK_SIGNATURE_EXPIRED).')
    .meta({ title: 'Tolerance (seconds)' }),
  subscribeToken: z
    .string()
    .trim()
    .max(200, 'The verify token can be at most 200 characters.')
    .regex(/^[\x21-\x7e]*$/, 'Use letters, digits and punctuation only (no spaces).')
    .default('')
    .describe('Meta\'s subscription check (Facebook, WhatsApp, Instagram, with Check requests = hmac and Signature header X-Hub-Signature-256): the "Verify token" you type in the app\'s webhook settings. The hook then answers Meta\'s GET with its hub.challenge when hub.verify_token is this text. Make one up; it is not the app secret. Empty: GET is refused.')
    .meta({ title: 'Subscription verify token' }),
  eventIdPath: z
    .string()
    .trim()
    .max(200)
    .regex(/^$|^[^.\s][^\s]*$/, 'Write a field path such as id or data.object.id.')
    .default('id')
    .describe('Where the sender puts the event\'s unique id in the JSON body, e.g. id or data.object.id (Slack: event_id), or header:<name> for a request header (Standard Webhooks: header:webhook-id). A request whose event id was already processed (or is being processed) is skipped, so a resent event never runs twice. Empty: no replay check.')
    .meta({ title: 'Event id field' }),
  respond: z
    .enum(['accepted', 'result'])
    .default('accepted')
    .describe('accepted: the sender gets 202 as soon as the request is stored; the flow runs after. result: the answer waits for the flow to end (at most "Wait for the result") and holds the record\'s status and output — for a form or a service that needs the answer; past the wait it is 202 as with accepted, and the run goes on.')
    .meta({ title: 'Answer' }),
  respondTimeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(100, 'Wait at least 100 ms.')
    .max(120_000, 'Wait at most 2 minutes (120000 ms): senders give up sooner.')
    .default(30_000)
    .describe('With Answer = result: how long the answer waits for the flow to end, in milliseconds (30000 = 30 seconds). Past it the sender gets 202 and the run goes on.')
    .meta({ title: 'Wait for the result (ms)' }),
  maxBodyKb: z
    .number()
    .int('Use a whole number of kilobytes.')
    .min(1, 'The limit must be at least 1 KB.')
    .max(20_480, 'The limit can be at most 20 MB (20480 KB).')
    .default(1024)
    .describe('The largest body accepted, in KB (1024 = 1 MB). A larger request is refused with 413 before it is read.')
    .meta({ title: 'Largest body (KB)' }),
  sample: z
    .string()
    .max(100_000)
    .default(SAMPLE_EVENT)
    .describe('A sample JSON body for runs started by hand in the studio (to try the flow without a sender).')
    .meta({ title: 'Sample request body', widget: 'textarea' }),
});

export type WebhookParams = z.infer<typeof webhookParams>;

export const webhookTrigger = defineTrigger({
  type: WEBHOOK_TRIGGER,
  title: 'Webhook',
  category: 'Triggers',
  description: 'Starts a run for each signed request another service sends to this flow\'s hook address (/hooks/<flow id>/<name>). The request is answered at once, after it is stored; a resent event is skipped.',
  icon: 'webhook',
  params: webhookParams,
  outputs: [{ id: 'out', label: 'Request' }],
  credentials: [{ name: 'secret', kind: WEBHOOK_SECRET_KIND, optional: true }],
  effect: 'none',
  records(p, input) {
    return recordsFor(p, input);
  },
});

/** A hook request gives the run its record; a run started by hand uses the sample body. */
function recordsFor(p: WebhookParams, input: RunInput | undefined): RecordData[] {
  if (input?.records && input.records.length > 0) return input.records;
  const text = typeof input?.text === 'string' ? input.text : p.sample;
  let body: Json;
  try {
    body = parseJsonExact(text).value as Json;
  } catch (err) {
    throw new NodeError('E_INPUT_INVALID', `The sample request body is not valid JSON: ${(err as Error).message}.`, 'Fix the "Sample request body" of the Webhook trigger, or send a real request to the hook address.');
  }
  return [hookRecord({ name: p.name, body, headers: {}, query: {}, eventIdPath: p.eventIdPath, receivedAt: new Date(), test: true })];
}
