/** The mail tests use the demo's SMTP relay (port 0, one login). */
export { startSmtpRelay, type SmtpRelay } from '../../../demo/smtp-relay.ts';
