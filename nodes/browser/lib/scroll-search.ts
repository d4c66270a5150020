import type { Page } from 'playwright-core';

/**
 * Pages that add content as the reader scrolls: the next results of an infinite list, sections and
 * footers drawn only when they come into view. The element a step needs is then not on the page at
 * all until someone scrolls down, so a step that has looked for a while without finding it scrolls
 * down a window at a time, as a person looking for it would. (An element already on the page but
 * out of view needs none of this: actions scroll it into view themselves.)
 */

/** How long a step looks before it starts scrolling: most elements come without it. */
export const SCROLL_AFTER_MS = 1_000;

/** Scrolls the page one window further down; false when it is already at its end. */
export async function scrollFurther(page: Page): Promise<boolean> {
  try {
    return await page.evaluate(() => {
      const doc = document.scrollingElement ?? document.documentElement;
      const before = doc.scrollTop;
      // Instant, even on a page whose style asks for smooth scrolling: the new position is read at once.
      window.scrollBy({ top: Math.max(1, Math.round(window.innerHeight * 0.9)), behavior: 'instant' });
      return doc.scrollTop > before;
    });
  } catch {
    return false; // navigating: nothing to scroll now
  }
}
