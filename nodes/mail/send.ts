import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { defineNode, endWith, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { credentialParam } from '../sdk/credentials.ts';
import { abortError } from '../sdk/abort.ts';
import { fieldName } from '../sdk/fields.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { mailCredential } from './lib/connect.ts';
import { mailServerTarget } from './lib/mail-target.ts';
import { smtpPool } from './lib/smtp-pool.ts';
import { addOpenPixel, addUnsubscribeFooter, trackLinks } from './lib/tracking.ts';
import type { NodeContext, RecordData } from '../sdk/types.ts';

const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

const params = z.object({
  credential: credentialParam('smtp', 'The mail account (SMTP credential) that sends the mail; with "Sender from field", the account for records that name none is not taken from here: they fail.'),
  senderField: z
    .string()
    .trim()
    .max(200)
    .default('')
    .describe('A record field naming the account (SMTP credential) that sends this record\'s mail, e.g. account as Distribute writes it: one step then sends through several accounts. Empty: every record uses the credential above.')
    .meta({ title: 'Sender from field' }),
  allowedSenders: z
    .array(z.string().trim().min(1).max(100))
    .max(100)
    .default([])
    .describe('With "Sender from field": the accounts (credential names) a record may name; any other fails with E_MAIL_SENDER_NOT_ALLOWED. Empty: any SMTP credential whose scope allows Send mail.')
    .meta({ title: 'Allowed senders', widget: 'lines' }),
  from: z
    .string()
    .trim()
    .default('')
    .describe("The sender's address, e.g. Support <support@example.com>. Empty: the credential's user.")
    .meta({ title: 'From', widget: 'template' }),
  to: z.string().trim().default('{{ email }}').describe('Who receives the mail; several addresses separated by commas.').meta({ title: 'To', widget: 'template' }),
  cc: z.string().trim().default('').describe('Copies, separated by commas. Empty: none.').meta({ title: 'Cc', widget: 'template' }),
  subject: z.string().default('').describe('The subject line, e.g. Your order {{ orderId }}.').meta({ title: 'Subject', widget: 'template' }),
  text: z.string().default('').describe('The plain-text body.').meta({ title: 'Text', widget: 'textarea' }),
  html: z.string().default('').describe('An HTML body (optional); mail programs show it instead of the text when they can.').meta({ title: 'HTML', widget: 'textarea' }),
  timeoutMs: z.number().int().min(1_000).max(600_000).default(30_000).describe('How long sending may take, in milliseconds.').meta({ title: 'Time limit (ms)' }),
  trackOpens: z.boolean().default(false).describe('Adds a 1×1 image served by the studio to the HTML body: each time a mail program shows it, an open is recorded against the record and the run.').meta({ title: 'Track opens' }),
  trackClicks: z.boolean().default(false).describe('Links in the HTML body go through the studio (a signed redirect) first: each click is recorded, then the reader goes on to the page.').meta({ title: 'Track clicks' }),
  unsubscribeLink: z
    .boolean()
    .default(false)
    .describe('Adds an unsubscribe link (place it yourself with {{ unsubscribeUrl }}, else it is added at the end) and the List-Unsubscribe header. An address that unsubscribes goes on the suppression list: no send step mails it again.')
    .meta({ title: 'Unsubscribe link' }),
  messageIdField: fieldName('messageId').describe('The field that receives the Message-ID of the mail sent.').meta({ title: 'Store the Message-ID in' }),
});

export const sendMail = defineNode({
  type: 'mail.send',
  title: 'Send mail',
  category: 'Network',
  description: 'Sends an email for each record through an SMTP server.',
  icon: 'send',
  params,
  credentials: [{ name: 'credential', kind: 'smtp' }],
  effect: 'unsafe',
  async run(ctx) {
    const p = ctx.params;
    let to = addresses(await renderTemplate(p.to, ctx.input, 'To'), 'To');
    if (to.length === 0) {
      throw new NodeError('E_MAIL_RECIPIENT_INVALID', 'The mail has no recipient: To is empty for this record.', "Check the To setting and the record's address field.");
    }
    let cc = addresses(await renderTemplate(p.cc, ctx.input, 'Cc'), 'Cc');
    const wantsTracking = p.trackOpens || p.trackClicks || p.unsubscribeLink;
    if (wantsTracking && !ctx.tracking?.baseUrl) {
      throw new NodeError(
        'E_TRACKING_UNAVAILABLE',
        'This step tracks opens, clicks or unsubscribes, but the address recipients reach the studio at is not known here.',
        'Set CONVEYOR_PUBLIC_URL to the studio\'s public address (e.g. https://studio.example.com) — on workers too — and run the flow from the studio; or switch tracking off for this step.',
      );
    }
    if (wantsTracking && ctx.tracking?.unavailable) {
      throw new NodeError(
        'E_TRACKING_UNAVAILABLE',
        `This step tracks opens, clicks or unsubscribes, but ${ctx.tracking.unavailable}. No mail was sent.`,
        'Set CONVEYOR_TRACKING_SECRET to the same value on every studio and worker of the database (the server log says which secret this one has), then retry the record.',
      );
    }
    // Unsubscribed addresses are never mailed again, whichever flow or step asks.
    const suppressed = new Set(ctx.tracking ? await ctx.tracking.suppressed([...to, ...cc]) : []);
    if (suppressed.size) {
      to = to.filter((a) => !suppressed.has(a));
      cc = cc.filter((a) => !suppressed.has(a));
      const list = [...suppressed].join(', ');
      if (to.length === 0) return endWith('skipped', `Not sent: ${list} ${suppressed.size === 1 ? 'is' : 'are'} on the suppression list (unsubscribed).`);
      ctx.log.info(`Left out ${list}: on the suppression list (unsubscribed).`);
    }
    const account = senderOf(ctx);
    const server = await mailCredential(ctx, account, 'smtp');
    const unsubscribeUrl = p.unsubscribeLink ? ctx.tracking!.unsubscribeUrl(to.map(bareAddress)) : null;
    const data: RecordData = unsubscribeUrl ? { ...ctx.input, unsubscribeUrl } : ctx.input;
    const subject = await renderTemplate(p.subject, data, 'the subject');
    let text = await renderTemplate(p.text, data, 'the text');
    let html = await renderTemplate(p.html, data, 'the HTML');
    const from = (await renderTemplate(p.from, data, 'From')).trim() || server.user;
    let links = 0;
    if (html && p.trackClicks) {
      const tracked = trackLinks(html, ctx.tracking!, (url) => url === unsubscribeUrl);
      html = tracked.html;
      links = tracked.links.length;
    }
    if (unsubscribeUrl && html && !html.includes(unsubscribeUrl)) html = addUnsubscribeFooter(html, unsubscribeUrl);
    if (unsubscribeUrl && text && !text.includes(unsubscribeUrl)) text = `${text}\n\nUnsubscribe: ${unsubscribeUrl}\n`;
    if (html && p.trackOpens) html = addOpenPixel(html, ctx.tracking!.openUrl());

    const transport = await smtpPool(
      ctx.resources.run,
      server,
      async () => {
        try {
          return await mailServerTarget(ctx.network, server.host, server.port);
        } catch (err) {
          // A refused host is E_NETWORK_BLOCKED as it is; a failed lookup is what nodemailer called EDNS (transient).
          throw err instanceof NodeError ? err : smtpError({ code: 'EDNS', message: (err as Error).message }, server.host, server.port);
        }
      },
      p.timeoutMs,
    );
    try {
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      // A stop takes this mail out of the pool's queue, or closes the connection sending it (the
      // other records' mails go on): whether the server took it is then unknown — an unsafe step
      // stopped in flight is in doubt, never sent again without a person's say.
      const message = {
        from,
        to,
        cc: cc.length ? cc : undefined,
        subject: subject.replace(/[\r\n]+/g, ' '),
        text: text || undefined,
        html: html || undefined,
        // RFC 2369 and RFC 8058: mail programs offer their own unsubscribe button, which POSTs to the link.
        headers: unsubscribeUrl ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined,
        signal: ctx.signal,
      };
      const info = await transport.sendMail(message);
      ctx.log.info(`mail sent to ${to.join(', ')} from account ${server.name}`, {
        messageId: info.messageId,
        response: String(info.response ?? ''),
        ...(wantsTracking ? { tracking: { opens: p.trackOpens, links, unsubscribe: p.unsubscribeLink } } : {}),
      });
      return out({ ...ctx.input, [p.messageIdField]: info.messageId });
    } catch (err) {
      if (ctx.signal.aborted) throw abortError(ctx.signal, 'Sending the mail was cancelled.');
      throw smtpError(err, server.host, server.port);
    }
  },
});

/** The account that sends this record's mail: the step's credential, or the one the record names. */
function senderOf(ctx: NodeContext<z.infer<typeof params>>): string {
  const p = ctx.params;
  if (!p.senderField) return p.credential;
  let value: unknown = ctx.input;
  for (const key of p.senderField.split('.')) value = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new NodeError(
      'E_MAIL_SENDER_MISSING',
      `The record names no sending account: its field "${p.senderField}" is ${value === undefined ? 'missing' : `empty or not text (${JSON.stringify(value)})`}. No mail was sent.`,
      'Put a Distribute step (or Set fields) before this step to write the account\'s credential name into that field, or empty "Sender from field".',
    );
  }
  const name = value.trim();
  // The record chooses among accounts, never beyond what the step allows (record data may come from outside).
  if (p.allowedSenders.length && !p.allowedSenders.includes(name)) {
    throw new NodeError(
      'E_MAIL_SENDER_NOT_ALLOWED',
      `The record names the account "${name}", which is not one of this step's allowed senders (${p.allowedSenders.join(', ')}). No mail was sent.`,
      'Add the account to "Allowed senders" if it may send these mails, or fix the step that chose it (e.g. the Distribute targets\' accounts).',
    );
  }
  return name;
}

