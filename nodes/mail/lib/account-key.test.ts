import { describe, expect, it } from 'vitest';
import { accountKey } from './connect.ts';

describe('accountKey (what a run shares per mail account: a session, a pool)', () => {
  const server = { name: 'inbox', host: 'imap.example.com', port: 993, secure: true, user: 'codes@example.com', password: 'first-password-123' };

  it('changes with the password, so a credential edited during a run gets a session of its own, and never holds the password', () => {
    const before = accountKey(server);
    const after = accountKey({ ...server, password: 'second-password-456' });
    expect(after).not.toBe(before);
    expect(accountKey({ ...server })).toBe(before);
    for (const key of [before, after]) {
      expect(key).not.toContain('password');
      expect(key).toContain('codes@example.com@imap.example.com:993');
    }
  });
});
