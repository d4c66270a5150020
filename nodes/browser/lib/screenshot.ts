import type { Page } from 'playwright-core';
import { toPlaywrightSelector } from './role-selector.ts';

/** Fields whose content must never appear in evidence. */
const ALWAYS_MASKED = ['input[type="password"]', '[autocomplete="current-password"]', '[autocomplete="new-password"]', '[data-conveyor-secret]'];

/**
 * The only way Conveyor takes a screenshot of a page: password fields (and any extra selectors a
 * step names) are painted over before the image is made, so a secret typed into a page never ends
 * up in evidence. In every frame of the page too: a sign-in form is often a frame (a page's locator
 * does not reach into frames), and painting over more than asked is the safe side.
 */
export async function maskedScreenshot(page: Page, options: { fullPage?: boolean; mask?: string[] } = {}): Promise<Buffer> {
  const selectors = [...ALWAYS_MASKED, ...(options.mask ?? [])].map(toPlaywrightSelector);
  const frames = page.frames().filter((f) => !f.isDetached());
  return page.screenshot({
    type: 'png',
    fullPage: options.fullPage ?? false,
    animations: 'disabled',
    caret: 'hide',
    mask: frames.flatMap((f) => selectors.map((s) => f.locator(s))),
    maskColor: '#1e293b',
  });
}
