import type { Browser } from 'playwright-core';
import { findChromium, launchChromium } from '../../../nodes/browser/lib/chromium.ts';

/** The end-to-end tests drive the same Chromium, found the same way, as the browser connector. */
export { findChromium };

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
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
  shared = launchChromium();
  return shared;
}
