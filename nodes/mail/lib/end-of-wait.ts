import { NodeError } from '../../../server/contract/node-error.ts';
import type { MailLink } from './mail-links.ts';
import type { JunkMail } from './junk.ts';

/**
 * How a wait for a mailed code that took none ends: the error that says what the looks at the
 * mailbox saw — a mail with no code or link, two codes, a refused sender, a mail dated or arrived
 * before the window, one filed as spam — and what to do; else E_MAIL_TIMEOUT.
 */

/** The step's settings the errors name. */
export interface WaitSettings {
  take: 'code' | 'link';
  linkPattern: string;
  pattern: string;
  /** The Code pattern is the default one (default-code.ts). */
  defaultPattern: boolean;
  senders: string[];
  timeoutMs: number;
  mailbox: string;
  /** How much of a part is read (bytes). */
  maxText: number;
}

/** A mail that arrived at most this long before the window is named when the wait ends without a code (clocks apart). */
const EARLIER_SAID_MS = 10 * 60_000;

/** What the looks at the mailbox saw: senders refused, mail with no code (or link), the links of the last such mail. */
export interface Seen {
  rejected: Set<string>;
  noCode: number;
  links: MailLink[];
  renumbered?: boolean;
  /** A mail with no code carried another message as an attachment (never read): its sender, for the error. */
  attached?: string;
  /** A mail with no code named a code with letters (X7K9P2), which the default pattern does not take. */
  letters?: string;
  /** A mail that arrived in the window (no mark) but whose Date header is before it: not taken. */
  sentBefore?: { sent: string; arrived: string };
  /** A mail with no code had a part longer than the step reads, read only to there. */
  cut?: boolean;
  /** A mail whose plain-text and HTML parts gave two different codes (Read the code from = both). */
  differ?: { plain: string; html: string };
  /** Without a mark: when the newest mail to the address from an allowed sender that arrived before the window did. */
  earlier?: number;
  /** Nothing came to the folder, but a mail to the address from an allowed sender is in the spam folder. */
  junk?: JunkMail;
}

/** The error's words for what of a mail with no code was not read — an attached message, a part past maxText — and what to do. */
function unreadNote(seen: Seen, take: WaitSettings['take'], maxText: number): { message: string; hint: string } {
  let message = '';
  let hint = '';
  if (seen.cut) {
    message += ` A part of it is longer than ${maxText / 1_000_000} MB and was read only to there (a longer part is never read whole: the wait stays bounded).`;
    if (take === 'code') hint += ' If the code stands further on in a long HTML part, set Read the code from to plain (the plain-text part, much shorter).';
  }
  if (seen.attached !== undefined) {
    message += ` It carries a forwarded message as an attachment (from ${seen.attached}), which is never read: its sender and date are not the mail's.`;
    hint += ' If the code is in that attachment, have the site mail the address itself, or forward the mail inline rather than as an attachment.';
  }
  return { message, hint };
}

