import { z } from 'zod';
import { defineBrowserStep } from './lib/define-step.ts';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { sleep } from '../sdk/abort.ts';
import { POLL_MS, listSelectors, matchOnce, renderSelectors, selectorsParam } from './lib/selectors.ts';
import { excerpt, timeoutParam, urlMatches, urlPatternParam } from './lib/params.ts';
import { describeRoles, toPlaywrightSelector } from './lib/role-selector.ts';
import { caseRestyled, tidyText } from './lib/page-text.ts';

const params = z.object({
  check: z
    .enum(['visible', 'enabled', 'text', 'url'])
    .default('visible')
    .describe('What must be true: visible (the element shows), enabled (it shows and can be used, e.g. a button that is not greyed out), text (it shows the text below), url (the page address matches).')
    .meta({ title: 'Check that' }),
  selectors: selectorsParam(['.message'], 'Element', 'The element to check (not used for the address check).'),
  text: z
    .string()
    .default('')
    .describe('For the text check: the text the element must show, e.g. Order {{ orderId }} confirmed. Spaces and line breaks are compared loosely and invisible characters (soft hyphens, zero-width spaces) ignored; letter case counts, except where the page\'s style writes the text in capitals.')
    .meta({ title: 'Text', widget: 'template' }),
  textMatch: z
    .enum(['contains', 'equals'])
    .default('contains')
    .describe('contains: the element\'s text includes the text above. equals: it is exactly that text.')
    .meta({ title: 'Text must' }),
  url: urlPatternParam('Address', 'For the address check: what the page address must match.'),
  timeoutMs: timeoutParam('for the check to hold'),
});

const NO_MATCH = 'no element matched';
/** Matching elements whose text a look reads at most (a selector matching a whole table stays cheap). */
const MAX_TEXTS = 50;

export const browserVerify = defineBrowserStep({
  type: 'browser.verify',
  title: 'Browser: verify',
  description: 'Checks the open page: an element is visible, enabled or shows a text, or the address matches. Fails the record, saying what was expected and what was found, when the check does not hold in time.',
  icon: 'badge-check',
  params,
  effect: 'none',
  async act(ctx, page, p) {
    const deadline = Date.now() + p.timeoutMs;
    const selectors = p.check === 'url' ? [] : await renderSelectors(p.selectors, ctx.input);
    const pattern = p.check === 'url' ? (await renderTemplate(p.url, ctx.input, 'the address')).trim() : '';
    const text = p.check === 'text' ? tidyText(await renderTemplate(p.text, ctx.input, 'the text')) : '';
    const invalid = new Map<string, string>();

    /** One look at the page: null when the check holds, otherwise what was found. */
    const look = async (): Promise<string | null> => {
      if (p.check === 'url') return urlMatches(page.url(), pattern) ? null : `the address is ${page.url()}`;
      const found = await matchOnce(page, selectors, 'visible', invalid);
      if (!found) {
        const hidden = await matchOnce(page, selectors, 'attached', invalid);
        return hidden ? `the element ${JSON.stringify(hidden.selector)} is on the page but hidden` : NO_MATCH;
      }
      if (p.check === 'visible') return null;
      if (p.check === 'enabled') return (await found.locator.isEnabled()) ? null : `the element ${JSON.stringify(found.selector)} is disabled`;
      // Every visible element the selector matches, not only the first: a list of toasts or messages
      // holds the new one after the old ones (an old toast still shown hid the new one's text).
      const all = (found.frame ?? page).locator(toPlaywrightSelector(found.selector)).filter({ visible: true });
      const texts = (await all.evaluateAll((els, max) => els.slice(0, max).map((el) => (el as HTMLElement).innerText), MAX_TEXTS)).map(tidyText);
      const holds = (a: string, b: string): boolean => (p.textMatch === 'equals' ? a === b : a.includes(b));
      if (texts.some((shown) => holds(shown, text))) return null;
      // Letter case counts, unless the page's style changes it (text-transform: capitals on screen).
      const caseOnly = texts.findIndex((shown) => holds(shown.toLowerCase(), text.toLowerCase()));
      if (caseOnly >= 0 && (await caseRestyled(all.nth(caseOnly)))) return null;
      const shown = texts[Math.max(caseOnly, 0)] ?? '';
      const others = texts.length > 1 ? ` (and ${texts.length - 1} other visible element${texts.length === 2 ? '' : 's'} it matches, none showing it)` : '';
      return `the element ${JSON.stringify(found.selector)} shows ${excerpt(shown)}${caseOnly >= 0 ? ' (the same words in other capitals: the check compares letter case)' : ''}${others}`;
    };

    for (;;) {
      const found = await look();
      if (found === null) {
        ctx.log.debug(`Check passed: ${describeExpectation()}.`);
        return out(ctx.input);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        // Nothing matched a role selector: say which names that role has on the page.
        const roles = found === NO_MATCH ? await describeRoles(page, selectors.filter((s) => !invalid.has(s))) : '';
        throw new NodeError(
          'E_VERIFY_FAILED',
          `Expected ${describeExpectation()} within ${p.timeoutMs} ms; found: ${found}.${roles ? ` ${roles}` : ''}`,
          'The page is not in the state the flow expects (an error message, a different page, a slow server): look at the failure screenshot. If the page is right, adjust the check.',
        );
      }
      await sleep(Math.min(POLL_MS, left), ctx.signal);
    }

    function describeExpectation(): string {
      const el = `an element matching ${listSelectors(selectors)}`;
      switch (p.check) {
        case 'url':
          return `the page address to match ${pattern}`;
        case 'visible':
          return `${el} to be visible`;
        case 'enabled':
          return `${el} to be visible and enabled`;
        case 'text':
          return `${el} to show text that ${p.textMatch === 'equals' ? 'equals' : 'contains'} ${excerpt(text)}`;
      }
    }
  },
});
