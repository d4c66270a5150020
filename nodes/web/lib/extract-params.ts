import { z } from 'zod';
import { fieldName } from '../../sdk/fields.ts';
import { rateLimitParams } from '../../sdk/rate-limit.ts';
import { selectorProblem } from './extract-items.ts';

/** The settings both extract steps share (from a page fetched or given, and from the browser's page). */

/** Both extract steps' ports: the items, or the record itself when a page has none ("records" only). */
export const extractPorts = {
  inputs: [{ id: 'in', label: 'In' }],
  outputs: [
    { id: 'out', label: 'Items' },
    { id: 'empty', label: 'No item' },
  ],
};

const selector = (title: string, fallback: string, description: string) =>
  z
    .string()
    .trim()
    .max(1000)
    .default(fallback)
    .describe(description)
    .meta({ title })
    .superRefine((value, issue) => {
      const problem = selectorProblem(value);
      if (problem) issue.addIssue({ code: 'custom', message: problem });
    });

export const fieldSpec = z.object({
  name: fieldName('title').describe('The field of the item that receives what is read, e.g. name, link or price.').meta({ title: 'Field' }),
  selector: selector('CSS selector', 'h2', 'Where to read it inside the item, e.g. h2, a.profile, .price. Empty: the item itself.'),
  read: z
    .enum(['text', 'attribute', 'html'])
    .default('text')
    .describe('text: what the element shows; attribute: one of its attributes (named below, e.g. href of a link — links become full addresses); html: its inner HTML.')
    .meta({ title: 'Read' }),
  attribute: z.string().trim().max(100).default('href').describe('For "attribute": its name, e.g. href, src, title or data-id.').meta({ title: 'Attribute' }),
  all: z.boolean().default(false).describe('Off: the first match (null when none). On: a list of every match (empty when none).').meta({ title: 'All matches' }),
  trim: z.boolean().default(true).describe('Remove spaces and line breaks at both ends, and run several spaces together into one.').meta({ title: 'Tidy spaces' }),
});

export const extractParams = {
  itemSelector: selector('Item selector', '.item', 'The CSS selector of each item of the list, e.g. .result, li.business or table tr.'),
  fields: z
    .array(fieldSpec)
    .min(1, 'Add at least one field to read from each item.')
    .max(100)
    .default([
      { name: 'name', selector: 'h2', read: 'text', attribute: 'href', all: false, trim: true },
      { name: 'link', selector: 'a', read: 'attribute', attribute: 'href', all: false, trim: true },
    ])
    .describe('What to read from each item: one field per row.')
    .meta({ title: 'Fields' }),
  nextSelector: selector('Next page link', '', 'The CSS selector of the link to the next page, e.g. a.next or a[rel=next]: its page is fetched and read too, until there is none or the page limit is reached. Empty: one page only.'),
  maxPages: z
    .number()
    .int('Use a whole number.')
    .min(1, 'Read at least one page.')
    .max(100, 'At most 100 pages per record.')
    .default(5)
    .describe('The most pages read per record, the first one included.')
    .meta({ title: 'Page limit' }),
  output: z
    .enum(['records', 'list'])
    .default('records')
    .describe('records: each item goes on as a record of its own (use Collect to gather them back). list: the record goes on once, with the items as a list in the field below (split it later).')
    .meta({ title: 'Items as' }),
  listField: fieldName('items').describe('For "list": the field that receives the items.').meta({ title: 'List field' }),
  keepParentFields: z
    .boolean()
    .default(true)
    .describe('For "records": each item also gets the fields of the original record (except the one holding the HTML); the item\'s own fields win.')
    .meta({ title: 'Keep the other fields' }),
  timeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(1)
    .max(600_000)
    .default(15_000)
    .describe('How long to wait for each page fetched, in milliseconds.')
    .meta({ title: 'Time limit per page (ms)' }),
  rateLimit: rateLimitParams.rateLimit,
  ratePer: rateLimitParams.ratePer,
};
