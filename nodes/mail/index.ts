import { defineGroup } from '../sdk/define-node.ts';
import { sendMail } from './send.ts';
import { markMailbox } from './mark-mailbox.ts';
import { waitForCode } from './wait-for-code.ts';

/** The mail connector: send mail over SMTP; mark a mailbox and wait for a mailed code over IMAP. */
export const mailNodes = defineGroup(sendMail, markMailbox, waitForCode);