/** The error a wait that took no code ends with, from what it `seen`; `since`: where its window opened (no mark). */
export function endOfWait(p: WaitSettings, recipient: string, seen: Seen, since: Date | undefined): NodeError {
  const unread = unreadNote(seen, p.take, p.maxText);
  if (seen.noCode > 0 && p.take === 'link') {
    const listed = seen.links.slice(0, 5).map((l) => `${l.text ? `"${l.text.slice(0, 60)}" ` : ''}${l.url.slice(0, 120)}`);
    return new NodeError(
      'E_MAIL_NO_LINK',
      `A mail to ${recipient} arrived, but no link in it ${p.linkPattern ? `matches ${p.linkPattern}` : 'asks to confirm, verify, activate or sign in'}${listed.length > 0 ? `; it links to: ${listed.join('; ')}${seen.links.length > 5 ? '…' : ''}` : ' (it holds no link)'}.${unread.message}`,
      `Open the mail and set a Link pattern that the right link's address matches (e.g. /verify\\?token=).${unread.hint}`,
    );
  }
  if (seen.differ) {
    return new NodeError(
      'E_MAIL_CODES_DIFFER',
      `A mail to ${recipient} arrived whose plain-text part gives the code ${seen.differ.plain} and whose HTML part ${seen.differ.html}: no code was taken, as the step cannot tell which is right.`,
      'Open the mail and set Read the code from to the part whose code the site accepts (html: what mail programs show), or a Code pattern that finds only the right one.',
    );
  }
  if (seen.noCode > 0 && seen.letters) {
    return new NodeError(
      'E_MAIL_NO_CODE',
      `A mail to ${recipient} arrived whose code, ${seen.letters}, has letters: the default Code pattern takes numbers only, and no other number of the mail was taken instead.`,
      `Set the Code pattern to one that takes it, e.g. ${letteredPattern(seen.letters)}`,
    );
  }
  if (seen.noCode > 0) {
    return new NodeError(
      'E_MAIL_NO_CODE',
      (p.defaultPattern
        ? `A mail to ${recipient} arrived, but no code was found in it: no number of 4 to 8 digits on its own (a piece of a date, phone number or amount is never taken).`
        : `A mail to ${recipient} arrived, but no code matching ${p.pattern} was found in it.`) + unread.message,
      `Open the mail and adjust the Code pattern so that its first group (in parentheses) catches the code.${unread.hint}`,
    );
  }
  if (seen.rejected.size > 0) {
    return new NodeError(
      'E_MAIL_SENDER_REJECTED',
      `The only mail to ${recipient} came from ${[...seen.rejected].join(', ')}, which is not an allowed sender (${p.senders.join(', ')}).`,
      'If that sender is genuine, add its address or @domain to Allowed senders.',
    );
  }
  if (seen.sentBefore) {
    return new NodeError(
      'E_MAIL_TIMEOUT',
      `No mail with a code reached ${recipient} within ${p.timeoutMs} ms. One arrived at ${seen.sentBefore.arrived}, but its Date header says ${seen.sentBefore.sent}, before the code was requested: it was taken for an older mail.`,
      "If the sender's clock (or time zone) is wrong, put a Mark the mailbox step before the step that requests the code: with a mailbox mark, the order of arrival decides, not the Date header.",
      { transient: true },
    );
  }
  if (seen.junk) {
    return new NodeError(
      'E_MAIL_IN_JUNK',
      `No mail with a code reached ${recipient} in the folder ${p.mailbox} within ${p.timeoutMs} ms, but a mail to that address from ${seen.junk.from} (arrived ${seen.junk.arrived}) is in ${seen.junk.folder}, where the mail server files spam.`,
      `Mark that mail as not spam (or add ${seen.junk.from} to the account's safe senders) so the next ones reach ${p.mailbox}, then retry; or set Folder to ${seen.junk.folder} if the codes always land there.`,
    );
  }
  // A mail that arrived shortly before the window may be the one asked for, the clocks apart.
  if (since && seen.earlier !== undefined && since.getTime() - seen.earlier <= EARLIER_SAID_MS) {
    const before = Math.ceil((since.getTime() - seen.earlier) / 1000);
    return new NodeError(
      'E_MAIL_TIMEOUT',
      `No mail with a code reached ${recipient} within ${p.timeoutMs} ms. One arrived at ${new Date(seen.earlier).toISOString()}, ${before} s before mail counted (from ${since.toISOString()} by this computer's clock: the requested-at time less 5 s, or without one, this step's start less Look back): it was taken for an older mail.`,
      "If it is the mail asked for, this computer's clock (or the requested-at time) is ahead of the mail server's: put a Mark the mailbox step before the step that requests the code — the order of arrival decides then, not clocks. Otherwise the mail may be slow: retry, or raise the wait.",
      { transient: true },
    );
  }
  return new NodeError(
    'E_MAIL_TIMEOUT',
    `No mail with a code reached ${recipient} within ${p.timeoutMs} ms.`,
    'The mail may be slow: retry, or raise the wait. Check that the previous step did request the code and that the address is right.',
    { transient: true },
  );
}

/** A Code pattern for a code shaped as `code` (AB12-CD34 → \b([A-Z0-9]{4}-[A-Z0-9]{4})\b), for the hint. */
function letteredPattern(code: string): string {
  return `\\b(${code.split('-').map((g) => `[A-Z0-9]{${g.length}}`).join('-')})\\b`;
}
