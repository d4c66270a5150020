import type { AnyNodeDefinition } from '../sdk/types.ts';
import { sendMail } from './send.ts';
import { waitForCode } from './wait-for-code.ts';

/** The mail connector: send mail over SMTP, wait for a mailed code over IMAP. */
export const mailNodes: AnyNodeDefinition[] = [sendMail, waitForCode] as AnyNodeDefinition[];
