import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface Studio {
  url: string;
  /** A fresh page (own context, 1920×1080, downloads allowed). Uncaught page errors fail `assertNoPageErrors`. */
  page(): Promise<Page>;
  pageErrors: string[];
}

/** One studio server and one Chromium per test file. */
export function useStudio(): Studio {
  let server: TestServer | null = null;
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  const studio: Studio = {
    url: '',
    pageErrors: [],
    async page() {
      if (!browser) throw new Error('The browser is not started.');
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on('pageerror', (e) => studio.pageErrors.push(e.message));
      return page;
    },
  };
  beforeAll(async () => {
    server = await startTestServer();
    studio.url = server.url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });
  return studio;
}
