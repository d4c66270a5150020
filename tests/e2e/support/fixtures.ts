import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './browser.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface Studio {
  url: string;
  /** A fresh page (own context, 1920×1080, downloads allowed). Uncaught page errors fail `assertNoPageErrors`. */
  page(): Promise<Page>;
  pageErrors: string[];
}

/** One studio server per test file; its pages live in contexts of their own in the worker's Chromium (sharedBrowser). */
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
    // Both at once (the browser is launched only by the worker's first file); the server is kept to be closed even when the browser fails.
    const starting = startTestServer();
    try {
      browser = await sharedBrowser();
    } finally {
      server = await starting;
      studio.url = server.url;
    }
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    browser = null;
    await server?.close();
  });
  return studio;
}
