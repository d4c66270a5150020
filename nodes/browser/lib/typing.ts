import type { Locator } from 'playwright-core';
import { remaining } from './session.ts';

/**
 * How a value gets into a text field. `at-once` puts the whole value in with one input event, as
 * pasting does: fast, and what pages built with React, Vue or plain forms listen to. `key-by-key`
 * presses each key (keydown, keypress, input, keyup), for pages that only listen to key presses —
 * an old script that enables the Send button on keyup, an input mask. Either way the page is then
 * told the field changed (its change event): a browser fires it when the person leaves the field,
 * and pages run lookups on it (a postcode filling in the city). The step does not leave the field
 * itself: a search-as-you-type list would close before the next step could click a suggestion; the
 * browser's own change event when the field is left later is then not told to the page again.
 */
export type Typing = 'at-once' | 'key-by-key';

export async function typeInto(field: Locator, value: string, typing: Typing, deadline: number): Promise<void> {
  if (typing === 'key-by-key') {
    // What the field held is replaced, as when typing at once.
    await field.fill('', { timeout: remaining(deadline) });
    await field.pressSequentially(value, { timeout: remaining(deadline) });
  } else {
    await field.fill(value, { timeout: remaining(deadline) });
  }
  await field.evaluate((el) => {
    // Date, colour and other picker fields already had their change event from the fill.
    const typed = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && ['text', 'email', 'password', 'search', 'tel', 'url', 'number'].includes(el.type));
    if (!typed) return;
    el.dispatchEvent(new Event('change', { bubbles: true }));
    // The browser fires its own change event when the field is left later, for the same value: the
    // page would hear of one change twice (a lookup run twice, a row added twice). That one is
    // stopped before the page's handlers see it, unless the value changed since (another fill, the
    // page's own rewrite): one change event for each value, as when a person types and moves on.
    // (A listener object, not a named function: run from the sources under tsx, a named function in
    // code sent to the page is wrapped in a `__name` helper the page does not have.)
    const value = el.value;
    const once = {
      handleEvent(e: Event): void {
        if (e.target !== el) return;
        window.removeEventListener('change', once, true);
        if (e.isTrusted && el.value === value) e.stopImmediatePropagation();
      },
    };
    window.addEventListener('change', once, true);
  }, undefined, { timeout: remaining(deadline) });
}
