import nodemailer from 'nodemailer';
import type { NetworkAccess } from '../../nodes/sdk/network.ts';
import type { CredentialSource } from '../engine/credentials.ts';
import { ConveyorError } from '../errors.ts';
import { mailServerTarget, type MailTarget } from '../../nodes/mail/lib/mail-target.ts';
import { DEFAULT_SIGNATURE_HEADER, signatureHeader } from '../../nodes/webhook/signature.ts';
import { WEBHOOK_SECRET_KIND, WEBHOOK_TRIGGER } from '../../nodes/webhook/trigger.ts';

/** The node type an alert's SMTP credential must allow: whoever may send mail from flows with it may send alerts. */
export const ALERT_MAIL_NODE_TYPE = 'mail.send';

export interface OutgoingMail {
  credential: string;
  to: string[];
  from?: string;
  subject: string;
  text: string;
  /** A fixed Message-ID (without <>) for a message that may be sent again: mail services drop the copy. */
  messageId?: string;
}

const TIMEOUT_MS = 15_000;

/**
 * Checks that a credential can carry alert mail: it exists, is an SMTP credential and its scope
 * allows mail.send. Throws E_ALERT_CREDENTIAL (422) saying what to change.
 */
export async function checkMailCredential(vault: CredentialSource, name: string): Promise<void> {
  const found = await vault.lookup(name);
  if (!found) throw credentialError(`There is no credential named "${name}".`, 'Create a "Mail sending (SMTP)" credential on the Credentials page, or pick one that exists.');
  if (found.kind !== 'smtp') throw credentialError(`The credential "${name}" is of kind ${found.kind}, not a mail-sending (SMTP) credential.`, 'Pick a "Mail sending (SMTP)" credential.');
  if (!found.scope.nodeTypes.includes(ALERT_MAIL_NODE_TYPE)) {
    throw credentialError(`The credential "${name}" may not send mail: its scope does not allow ${ALERT_MAIL_NODE_TYPE}.`, `Add ${ALERT_MAIL_NODE_TYPE} to the credential's node types on the Credentials page.`);
  }
}

/**
 * Checks that a credential can sign alert webhooks: it exists, is a "Webhook signing secret" and its
 * scope allows webhook.trigger — the secret a Conveyor hook receiving the alerts checks with.
 * Throws E_ALERT_CREDENTIAL (422). Answers the secret.
 */
export async function webhookSigningSecret(vault: CredentialSource, name: string): Promise<string> {
  const found = await vault.lookup(name);
  if (!found) throw credentialError(`There is no credential named "${name}".`, 'Create a "Webhook signing secret" credential on the Credentials page, or pick one that exists.');
  if (found.kind !== WEBHOOK_SECRET_KIND) throw credentialError(`The credential "${name}" is of kind ${found.kind}, not a webhook signing secret.`, 'Pick a "Webhook signing secret" credential.');
  if (!found.scope.nodeTypes.includes(WEBHOOK_TRIGGER)) {
    throw credentialError(`The credential "${name}" may not sign webhooks: its scope does not allow ${WEBHOOK_TRIGGER}.`, `Add ${WEBHOOK_TRIGGER} to the credential's node types on the Credentials page.`);
  }
  const secret = found.secrets.secret;
  if (!secret) throw credentialError(`The credential "${name}" holds no secret.`, 'Edit the credential and give it its secret.');
  return secret;
}

function credentialError(message: string, hint: string): ConveyorError {
  return new ConveyorError('E_ALERT_CREDENTIAL', message, hint, 422);
}

/** Sends one mail through the credential's SMTP server, connecting only where the network policy allows. */
export async function sendMail(vault: CredentialSource, policy: NetworkAccess, mail: OutgoingMail): Promise<void> {
  await checkMailCredential(vault, mail.credential);
  const cred = (await vault.lookup(mail.credential))!;
  const host = String(cred.fields.host ?? '');
  const port = Number(cred.fields.port ?? 587);
  const user = String(cred.fields.user ?? '');
  let target: MailTarget;
  try {
    target = await mailServerTarget(policy, host, port);
  } catch (err) {
    throw deliveryError(`mail to ${mail.to.join(', ')} could not be sent: ${(err as Error).message}`);
  }
  const transport = nodemailer.createTransport({
    host: target.host,
    port,
    secure: typeof cred.fields.secure === 'boolean' ? cred.fields.secure : false,
    auth: { user, pass: cred.secrets.password ?? '' },
    tls: target.tls,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: mail.from ?? user, to: mail.to, subject: mail.subject.replace(/[\r\n]+/g, ' '), text: mail.text, ...(mail.messageId ? { messageId: `<${mail.messageId}>` } : {}) });
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
    // nodemailer's messages name the server and its answer, never the password.
    const detail = `${e?.responseCode ? ` (${e.responseCode})` : e?.code ? ` (${e.code})` : ''}: ${e?.response || e?.message || 'unknown error'}`;
    throw deliveryError(`mail to ${mail.to.join(', ')} through ${host}:${port} failed${detail}`);
  } finally {
    transport.close();
  }
}

/**
 * POSTs the payload as JSON to the webhook, through the network policy; any 2xx answer counts as
 * delivered. With a signing secret, signed as a Conveyor hook checks (`Conveyor-Signature`, the time
 * signed with the body: a receiver refuses a replay).
 */
export async function postWebhook(policy: NetworkAccess, url: string, payload: unknown, secret?: string): Promise<void> {
  const target = new URL(url);
  const body = JSON.stringify(payload);
  const headers = new Headers({ 'content-type': 'application/json' });
  if (secret !== undefined) headers.set(DEFAULT_SIGNATURE_HEADER, signatureHeader(secret, body));
  let res: Response;
  try {
    res = await policy.fetch(target, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw deliveryError(`the webhook ${shownUrl(url)} could not be reached: ${(err as Error).message}`);
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => undefined);
    return;
  }
  const said = await refusalOf(res);
  throw deliveryError(`the webhook ${shownUrl(url)} answered ${res.status}${said ? ` (${said})` : ''}`);
}

/** What a refusing receiver said, short: a JSON error's code and message (a Conveyor hook's), else its text's start. */
async function refusalOf(res: Response): Promise<string> {
  const text = await res.text().then(
    (t) => t.slice(0, 2000),
    () => '',
  );
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e.code === 'string') return `${e.code}: ${String(e.message ?? '').slice(0, 300)}`;
  } catch {
    /* not JSON */
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** A webhook address as logs show it: without its query and fragment, which may hold a token. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid address)';
  }
}

export function deliveryError(what: string): ConveyorError {
  return new ConveyorError('E_ALERT_DELIVERY', `A monitoring message was not delivered: ${what}.`, 'Check the alert settings (the mail credential and its server, the webhook address and that it answers 2xx) and that the host is allowed by the network policy (the flow\'s Allowed hosts, or CONVEYOR_ALLOW_HOSTS).', 502);
}
