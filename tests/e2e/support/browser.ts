import type { Browser } from 'playwright-core';
import { findChromium, launchChromium } from '../../../nodes/browser/lib/chromium.ts';

/** The end-to-end tests drive the same Chromium, found the same way, as the browser connector. */
export { findChromium };

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}
