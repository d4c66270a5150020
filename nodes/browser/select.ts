import { z } from 'zod';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { remaining } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';
import { chooseInCustomList } from './lib/custom-list.ts';
import { chooseRadio, isRadioGroup } from './lib/radio-group.ts';
import { tidyText } from './lib/page-text.ts';

/** How many of the list's options an error message names. */
const SHOWN_OPTIONS = 20;

const params = z.object({
  selectors: selectorsParam(['select[name="country"]'], 'Drop-down list', 'The drop-down list to choose in: a <select>, a list the page draws itself whose choices are marked role="option" (the button or field that opens it), or a group of radio buttons (e.g. the fieldset around them).'),
  option: z
    .string()
    .default('{{ country }}')
    .describe('The option to choose, e.g. France or {{ country }}.')
    .meta({ title: 'Option', widget: 'template' }),
  by: z
    .enum(['label', 'value'])
    .default('label')
    .describe('label: the option is the text shown in the list (the usual choice). value: the option\'s hidden value, as the page\'s code knows it.')
    .meta({ title: 'Match the option by' }),
  timeoutMs: timeoutParam('for the list'),
});

interface OptionInfo {
  value: string;
  label: string;
}

export const browserSelect = defineBrowserStep({
  type: 'browser.select',
  title: 'Browser: choose in list',
  description: 'Chooses an option in a drop-down list of the open page, then checks it is selected.',
  icon: 'list',
  params,
  effect: 'idempotent',
  async act(ctx, page, p) {
    const wanted = await renderTemplate(p.option, ctx.input, 'the option');
    const { locator, selector, deadline, frame, hidden } = await locate(ctx, page, p.selectors, p.timeoutMs, 'list');
    const options = await locator.evaluate((el) =>
      el instanceof HTMLSelectElement ? [...el.options].map((o) => ({ value: o.value, label: o.label.trim() })) : null,
    );
    if (options === null) {
      // Not a <select>: a group of radio buttons (radio-group.ts), a list drawn by the page
      // (custom-list.ts) — or an honest refusal.
      const label = (await isRadioGroup(locator))
        ? await chooseRadio(page, locator, selector, wanted, p.by, deadline)
        : await chooseInCustomList(ctx, page, frame ?? page.mainFrame(), { locator, selector }, wanted, p.by, deadline);
      ctx.log.debug(`Chose ${JSON.stringify(label)} in ${JSON.stringify(selector)}.`);
      return out(ctx.input);
    }
    // Labels compare as a reader sees them: a non-breaking space is a space (page-text.ts).
    const match = options.find((o: OptionInfo) => (p.by === 'label' ? tidyText(o.label) === tidyText(wanted) : o.value === wanted));
    if (!match) {
      const shown = options.slice(0, SHOWN_OPTIONS).map((o: OptionInfo) => JSON.stringify(p.by === 'label' ? o.label : o.value));
      // A heading of the list's groups (<optgroup>) is shown like an option but cannot be chosen: said so.
      const heading = p.by === 'label' && (await locator.evaluate((el) => [...el.querySelectorAll('optgroup')].map((g) => g.label))).some((g) => tidyText(g) === tidyText(wanted));
      throw new NodeError(
        'E_ELEMENT_NOT_USABLE',
        `The list found with ${JSON.stringify(selector)} has no option with the ${p.by} ${JSON.stringify(wanted)}${heading ? ' (that is the heading of a group of its options, which cannot be chosen)' : ''}. Its options: ${shown.join(', ')}${options.length > SHOWN_OPTIONS ? `, … (${options.length} in all)` : ''}.`,
        'Check the record\'s value against the list (spelling, capitals), or match by value instead of label.',
      );
    }
    try {
      // A hidden <select> under the page's own drawn list: chosen in directly (a person could not
      // reach it, but the drawn list only mirrors it); the change event tells the page, as a choice would.
      await locator.selectOption({ value: match.value }, { timeout: remaining(deadline), force: hidden });
    } catch (err) {
      if (page.isClosed()) throw err;
      throw notUsable('choose an option in', selector, err);
    }
    const now = await locator.inputValue({ timeout: remaining(deadline) });
    if (now !== match.value) {
      throw new NodeError(
        'E_VERIFY_FAILED',
        `After choosing ${JSON.stringify(match.label)} in the list ${JSON.stringify(selector)}, expected its value to be ${JSON.stringify(match.value)}; found ${JSON.stringify(now)}.`,
        'The page changed the choice back (a script reacting to the change): look at the failure screenshot.',
      );
    }
    ctx.log.debug(
      hidden
        ? `The list ${JSON.stringify(selector)} is hidden (the page draws its own over it): chose ${JSON.stringify(match.label)} in it directly.`
        : `Chose ${JSON.stringify(match.label)} in ${JSON.stringify(selector)}.`,
    );
    return out(ctx.input);
  },
});
