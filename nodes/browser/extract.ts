import { z } from 'zod';
import { defineBrowserStep } from './lib/define-step.ts';
import { out } from '../sdk/define-node.ts';
import { fieldName } from '../sdk/fields.ts';
import { locate, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';
import { tidyText } from './lib/page-text.ts';
import { toPlaywrightSelector } from './lib/role-selector.ts';

const params = z.object({
  selectors: selectorsParam(['#result'], 'Element', 'The element to read.'),
  what: z
    .enum(['text', 'value', 'attribute'])
    .default('text')
    .describe('What to read: text (what the element shows), value (what a form field holds), attribute (one of its attributes, named below, e.g. href of a link).')
    .meta({ title: 'Read' }),
  attribute: z
    .string()
    .trim()
    .default('href')
    .describe('For "attribute": its name, e.g. href, src, title or data-id.')
    .meta({ title: 'Attribute' }),
  matches: z
    .enum(['first', 'all'])
    .default('first')
    .describe('first: the first element the selectors find (the field holds its text). all: every element the selector that found it matches, in page order, at most 1000 (the field holds a list: search results, the rows of a table, the links of a menu) — a Split step after this one makes a record of each.')
    .meta({ title: 'Elements' }),
  trim: z.boolean().default(true).describe('Remove spaces and line breaks at both ends, run several spaces together into one (non-breaking spaces become plain ones) and drop characters that show nothing (soft hyphens, zero-width spaces).').meta({ title: 'Tidy spaces' }),
  field: fieldName('extracted').describe('The record field that receives what was read (text; null when an attribute is missing; a list of them with Elements = all).').meta({ title: 'Store in field' }),
  timeoutMs: timeoutParam('for the element'),
});

export const browserExtract = defineBrowserStep({
  type: 'browser.extract',
  title: 'Browser: read from page',
  description: 'Reads the text, value or an attribute of an element of the open page into a field of the record.',
  icon: 'text-search',
  params,
  effect: 'none',
  async act(ctx, page, p) {
    const { locator, selector, frame } = await locate(ctx, page, p.selectors, p.timeoutMs, 'attached');
    if (p.matches === 'all') {
      let values: Array<string | null>;
      try {
        values = await (frame ?? page).locator(toPlaywrightSelector(selector)).evaluateAll(readAll, { what: p.what, attribute: p.attribute, max: MAX_ELEMENTS });
      } catch (err) {
        if (page.isClosed()) throw err;
        throw notUsable(`read the ${p.what === 'attribute' ? `attribute ${p.attribute} of` : `${p.what} of`} the elements`, selector, err);
      }
      const count = values.length;
      if (count >= MAX_ELEMENTS) ctx.log.warn(`${JSON.stringify(selector)} matches more than ${MAX_ELEMENTS} elements: the first ${MAX_ELEMENTS} were read.`);
      else ctx.log.debug(`Read ${count} element${count === 1 ? '' : 's'} matching ${JSON.stringify(selector)}.`);
      return out({ ...ctx.input, [p.field]: values.map((v) => (v !== null && p.trim ? tidyText(v) : v)) });
    }
    let value: string | null;
    try {
      if (p.what === 'text') value = (await locator.isVisible()) ? await locator.innerText() : ((await locator.textContent()) ?? '');
      else if (p.what === 'value') value = await locator.inputValue({ timeout: 1000 });
      else value = await locator.getAttribute(p.attribute);
    } catch (err) {
      if (page.isClosed()) throw err;
      throw notUsable(`read the ${p.what === 'attribute' ? `attribute ${p.attribute} of` : `${p.what} of`}`, selector, err);
    }
    if (value === null) ctx.log.warn(`The element ${JSON.stringify(selector)} has no attribute ${JSON.stringify(p.attribute)}: ${p.field} is set to null.`);
    else if (p.trim) value = tidyText(value);
    return out({ ...ctx.input, [p.field]: value });
  },
});

/** At most this many elements are read with Elements = all: a list of a page's size, not a whole site's. */
const MAX_ELEMENTS = 1000;

/** Runs in the page: what each element holds, as the first-element read does (text shown, else its text; a field's value; an attribute or null). */
function readAll(elements: Element[], o: { what: 'text' | 'value' | 'attribute'; attribute: string; max: number }): Array<string | null> {
  return elements.slice(0, o.max).map((el) => {
    if (o.what === 'value') return 'value' in el ? String((el as HTMLInputElement).value) : null;
    if (o.what === 'attribute') return el.getAttribute(o.attribute);
    const h = el as HTMLElement;
    return h.checkVisibility?.() ? h.innerText : (el.textContent ?? '');
  });
}
