import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Resources } from '../sdk/resources.ts';
import { failureOf, makeContext, runNode } from '../sdk/testing.ts';
import { startTestSite, type TestSite } from './test-pages.ts';
import { browserOpen } from './open.ts';
import { browserExtract } from './extract.ts';
import { browserVerify } from './verify.ts';
import { pageFor } from './lib/session.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

let site: TestSite;
beforeAll(async () => {
  site = await startTestSite();
});
afterAll(async () => site?.close());

const noLaunch = (): Promise<Browser> => Promise.reject(new Error('the browser should already be open'));

describe('browser sessions (real Chromium)', () => {
  it('launches the browser once per run scope, gives each record its own context, and closeAll() closes them', async () => {
    const run = new Resources();
    const recA = new Resources();
    const recB = new Resources();
    try {
      const a = { resources: { run, record: recA } };
      const b = { resources: { run, record: recB } };
      // Record A gets a cookie from the site; record B, in the same browser, must not see it.
      await runNode(browserOpen, { url: `${site.url}/set-cookie?v=A` }, {}, a);
      await runNode(browserOpen, { url: `${site.url}/cookies` }, {}, a);
      const seenByA = await runNode(browserExtract, { selectors: ['#cookies'], field: 'cookies' }, {}, a);
      expect(seenByA.result.emit[0].data.cookies).toBe('[who=A]');
      await Promise.all([runNode(browserOpen, { url: `${site.url}/cookies` }, {}, b), runNode(browserOpen, { url: `${site.url}/cookies` }, {}, a)]);
      const seenByB = await runNode(browserExtract, { selectors: ['#cookies'], field: 'cookies' }, {}, b);
      expect(seenByB.result.emit[0].data.cookies).toBe('[]');

      const browser = await run.get('browser', noLaunch, () => undefined);
      expect(browser.contexts()).toHaveLength(2);
      const pageA = await pageFor(makeContext(browserOpen, {}, {}, a));
      const pageB = await pageFor(makeContext(browserOpen, {}, {}, b));
      expect(pageA.context()).not.toBe(pageB.context());

      // The record scope closes its context; the run's browser stays for the other records.
      await recA.closeAll();
      expect(pageA.isClosed()).toBe(true);
      expect(browser.contexts()).toHaveLength(1);
      expect(browser.isConnected()).toBe(true);
      await recB.closeAll();
      await run.closeAll();
      expect(browser.isConnected()).toBe(false);
    } finally {
      await recA.closeAll();
      await recB.closeAll();
      await run.closeAll();
    }
  });

  it('abort closes the page promptly and throws an AbortError', async () => {
    const run = new Resources();
    const record = new Resources();
    try {
      const resources = { run, record };
      await runNode(browserOpen, { url: `${site.url}/form` }, {}, { resources });
      const page = await pageFor(makeContext(browserOpen, {}, {}, { resources }));

      // Aborted while the page loads (the slow page takes 3 s).
      const controller = new AbortController();
      const ctx = makeContext(browserOpen, { url: `${site.url}/slow`, timeoutMs: 20_000 }, {}, { resources, signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const err = await failureOf(() => browserOpen.run(ctx));
      expect(err.name).toBe('AbortError');
      expect(Date.now() - started).toBeLessThan(2500);
      expect(page.isClosed()).toBe(true);
      expect(ctx.evidenceItems).toEqual([]);

      // Aborted while waiting for a check that would never hold: the new page is closed too.
      await runNode(browserOpen, { url: `${site.url}/form` }, {}, { resources });
      const second = await pageFor(makeContext(browserOpen, {}, {}, { resources }));
      expect(second).not.toBe(page);
      const c2 = new AbortController();
      setTimeout(() => c2.abort(), 150);
      const t2 = Date.now();
      const err2 = await failureOf(() => runNode(browserVerify, { check: 'text', selectors: ['form'], text: 'never', timeoutMs: 20_000 }, {}, { resources, signal: c2.signal }));
      expect(err2.name).toBe('AbortError');
      expect(Date.now() - t2).toBeLessThan(2500);
      expect(second.isClosed()).toBe(true);

      // Already aborted: nothing is done.
      const c3 = new AbortController();
      c3.abort();
      const err3 = await failureOf(() => runNode(browserOpen, { url: `${site.url}/form` }, {}, { resources, signal: c3.signal }));
      expect(err3.name).toBe('AbortError');
    } finally {
      await record.closeAll();
      await run.closeAll();
    }
  });
});
