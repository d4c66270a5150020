import { networkPolicy } from '../sdk/network.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Page } from 'playwright-core';
import { Resources } from '../sdk/resources.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import type { NodeDefinition, RecordData } from '../sdk/types.ts';
import { startTestSite, type TestSite } from './test-pages.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';
import { browserClick } from './click.ts';
import { browserVerify } from './verify.ts';
import { pageFor } from './lib/session.ts';
import { markMailbox } from '../mail/mark-mailbox.ts';
import { waitForCode } from '../mail/wait-for-code.ts';
import { startDovecot, type Dovecot } from '../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite, type SignupSite } from '../../demo/signup-site.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Issue 10, point 8: when a site refuses a code or a form, the step's error quotes the site's own
// words. Real Chromium; the demo signup site with a real Dovecot, and a page built quite differently
// (aria-invalid + aria-describedby, a role=alert toast, the browser's own validation). No page here
// rewrites a field after typing: the fills check at once (settleMs 0; the watch is page-patterns.test.ts's).
let pages: TestSite;
let dovecot: Dovecot;
let demo: SignupSite;
let demoServer: { url: string; close(): Promise<void> };
const runScope = new Resources();

beforeAll(async () => {
  pages = await startTestSite();
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  demo = createSignupSite({ dovecot, seed: 'site-messages' });
  demoServer = await listenSignupSite(demo, 0);
}, 60_000);
afterAll(async () => {
  await runScope.closeAll();
  await demoServer?.close();
  await dovecot?.stop();
  await pages?.close();
});

