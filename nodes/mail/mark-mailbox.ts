import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { credentialParam } from '../sdk/credentials.ts';
import { abortError } from '../sdk/abort.ts';
import { fieldName } from '../sdk/fields.ts';
import { imapError, mailCredential, openImap } from './lib/connect.ts';
import { takeMark } from './lib/mark.ts';
import { lockFolder } from './lib/folder.ts';

const params = z.object({
  credential: credentialParam('imap', 'The mailbox (IMAP credential) the code will be mailed to: the same one the "Wait for mailed code" step reads.'),
  mailbox: z.string().trim().min(1, 'Name the folder, e.g. INBOX.').default('INBOX').describe('The folder the code will land in.').meta({ title: 'Folder' }),
  field: fieldName('mailMark')
    .describe('The field that receives the mark; the "Wait for mailed code" step reads it (its "Mailbox mark field").')
    .meta({ title: 'Store the mark in' }),
  timeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(1_000)
    .max(300_000)
    .default(20_000)
    .describe('How long talking to the mail server may take, in milliseconds.')
    .meta({ title: 'Time limit (ms)' }),
});

/**
 * Put just before the step that makes a site mail a code (the "Sign up" or "Send me a code" click):
 * it notes where the mailbox stands in the server's own arrival order, so the wait step afterwards
 * takes only mail that arrived after this point — never a code mailed by an earlier step of the site.
 */
export const markMailbox = defineNode({
  type: 'mail.mark-mailbox',
  title: 'Mark the mailbox',
  category: 'Network',
  description:
    'Notes which mail is already in the mailbox, just before the step that asks a site to mail a code: "Wait for mailed code" then takes only mail that arrived after this mark, whatever the clocks say.',
  icon: 'bookmark',
  params,
  credentials: [{ name: 'credential', kind: 'imap' }],
  // Only reads the mailbox; taken again after a crash, the mark is still before the next step.
  effect: 'none',
  async run(ctx) {
    const p = ctx.params;
    const server = await mailCredential(ctx, p.credential, 'imap');
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(p.timeoutMs)]);
    // Stopped while connecting is a stop, not a mail server failure.
    const client = await openImap(server, signal, ctx.network).catch((err: unknown) => {
      throw ctx.signal.aborted ? abortError(ctx.signal, 'Marking the mailbox was cancelled.') : err;
    });
    const onAbort = (): void => client.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const lock = await lockFolder(client, server, p.mailbox);
      try {
        const mark = await takeMark(client, server, p.mailbox);
        ctx.log.debug(`mailbox ${p.mailbox} marked: mail numbered ${mark.uidNext} and up counts as new`, { uidNext: mark.uidNext, uidValidity: mark.uidValidity });
        return out({ ...ctx.input, [p.field]: mark });
      } finally {
        lock.release();
      }
    } catch (err) {
      if (ctx.signal.aborted) throw abortError(ctx.signal, 'Marking the mailbox was cancelled.');
      if (signal.aborted) throw imapError(Object.assign(new Error(`no answer within ${p.timeoutMs} ms`), { code: 'ETIMEOUT' }), server);
      throw imapError(err, server);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) client.close();
      else await client.logout().catch(() => client.close());
    }
  },
});
