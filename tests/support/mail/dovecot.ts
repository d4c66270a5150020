/** The Dovecot harness lives in demo/dovecot.ts (the demo signup site uses it too); re-exported for the mail tests. */
import { afterAll, beforeAll } from 'vitest';
import { fakeCredentials } from '../../../nodes/sdk/testing.ts';
import { startDovecot, type Dovecot } from '../../../demo/dovecot.ts';

export * from '../../../demo/dovecot.ts';

export interface CatchAllMailbox {
  /** The running server (read it inside a test or hook: it starts in the file's beforeAll). */
  readonly dovecot: Dovecot;
  /** The one mailbox every test address lands in, as a site's catch-all domain does. */
  readonly user: { name: string; password: string };
  /** The sender the tests' codes come from. */
  readonly sender: string;
  /** A fresh address per call (`prefix` names the file's addresses in the server's log), all landing in the mailbox. */
  address(prefix?: string): string;
  /** Appends a raw message to the mailbox (internal date: now unless given). */
  deliver(rfc822Text: string, options?: { internalDate?: Date }): Promise<void>;
  /** The credential "inbox" a step is given to read the mailbox (`password` to give a wrong one). */
  /** The account's credential; `port`: another port to reach the server on (a proxy in front of it). */
  credentials(password?: string, port?: number): ReturnType<typeof fakeCredentials>;
}

/**
 * A real Dovecot started once for the calling test file (its beforeAll/afterAll), with one
 * catch-all mailbox: each test mails a fresh address, so tests never see each other's codes.
 * If Dovecot cannot start, the file's tests fail with the harness's message (no skipping).
 */
export function catchAllMailbox(): CatchAllMailbox {
  const user = { name: 'catchall@example.test', password: 'catchall-pw-123' };
  let dovecot: Dovecot | undefined;
  let counter = 0;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: [user] });
  }, 30_000);
  afterAll(async () => {
    await dovecot?.stop();
  });
  const running = (): Dovecot => {
    if (!dovecot) throw new Error('catchAllMailbox: Dovecot is not running (read it inside a test or hook, after beforeAll)');
    return dovecot;
  };
  return {
    get dovecot() {
      return running();
    },
    user,
    sender: 'no-reply@shop.example',
    address: (prefix = 'user') => `${prefix}${++counter}-${Date.now()}@example.test`,
    deliver: (rfc822Text, options) => running().deliver(user.name, rfc822Text, options),
    credentials: (password = user.password, port = running().port) =>
      fakeCredentials([{ name: 'inbox', kind: 'imap', fields: { host: running().host, port, secure: false, user: user.name }, secrets: { password } }]),
  };
}