function record() {
  const scope = new Resources();
  const credentials = fakeCredentials([{ name: 'demo-mailbox', kind: 'imap', fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL }, secrets: { password: DEMO_PASSWORD } }]);
  const resources = { run: runScope, record: scope };
  return {
    async step<S extends z.ZodType>(def: NodeDefinition<S>, params: unknown, data: RecordData = {}): Promise<RecordData> {
      return (await runNode(def, params, data, { resources, credentials })).result.emit[0].data;
    },
    page: (): Promise<Page> => pageFor({ resources, network: networkPolicy(), signal: new AbortController().signal, evidence: { attach: async () => '' }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
    done: () => scope.closeAll(),
  };
}

describe('a refused form or code: the error quotes what the site says (real Chromium)', () => {
  it('the demo signup site: a wrong code and an address that already has an account', { timeout: 90_000 }, async () => {
    const email = `quoted-${Date.now()}@example.com`;
    const r = record();
    try {
      // The template's path up to the code.
      let data = await r.step(browserOpen, { url: `${demoServer.url}/signup`, expectSelectors: ['input[name=first_name]'] }, { email, first_name: 'Ada' });
      await r.step(browserFill, { selectors: ['input[name=first_name]'], value: 'Ada', settleMs: 0 }, data);
      await r.step(browserFill, { selectors: ['input[name=last_name]'], value: 'Lovelace', settleMs: 0 }, data);
      await r.step(browserFill, { selectors: ['input[name=email]'], value: email, settleMs: 0 }, data);
      data = await r.step(markMailbox, { credential: 'demo-mailbox' }, data);
      await r.step(browserClick, { selectors: ['button[type=submit]'], expectSelectors: ['input[name=code]'] }, data);
      data = await r.step(waitForCode, { credential: 'demo-mailbox', pattern: 'code: (\\d{6})', pollMs: 200, timeoutMs: 15_000 }, data);

      // A wrong code: the site shows its message; the step says it instead of "no element matched".
      await r.step(browserFill, { selectors: ['input[name=code]'], value: '000000', settleMs: 0 }, data);
      const wrong = await failureOf(() => r.step(browserClick, { selectors: ['button[type=submit]'], expectSelectors: ['#welcome'], timeoutMs: 1_500 }, data));
      expect(wrong).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(wrong.message).toContain('The page says: "That code is not right. Check the latest mail and try again."');
      expect(wrong.hint).toMatch(/site's own message is quoted/);

      // The right code signs the address up.
      await r.step(browserFill, { selectors: ['input[name=code]'], value: '{{ code }}', settleMs: 0 }, data);
      await r.step(browserClick, { selectors: ['button[type=submit]'], expectSelectors: ['#welcome'] }, data);

      // Signing the same address up again, on a site that refuses it.
      demo.faults.refuseExisting = true;
      await r.step(browserOpen, { url: `${demoServer.url}/signup` }, data);
      await r.step(browserFill, { selectors: ['input[name=first_name]'], value: 'Ada', settleMs: 0 }, data);
      await r.step(browserFill, { selectors: ['input[name=last_name]'], value: 'Lovelace', settleMs: 0 }, data);
      await r.step(browserFill, { selectors: ['input[name=email]'], value: email, settleMs: 0 }, data);
      const again = await failureOf(() => r.step(browserClick, { selectors: ['button[type=submit]'], expectSelectors: ['input[name=code]'], timeoutMs: 1_500 }, data));
      expect(again).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(again.message).toContain('The page says: "An account already exists for this address. Sign in instead."');
      expect(demo.stats().signups[email]).toBe(1);
    } finally {
      demo.faults.refuseExisting = false;
      await r.done();
    }
  });

  it('a differently built page: an aria-invalid field, an alert toast, the browser refusing an empty field', { timeout: 60_000 }, async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/account` });
      await r.step(browserFill, { selectors: ['#addr'], value: 'ada@example.com', settleMs: 0 });
      const taken = await failureOf(() => r.step(browserClick, { selectors: ['#create'], expectSelectors: ['#result'], timeoutMs: 1_000 }));
      expect(taken).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(taken.message).toContain('The page says: "Work email: An account already exists".');

      await r.step(browserFill, { selectors: ['#token'], value: 'abc', settleMs: 0 });
      const token = await failureOf(() => r.step(browserClick, { selectors: ['#check'], expectSelectors: ['#result'], timeoutMs: 1_000 }));
      expect(token.message).toContain('"That token is not valid"');

      // The code field is required: the browser refuses the submit with its own words (its language).
      const empty = await failureOf(() => r.step(browserClick, { selectors: ['#send-code'], expectSelectors: ['#result'], timeoutMs: 1_000 }));
      const browserSays = await (await r.page()).locator('#code').evaluate((el) => (el as HTMLInputElement).validationMessage);
      expect(browserSays).not.toBe('');
      expect(empty.message).toContain(JSON.stringify(`Code: ${browserSays}`));

      // A verify that fails on this page quotes the same messages (one mechanism for every step), alerts first.
      const verify = await failureOf(() => r.step(browserVerify, { check: 'visible', selectors: ['#result'], timeoutMs: 300 }));
      expect(verify.message).toMatch(/^Expected an element matching "#result" to be visible within 300 ms; found: .*\. The page says: "That token is not valid"; "Work email: An account already exists"; "Code: /);
    } finally {
      await r.done();
    }
  });

  it('a page drawn by web components: the messages inside their shadow roots are quoted', { timeout: 60_000 }, async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/shadow-signin` });
      await r.step(browserFill, { selectors: ['#otp'], value: '123456', settleMs: 0 });
      const refused = await failureOf(() => r.step(browserClick, { selectors: ['#go'], expectSelectors: ['#result'], timeoutMs: 1_000 }));
      expect(refused).toMatchObject({ code: 'E_VERIFY_FAILED' });
      // The alert (in a shadow root inside another), then the field with the hint its own root holds.
      expect(refused.message).toContain('The page says: "Sign-in failed: request a new code"; "One-time code: This code has expired".');
    } finally {
      await r.done();
    }
  });

  it('a page that shows no message keeps the error as it was', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/done?mail=grace` });
      const err = await failureOf(() => r.step(browserVerify, { check: 'text', selectors: ['#thanks'], text: 'Thank you, ada', timeoutMs: 200 }));
      expect(err.message).toBe('Expected an element matching "#thanks" to show text that contains "Thank you, ada" within 200 ms; found: the element "#thanks" shows "Thank you, grace".');
    } finally {
      await r.done();
    }
  });
});
