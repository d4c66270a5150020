import nodemailer from 'nodemailer';
import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../sdk/node-error.ts';
import { credentialParam } from '../sdk/credentials.ts';
import { abortError } from '../core/lib/abort.ts';
import { fieldName } from '../core/lib/fields.ts';
import { renderTemplate } from '../core/lib/template.ts';
import { mailCredential } from './lib/connect.ts';

const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

const params = z.object({
  credential: credentialParam('smtp', 'The mail account (SMTP credential) that sends the mail.'),
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
  messageIdField: fieldName('messageId').describe('The field that receives the Message-ID of the mail sent.').meta({ title: 'Store the Message-ID in' }),
});

export const sendMail = defineNode({
  type: 'mail.send',
  title: 'Send mail',
  category: 'Network',
  description: 'Sends an email for each record through an SMTP server.',
  icon: 'send',
  params,
  inputs: [{ id: 'in', label: 'In' }],
  outputs: [{ id: 'out', label: 'Out' }],
  credentials: [{ name: 'credential', kind: 'smtp' }],
  effect: 'unsafe',
  async run(ctx) {
    const p = ctx.params;
    const to = addresses(await renderTemplate(p.to, ctx.input, 'To'), 'To');
    if (to.length === 0) {
      throw new NodeError('E_MAIL_RECIPIENT_INVALID', 'The mail has no recipient: To is empty for this record.', "Check the To setting and the record's address field.");
    }
    const cc = addresses(await renderTemplate(p.cc, ctx.input, 'Cc'), 'Cc');
    const subject = await renderTemplate(p.subject, ctx.input, 'the subject');
    const text = await renderTemplate(p.text, ctx.input, 'the text');
    const html = await renderTemplate(p.html, ctx.input, 'the HTML');
    const server = await mailCredential(ctx, p.credential, 'smtp');
    const from = (await renderTemplate(p.from, ctx.input, 'From')).trim() || server.user;

    const transport = nodemailer.createTransport({
      host: server.host,
      port: server.port,
      secure: server.secure,
      auth: { user: server.user, pass: server.password },
      connectionTimeout: p.timeoutMs,
      greetingTimeout: p.timeoutMs,
      socketTimeout: p.timeoutMs,
    });
    const onAbort = (): void => transport.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      const info = await transport.sendMail({
        from,
        to,
        cc: cc.length ? cc : undefined,
        subject: subject.replace(/[\r\n]+/g, ' '),
        text: text || undefined,
        html: html || undefined,
      });
      ctx.log.info(`mail sent to ${to.join(', ')}`, { messageId: info.messageId, response: String(info.response ?? '') });
      return out({ ...ctx.input, [p.messageIdField]: info.messageId });
    } catch (err) {
      if (ctx.signal.aborted) throw abortError(ctx.signal, 'Sending the mail was cancelled.');
      throw smtpError(err, server.host, server.port);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
});

function addresses(list: string, where: string): string[] {
  const items = list
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    const bare = /<([^>]*)>\s*$/.exec(item)?.[1] ?? item;
    if (!ADDRESS.test(bare) || /[\r\n]/.test(item)) {
      throw new NodeError('E_MAIL_RECIPIENT_INVALID', `${where} holds ${JSON.stringify(item)}, which is not an email address.`, `Check the ${where} setting and the record fields it uses.`);
    }
  }
  return items;
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
