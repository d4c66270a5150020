import { beforeAll, describe, expect, it } from 'vitest';

// A file whose setup fails, as when a service the tests need (Dovecot) is missing.
describe('needs a service', () => {
  beforeAll(() => {
    throw new Error('the service is missing');
  });
  it('one', () => expect(1).toBe(1));
  it('two', () => expect(2).toBe(2));
});
