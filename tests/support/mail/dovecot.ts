/** The Dovecot harness lives in demo/dovecot.ts (the demo signup site uses it too); re-exported for the mail tests. */
export * from '../../../demo/dovecot.ts';
