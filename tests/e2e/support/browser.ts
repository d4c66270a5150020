import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, launchChromium } from '../../../nodes/browser/lib/chromium.ts';

/** The browser connector's Chromium, found the same way (nodes/browser/lib/chromium.ts). */
export { findChromium };

/**
 * Chromium's headless shell (Debian's `chromium-headless-shell`, the same Blink and V8 build as
 * `chromium`, without the browser's own windows): Playwright's default for headless tests. The full
 * Chromium opens a browser window for every context, with its own WebUI renderer (the omnibox popup,
 * chrome://omnibox-popup.top-chrome): 12 contexts, each a page that loads and fills a field, took
 * 3.3–5.7 s and 4.4 s of CPU with it, 1.2 s and 2.0 s of CPU with the shell (2026-12-08, load 3–4).
 * The e2e tests drive the studio's pages, not the connector (whose tests in nodes/browser use
 * `chromium`); without the shell, or with CHROMIUM_PATH set, they run in the connector's Chromium.
 */
export const HEADLESS_SHELL = process.env.CHROMIUM_PATH ? undefined : ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'].find((p) => existsSync(p));

export function launchBrowser(): Promise<Browser> {
  return HEADLESS_SHELL ? chromium.launch({ executablePath: HEADLESS_SHELL, headless: true, args: CHROMIUM_ARGS }) : launchChromium();
}

let shared: Promise<Browser> | null = null;

/**
 * One Chromium for every e2e file of the worker (the e2e project runs its files one after another in
 * one worker with a shared module graph, `isolate: false`): each file still gets its own contexts
 * (cookies, storage, cache) and closes them, only the browser process is kept. Launching and closing
 * it cost ~1.7 s per file at load 6. A browser that went away (crash, closed) is launched again. It
 * ends with the worker: Playwright kills the browsers it launched when the process exits.
 */
export async function sharedBrowser(): Promise<Browser> {
  if (shared) {
    const browser = await shared.catch(() => null);
    if (browser?.isConnected()) return browser;
  }
  shared = launchBrowser();
  return shared;
}
