import type { ImapFlow, MailboxLockObject } from 'imapflow';
import { NodeError } from '../../../server/contract/node-error.ts';
import { accountOf } from './mark.ts';
import type { MailServer } from './connect.ts';

/** How many of the account's folders the error lists at most. */
const LISTED = 20;

/**
 * Opens `folder` for the mail steps (getMailboxLock). A folder that does not exist (a typo,
 * "Inbox/Codes" where the server writes "INBOX.Codes") was "Talking to the mail server failed",
 * retried as a network fault, with a hint about the server, port and TLS: now E_MAIL_FOLDER_NOT_FOUND,
 * naming the account's folders. imapflow tells a missing folder from other refusals (mailboxMissing:
 * it asks LIST after a refused SELECT).
 */
export async function lockFolder(client: ImapFlow, server: MailServer, folder: string): Promise<MailboxLockObject> {
  try {
    return await client.getMailboxLock(folder);
  } catch (err) {
    if (!(err as { mailboxMissing?: boolean }).mailboxMissing) throw err;
    const folders = await client.list().then(
      (list) => list.filter((f) => !f.flags?.has('\\Noselect')).map((f) => f.path),
      () => [] as string[],
    );
    const listed = folders.slice(0, LISTED).join(', ') + (folders.length > LISTED ? ', …' : '');
    throw new NodeError(
      'E_MAIL_FOLDER_NOT_FOUND',
      `The mailbox ${accountOf(server)} has no folder ${JSON.stringify(folder)}${listed ? ` (its folders: ${listed})` : ''}.`,
      'Set Folder to one of its folders, written as the server names it (a subfolder with its parent, e.g. INBOX/Codes or INBOX.Codes); or create the folder and the rule that files the mail there.',
    );
  }
}
