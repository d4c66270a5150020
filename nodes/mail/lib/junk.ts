import type { ImapFlow } from 'imapflow';
import { addressedTo, toOrCc } from './address.ts';

/** A mail to the recipient the server filed as spam. */
export interface JunkMail {
  folder: string;
  from: string;
  /** When it arrived (ISO). Its subject is not given: it may hold the code, which an error is no place for. */
  arrived: string;
}

/** At most this many of the Junk folder's newest mails to the recipient are looked at. */
const NEWEST = 20;

/**
 * The newest mail to `recipient` from an `allowed` sender that arrived in the account's spam folder
 * since `since`, or null.
 * A code mailed to a fresh address from a new site often lands there, and the wait ended "No mail
 * with a code reached … the mail may be slow: retry, or raise the wait" — advice that never helps.
 * The spam folder is the one the server marks \Junk (or, without SPECIAL-USE, the one named Junk,
 * Spam, Spam-Verdacht…: imapflow knows the names); it is only looked at, read-only, never read from.
 * Call with no folder locked (it selects the spam folder).
 */
export async function junkMail(client: ImapFlow, watched: string, recipient: string, since: Date, allowed: (from: string) => boolean): Promise<JunkMail | null> {
  const folder = (await client.list()).find((f) => f.specialUse === '\\Junk' && f.path !== watched)?.path;
  if (!folder) return null;
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    // SINCE is by day: the exact moment is checked below.
    const uids = await client.search({ or: toOrCc(recipient), since: new Date(since.getTime() - 24 * 3600_000) }, { uid: true });
    if (!uids || uids.length === 0) return null;
    const messages = await client.fetchAll(uids.slice(-NEWEST).join(','), { uid: true, envelope: true, internalDate: true }, { uid: true });
    const mail = messages
      .filter((m) => new Date(m.internalDate ?? 0).getTime() >= since.getTime())
      .filter((m) => addressedTo(m.envelope, recipient))
      .filter((m) => allowed(m.envelope?.from?.[0]?.address ?? ''))
      .sort((a, b) => b.uid - a.uid)[0];
    return mail ? { folder, from: mail.envelope?.from?.[0]?.address || '(no sender)', arrived: new Date(mail.internalDate ?? 0).toISOString() } : null;
  } finally {
    lock.release();
  }
}
