import type { ImapFlow } from 'imapflow';
import { z } from 'zod';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import type { MailServer } from './connect.ts';

/**
 * A mailbox mark: where the mailbox stood at one moment, in the server's own arrival order.
 *
 * IMAP numbers the messages of a mailbox in the order they arrive (UIDs only grow, and UIDNEXT is the
 * UID the next message will get) for as long as the mailbox keeps its UIDVALIDITY. A mark taken just
 * before a site is asked to mail a code therefore splits the mailbox into "already there" (UID below
 * the mark) and "arrived later" without asking any clock — not the site's, not the mail server's,
 * not Conveyor's. Should the mailbox be renumbered (UIDVALIDITY changes, e.g. it was rebuilt), the
 * arrival time the server gave the newest message at the mark is the fallback: only messages the
 * server says arrived strictly later count (one server's clock, compared with itself).
 */
export const mailMarkSchema = z.object({
  /** user@host:port of the mailbox account: a mark only means something for that mailbox. */
  account: z.string().min(1),
  mailbox: z.string().min(1),
  /** UIDVALIDITY, as decimal text (it can exceed what a JSON number holds exactly in other tools). */
  uidValidity: z.string().regex(/^\d+$/),
  uidNext: z.number().int().min(1),
  /** The server's INTERNALDATE of the newest message at the mark (ISO), null when it was empty. */
  lastArrival: z.string().datetime({ offset: true }).nullable(),
});

export type MailMark = z.infer<typeof mailMarkSchema>;

/** The account a mark belongs to, as shown in messages (never the password). */
export function accountOf(server: MailServer): string {
  return `${server.user}@${server.host}:${server.port}`;
}

/** Takes the mark of the mailbox the client has selected (call it inside getMailboxLock). */
export async function takeMark(client: ImapFlow, server: MailServer, mailbox: string): Promise<MailMark> {
  const selected = client.mailbox;
  if (!selected) throw new Error(`the folder ${mailbox} is not open`);
  const last = selected.exists > 0 ? await client.fetchOne('*', { uid: true, internalDate: true }) : null;
  const lastUid = last ? last.uid : 0;
  // UIDNEXT comes with SELECT on every IMAP4rev1 server; a message's UID + 1 is the floor otherwise.
  const uidNext = Math.max(Number.isSafeInteger(selected.uidNext) && selected.uidNext > 0 ? selected.uidNext : 1, lastUid + 1);
  const arrived = last && last.internalDate ? new Date(last.internalDate) : null;
  return {
    account: accountOf(server),
    mailbox,
    uidValidity: String(selected.uidValidity),
    uidNext,
    lastArrival: arrived && Number.isFinite(arrived.getTime()) ? arrived.toISOString() : null,
  };
}

/** The mark stored in a record field, checked; null when the field is empty (no mark taken). */
export function readMark(value: Json | undefined, field: string, server: MailServer, mailbox: string): MailMark | null {
  if (value === undefined || value === null || value === '') return null;
  const parsed = mailMarkSchema.safeParse(value);
  if (!parsed.success) {
    throw new NodeError(
      'E_MAIL_MARK_INVALID',
      `The field "${field}" does not hold a mailbox mark (it holds ${JSON.stringify(value).slice(0, 120)}).`,
      `Let a "Mark the mailbox" step write this field (just before the step that asks for the code), and do not change it on the way; or name another field in "Mailbox mark field".`,
    );
  }
  const mark = parsed.data;
  if (mark.account !== accountOf(server) || mark.mailbox !== mailbox) {
    throw new NodeError(
      'E_MAIL_MARK_MISMATCH',
      `The mailbox mark in "${field}" was taken on ${mark.account}, folder ${mark.mailbox}, but this step reads ${accountOf(server)}, folder ${mailbox}.`,
      'Give the "Mark the mailbox" step and this step the same credential and folder.',
    );
  }
  return mark;
}

/** Whether a message arrived after the mark: by UID while the numbering holds, else by server arrival time. */
export function arrivedAfter(mark: MailMark, currentValidity: string, uid: number, internalDate: number): boolean {
  if (mark.uidValidity === currentValidity) return uid >= mark.uidNext;
  if (mark.lastArrival === null) return true;
  return Number.isFinite(internalDate) && internalDate > Date.parse(mark.lastArrival);
}
