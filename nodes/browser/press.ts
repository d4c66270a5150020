import { z } from 'zod';
import { NodeError } from '../../server/contract/node-error.ts';
import { out } from '../sdk/define-node.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, optionalSelectorsParam } from './lib/selectors.ts';
import { timeoutParam, urlPatternParam } from './lib/params.ts';
import { actThenExpect } from './lib/expect.ts';
import { notUsable } from './lib/action.ts';
import { remaining } from './lib/session.ts';

/**
 * Presses a key as a person at the keyboard does: Enter in a search box that has no button,
 * ArrowDown then Enter to take a suggestion, Escape to close a window drawn over the page, Tab to
 * leave a field whose check runs when it is left. Keys are named as Playwright names them (Enter,
 * Escape, Tab, ArrowDown, PageDown, F5, a, Control+A…). Pressing a key may submit a form: the step is
 * an unsafe one, like a click, and its "Then expect" sign is what says it worked.
 */

/** One key or a combination with modifiers: Enter, Shift+Tab, Control+A, a, F5. */
const KEY = /^(?:(?:Shift|Control|Alt|Meta|ControlOrMeta)\+)*(?:[A-Z][A-Za-z0-9]*|[!-~]|F\d{1,2})$/;

const params = z.object({
  key: z
    .string()
    .trim()
    .regex(KEY, 'Name a key as the keyboard does: Enter, Escape, Tab, ArrowDown, Backspace, F5, a single character, or a combination such as Shift+Tab or Control+A.')
    .default('Enter')
    .describe('The key: Enter, Escape, Tab, ArrowDown, ArrowUp, Backspace, Delete, PageDown, Home, F5, a single character (a, 1, /), or a combination with Shift, Control, Alt or Meta (Shift+Tab, Control+A).')
    .meta({ title: 'Key' }),
  times: z.number().int('Use a whole number.').min(1, 'Press it at least once.').max(50, 'At most 50 presses in one step.').default(1).describe('How many times in a row (ArrowDown 3 times moves to the third suggestion).').meta({ title: 'Times' }),
  selectors: optionalSelectorsParam('On element', 'The field or element that gets the key (it is focused first). Empty: whatever has the focus now, e.g. the field the step before filled.'),
  expectSelectors: optionalSelectorsParam(
    'Then expect element',
    'The sign that the key worked: the step succeeds only once one of these elements is visible (e.g. the search results). Empty: no check (not recommended when the key submits something).',
  ),
  expectUrl: urlPatternParam('Then expect address', 'The sign that the key worked: the step succeeds only once the page address matches. Empty: no check.'),
  timeoutMs: timeoutParam('for the element (and again for the sign that the key worked)'),
});

export const browserPress = defineBrowserStep({
  type: 'browser.press',
  title: 'Browser: press key',
  description: 'Presses a key on the open page (Enter to submit a search, Escape to close a window, ArrowDown to pick a suggestion), on an element or where the focus is, then waits for the sign that it worked.',
  icon: 'keyboard',
  params,
  effect: 'unsafe',
  async act(ctx, page, p) {
    await actThenExpect(ctx, page, p, async () => {
      const target = p.selectors.length > 0 ? await locate(ctx, page, p.selectors, p.timeoutMs) : null;
      const where = target ? JSON.stringify(target.selector) : 'the focused element';
      try {
        for (let i = 0; i < p.times; i++) {
          if (target) await target.locator.press(p.key, { timeout: remaining(target.deadline) });
          else await page.keyboard.press(p.key);
        }
      } catch (err) {
        if (page.isClosed()) throw err;
        if (/Unknown key/i.test(String((err as Error).message))) {
          throw new NodeError('E_INPUT_INVALID', `The key ${JSON.stringify(p.key)} is not one the browser knows.`, 'Name it as the keyboard does: Enter, Escape, Tab, ArrowDown, Backspace, PageDown, F5, a single character, or a combination such as Shift+Tab.');
        }
        throw target ? notUsable(`press ${p.key} on`, target.selector, err) : err;
      }
      ctx.log.debug(`Pressed ${p.key}${p.times > 1 ? ` ${p.times} times` : ''} on ${where}.`);
      return `pressing ${p.key} on ${where}`;
    });
    return out(ctx.input);
  },
});