function bareAddress(item: string): string {
  return (/<([^>]*)>\s*$/.exec(item)?.[1] ?? item).trim();
}

/**
 * The addresses of a To or Cc list, each as `"Name" <address>` or `address`. Read as mail headers
 * are (nodemailer's addressparser), not split at every comma: a record's display name with a comma
 * in it — "Doe, Jane" <jane@…>, "Acme, Inc." <orders@…> — was cut in two and the mail refused with
 * E_MAIL_RECIPIENT_INVALID. Commas and semicolons still separate addresses.
 */
function addresses(list: string, where: string): string[] {
  const invalid = (item: string): NodeError =>
    new NodeError('E_MAIL_RECIPIENT_INVALID', `${where} holds ${JSON.stringify(item)}, which is not an email address.`, `Check the ${where} setting and the record fields it uses.`);
  if (/[\r\n]/.test(list)) throw invalid(list.trim());
  return addressparser(list, { flatten: false }).map((entry) => {
    // A group ("Team: a@x, b@y;") is no recipient a record names.
    if ('group' in entry) throw invalid(entry.name);
    if (!ADDRESS.test(entry.address)) throw invalid(entry.name || entry.address);
    return entry.name ? `${JSON.stringify(entry.name)} <${entry.address}>` : entry.address;
  });
}

function smtpError(err: unknown, host: string, port: number): NodeError {
  if (err instanceof NodeError) return err;
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const status = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  const connection = e?.code === 'ECONNECTION' || e?.code === 'ETIMEDOUT' || e?.code === 'ESOCKET' || e?.code === 'EDNS';
  const transient = connection || (status !== undefined && status >= 400 && status < 500);
  const auth = e?.code === 'EAUTH';
  return new NodeError(
    'E_SMTP_SEND',
    `Sending through ${host}:${port} failed${status ? ` (${status})` : e?.code ? ` (${e.code})` : ''}: ${e?.response || e?.message || 'unknown error'}.`,
    auth
      ? 'The server refused the sign-in: check the user and password of the SMTP credential.'
      : transient
        ? 'The server is busy or unreachable right now: retrying later may help.'
        : 'The server refused the mail: check the addresses and the credential\'s server, port and TLS setting.',
    { transient: transient && !auth, cause: err },
  );
}
