import type { Page } from 'playwright-core';

/**
 * Pages that add content as the reader scrolls: the next results of an infinite list, sections and
 * footers drawn only when they come into view. The element a step needs is then not on the page at
 * all until someone scrolls down, so a step that has looked for a while without finding it scrolls
 * down a window at a time, as a person looking for it would. Many apps do not scroll their window
 * at all but a content pane under a fixed header (mail, admin, chat): when the window cannot go
 * further, the largest box that still can is scrolled — the pane a person would scroll, not a small
 * side list. (An element already on the page but out of view needs none of this: actions scroll it
 * into view themselves.)
 */

/** How long a step looks before it starts scrolling: most elements come without it. */
export const SCROLL_AFTER_MS = 1_000;

/** Scrolls the page (or its main scrolling pane) one view further down; false when nothing can go further. */
export async function scrollFurther(page: Page): Promise<boolean> {
  try {
    return await page.evaluate(() => {
      // Instant, even where the page's style asks for smooth scrolling: the new position is read at once.
      // (A method, not a named function: under tsx a named function sent to the page is wrapped in a
      // `__name` helper the page lacks — page-functions.test.ts.)
      const scroll = {
        down(box: Element, by: number): boolean {
          const before = box.scrollTop;
          box.scrollBy({ top: Math.max(1, Math.round(by * 0.9)), behavior: 'instant' });
          return box.scrollTop > before;
        },
      };
      const doc = document.scrollingElement ?? document.documentElement;
      if (scroll.down(doc, window.innerHeight)) return true;
      let pane: Element | null = null;
      let area = 0;
      for (const el of document.body?.querySelectorAll('*') ?? []) {
        // Cheap measures first: only a box with more content than room is asked for its style.
        if (el.scrollHeight - el.clientHeight <= 1 || el.scrollTop + el.clientHeight >= el.scrollHeight - 1) continue;
        if (!/(auto|scroll|overlay)/.test(getComputedStyle(el).overflowY)) continue;
        const a = el.clientWidth * el.clientHeight;
        if (a > area) [pane, area] = [el, a];
      }
      return pane !== null && scroll.down(pane, pane.clientHeight);
    });
  } catch {
    return false; // navigating: nothing to scroll now
  }
}
