import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { captureCredentialResponses, startKeyedService, visibleText, type KeyedService } from './support/credentials.ts';
import * as s from './support/studio.ts';

const studio = useStudio();
let service: KeyedService;

beforeAll(async () => {
  service = await startKeyedService();
});
afterAll(async () => {
  await service?.close();
});

const KEY = 'test-conn-key-5f1c2a';

describe('Test connection in the credential dialog', () => {
  test('an API key is tried against an address before it is saved: refused, then working; the key never comes back', async () => {
    const page = await studio.page();
    const captured = captureCredentialResponses(page);
    service.expect('x-api-key', KEY);
    await page.goto(studio.url + '/credentials');
    await page.locator(s.tid('btn-new-credential')).click();
    await page.locator(s.tid('credential-dialog')).waitFor();
    await page.locator(s.tid('cred-name')).fill('Keyed');
    await page.locator(s.tid('cred-kind')).selectOption('api_key');
    await page.locator(s.tid('cred-field-header')).fill('X-Api-Key');
    await page.locator(s.tid('cred-field-key')).fill('wrong-key-000000');
    await page.locator(s.tid('cred-test-url')).fill(`${service.url}/me`);
    await page.locator(s.tid('btn-cred-test')).click();
    const result = page.locator(s.tid('cred-test-result'));
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.getAttribute('data-code')).toBe('E_HTTP_STATUS');
    expect(await result.textContent()).toMatch(/401/);

    await page.locator(s.tid('cred-field-key')).fill(KEY);
    await page.locator(s.tid('btn-cred-test')).click();
    await page.locator(`${s.tid('cred-test-result')}[data-ok="true"]`).waitFor();
    expect(await result.textContent()).toMatch(/Connection works: .*answered 200/);
    expect(service.received.at(-1)?.['x-api-key']).toBe(KEY);

    // Nothing was saved by testing.
    await page.locator(s.tid('btn-cred-cancel')).click();
    await page.locator(s.tid('credentials-empty')).waitFor();
    await captured.settled();
    expect(captured.bodies.some((b) => b.url.includes('/api/credentials/test'))).toBe(true);
    for (const b of captured.bodies) expect(b.text).not.toContain(KEY);
    expect((await visibleText(page)).includes(KEY)).toBe(false);
    expect(studio.pageErrors).toEqual([]);
  });
});
