import { z } from 'zod';
import { out } from '../sdk/define-node.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, optionalSelectorsParam, selectorsParam } from './lib/selectors.ts';
import { remaining } from './lib/session.ts';
import { timeoutParam, urlPatternParam } from './lib/params.ts';
import { actThenExpect } from './lib/expect.ts';
import { notUsable } from './lib/action.ts';

/**
 * Moves the pointer over an element, as a person does to open a menu that shows its entries only
 * while the pointer is on it, or a tooltip: the next step (a click on an entry) finds them shown.
 * It changes nothing on a site by itself, so it may be repeated after a crash.
 */
const params = z.object({
  selectors: selectorsParam(['nav >> text=Products'], 'Element', 'What to move the pointer over, e.g. a menu heading.'),
  expectSelectors: optionalSelectorsParam('Then expect element', 'The sign that it worked, e.g. the menu entry it shows: the step succeeds only once one of these elements is visible. Empty: no check.'),
  expectUrl: urlPatternParam('Then expect address', 'Rarely needed: the step succeeds only once the page address matches. Empty: no check.'),
  timeoutMs: timeoutParam('for the element (and again for the sign)'),
});

export const browserHover = defineBrowserStep({
  type: 'browser.hover',
  title: 'Browser: point at',
  description: 'Moves the pointer over an element of the open page — a menu that opens while pointed at, a tooltip — then waits for what it shows.',
  icon: 'mouse-pointer',
  params,
  effect: 'none',
  async act(ctx, page, p) {
    await actThenExpect(ctx, page, p, async () => {
      const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs);
      try {
        await locator.hover({ timeout: remaining(deadline) });
      } catch (err) {
        if (page.isClosed()) throw err;
        throw notUsable('point at', selector, err);
      }
      return `pointing at ${JSON.stringify(selector)}`;
    });
    return out(ctx.input);
  },
});
