import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './browser.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface Studio {
  url: string;
  /** The studio's data folder (for tests that damage its files on disk). */
  dataDir: string;
  /** A fresh page (own context, 1920×1080, downloads allowed). Uncaught page errors fail `assertNoPageErrors`. */
  page(): Promise<Page>;
  pageErrors: string[];
}

/**
 * The studio's CSS animations stopped (the classes that carry them stay, and so does everything
 * else). While a run goes, its animated edges (a dash offset: repainted at every frame), pulsing
 * nodes and striped bars kept the studio page's renderer busy 65-69 % of the time on this 2-core
 * machine, against 9-16 % without them (the signup template's canvas, 4 records under way, 15 s,
 * load 10-18), besides the GPU process's rastering: CPU the runs under test and the other e2e
 * steps were waiting for. No test looks at an animation. (Source text: vitest may wrap a function's
 * inner functions in a `__name` helper the page does not have.)
 */
const STILL_ANIMATIONS = `(() => {
  const still = () => {
    const style = document.createElement('style');
    style.dataset.e2e = 'no-animations';
    style.textContent = '*, *::before, *::after { animation: none !important; }';
    document.head.append(style);
  };
  if (document.head) still();
  else document.addEventListener('DOMContentLoaded', still, { once: true });
})();`;

/** One studio server per test file; its pages live in contexts of their own in the worker's Chromium (sharedBrowser). */
export function useStudio(): Studio {
  let server: TestServer | null = null;
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  const studio: Studio = {
    url: '',
    dataDir: '',
    pageErrors: [],
    async page() {
      if (!browser) throw new Error('The browser is not started.');
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true });
      contexts.push(context);
      await context.addInitScript(STILL_ANIMATIONS);
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
      studio.dataDir = server.dataDir;
    }
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    browser = null;
    await server?.close();
  });
  return studio;
}
