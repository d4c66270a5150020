import { z } from 'zod';
import { defineBrowserStep } from './lib/define-step.ts';
import { out } from '../sdk/define-node.ts';
import { fieldName } from '../sdk/fields.ts';
import { locate, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';
import { tidyText } from './lib/page-text.ts';

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
  trim: z.boolean().default(true).describe('Remove spaces and line breaks at both ends, run several spaces together into one (non-breaking spaces become plain ones) and drop characters that show nothing (soft hyphens, zero-width spaces).').meta({ title: 'Tidy spaces' }),
  field: fieldName('extracted').describe('The record field that receives what was read (text; empty when an attribute is missing: null).').meta({ title: 'Store in field' }),
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
    const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs, 'attached');
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
