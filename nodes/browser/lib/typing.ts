import type { ElementHandle, Locator } from 'playwright-core';
import { remaining } from './session.ts';
import { OWN_LISTENER, focusedFieldHeard, prepareHeard, type Hearing } from './page-listens.ts';

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

/** What typing leaves the caller: the field typed into, and whether the page heard it. */
export interface Typed {
  /**
   * The element typed into, held from right after the keys (the caller disposes of it): the field is
   * read through it, never looked up again — a code field that sends itself and leaves the page
   * 100 ms after its last key was gone by the time a second look-up ran on a loaded machine, and
   * a fill that had typed the code reported a field it could not read. A field that left the page
   * still tells what it held.
   */
  element: ElementHandle;
  /** `askHeard`: a promise the caller awaits when it needs the answer (page-listens.ts); else null. */
  heard: Promise<Hearing> | null;
}

/**
 * Types `value` into `field`. `askHeard`: also tells whether anything in the page heard the typing
 * (page-listens.ts) — asked of the element that has the focus once the keys are in, then confirmed
 * to be the field.
 */
export async function typeInto(field: Locator, value: string, typing: Typing, deadline: number, askHeard = false): Promise<Typed> {
  if (askHeard) prepareHeard(field.page());
  if (typing === 'key-by-key') {
    // What the field held is replaced, as when typing at once.
    await field.fill('', { timeout: remaining(deadline) });
    await field.pressSequentially(value, { timeout: remaining(deadline) });
  } else {
    await field.fill(value, { timeout: remaining(deadline) });
  }
  // Asked as soon as the keys are in, ahead of the change event below, and answered side by side
  // with it and the first look at the field: no time lost (a code field that sends itself 100 ms
  // after its last key must still be read). The focus is confirmed after the change event: a page
  // that moved it on in answer to the keys or the change has its listeners seen on the field, or
  // the field is found not to have the focus.
  const asked = askHeard ? focusedFieldHeard(field.page(), remaining(deadline)) : null;
  const element = await field.elementHandle({ timeout: remaining(deadline) });
  const focused = await element.evaluate((el, own) => {
    // Date, colour and other picker fields already had their change event from the fill.
    const typed = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && ['text', 'email', 'password', 'search', 'tel', 'url', 'number'].includes(el.type));
    if (typed) {
      el.dispatchEvent(new Event('change', { bubbles: true }));
      // The browser fires its own change event when the field is left later, for the same value: the
      // page would hear of one change twice (a lookup run twice, a row added twice). That one is
      // stopped before the page's handlers see it, unless the value changed since (another fill, the
      // page's own rewrite): one change event for each value, as when a person types and moves on.
      // (A listener object, not a named function: run from the sources under tsx, a named function in
      // code sent to the page is wrapped in a `__name` helper the page does not have.) Marked as
      // Conveyor's own: not a listener of the page's for page-listens.ts.
      const value = el.value;
      const once = {
        [own]: true,
        handleEvent(e: Event): void {
          if (e.target !== el) return;
          window.removeEventListener('change', once, true);
          if (e.isTrusted && el.value === value) e.stopImmediatePropagation();
        },
      };
      window.addEventListener('change', once, true);
    }
    // Whether the field still has the focus: its document's focused element (through open shadow
    // roots), the document on the focus's path (a frame's focused element may not be the page's).
    let active = el.ownerDocument.activeElement;
    while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
    return active === el && el.ownerDocument.hasFocus();
  }, OWN_LISTENER).catch(async (err: unknown) => {
    await element.dispose().catch(() => undefined);
    throw err;
  });
  const heard = asked && asked.then((hearing): Hearing => (!hearing.heard && !focused ? { heard: true, why: 'the focus is not on the field after typing' } : hearing));
  return { element, heard };
}
