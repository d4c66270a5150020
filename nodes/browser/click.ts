import { z } from 'zod';
import { out } from '../sdk/define-node.ts';
import { remaining } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, optionalSelectorsParam, selectorsParam } from './lib/selectors.ts';
import { timeoutParam, urlPatternParam } from './lib/params.ts';
import { actThenExpect } from './lib/expect.ts';
import { notUsable } from './lib/action.ts';
import { currentOf } from './lib/tabs.ts';

const params = z.object({
  selectors: selectorsParam(['button[type="submit"]'], 'Button or link', 'What to click.'),
  expectSelectors: optionalSelectorsParam(
    'Then expect element',
    'The sign that the click worked: the step succeeds only once one of these elements is visible (e.g. text=Thank you). Selectors are tried in order. Empty: no check (not recommended: a click that did nothing would count as done).',
  ),
  expectUrl: urlPatternParam('Then expect address', 'The sign that the click worked: the step succeeds only once the page address matches. Empty: no check.'),
  timeoutMs: timeoutParam('for the element (and again for the sign that the click worked)'),
});

export const browserClick = defineBrowserStep({
  type: 'browser.click',
  title: 'Browser: click',
  description: 'Clicks a button or link of the open page, then waits for the sign that it worked (an element or an address). Clicking may submit a form: the step is not repeated blindly after a crash.',
  icon: 'mouse-pointer-click',
  params,
  effect: 'unsafe',
  async act(ctx, page, p) {
    await actThenExpect(ctx, page, p, async () => {
      const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs, 'control');
      try {
        await locator.click({ timeout: remaining(deadline) });
      } catch (err) {
        // A tab the steps followed may close itself on the click (a sign-in window's "Allow"): the
        // click was done, and the steps are back on the page that opened it.
        if (page.isClosed() && currentOf(page) !== page) ctx.log.debug(`The tab closed itself on the click; the steps are back on ${currentOf(page).url()}.`);
        else if (page.isClosed()) throw err;
        else throw notUsable('click', selector, err);
      }
      ctx.log.debug(`Clicked ${JSON.stringify(selector)}.`);
      return `clicking ${JSON.stringify(selector)}`;
    });
    return out(ctx.input);
  },
});
