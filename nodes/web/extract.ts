import { z } from 'zod';
import { defineNode } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { parseWebUrl } from '../sdk/url.ts';
import { fieldPath } from '../sdk/fields.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { valueAt } from '../data/lib/value-at.ts';
import { extractParams, extractPorts } from './lib/extract-params.ts';
import { extractFromPages } from './lib/run-extract.ts';
import { fetchPage } from './lib/fetch-page.ts';
import { limitOf } from '../sdk/rate-limit.ts';

const params = z.object({
  source: z
    .enum(['url', 'field'])
    .default('url')
    .describe('url: the step fetches the page at the address below. field: the HTML is already in a field of the record (e.g. the body an HTTP request step stored).')
    .meta({ title: 'Read from' }),
  url: z
    .string()
    .trim()
    .max(4000)
    .default('https://example.com/search?q={{ $encodeUrlComponent(term) }}')
    .describe('For "url": the page to read, with record fields in double braces, e.g. https://directory.example.com/search?q={{ $encodeUrlComponent(term) }}.')
    .meta({ title: 'Page address', widget: 'template' }),
  htmlField: fieldPath.default('response.body').describe('For "field": the field that holds the HTML, e.g. response.body.').meta({ title: 'HTML field' }),
  pageUrl: z
    .string()
    .trim()
    .max(4000)
    .default('')
    .describe('For "field": the address the HTML came from, so that relative links (and the next page link) become full addresses. Empty: links are kept as written, and a relative next page link cannot be followed.')
    .meta({ title: 'Address of that page', widget: 'template' }),
  ...extractParams,
});

export const webExtract = defineNode({
  type: 'web.extract',
  title: 'Extract list from page',
  category: 'Network',
  description: 'Reads a list of items (name, link, price…) out of a web page with CSS selectors, following "next page" links; each item becomes a record, or one list.',
  icon: 'list-tree',
  params,
  ...extractPorts,
  // It only reads pages (GET): reading them again is harmless.
  effect: 'idempotent',
  async run(ctx) {
    const p = ctx.params;
    if (p.source === 'url') {
      const url = parseWebUrl(await renderTemplate(p.url, ctx.input, 'the page address'), { subject: 'The page address', example: 'https://directory.example.com/search?q={{ term }}' });
      const page = await fetchPage(ctx, url, p.timeoutMs, limitOf(p));
      return extractFromPages(ctx, page, p, null);
    }
    const html = valueAt(ctx.input, p.htmlField);
    if (typeof html !== 'string') {
      throw new NodeError(
        'E_EXTRACT_NO_HTML',
        html === undefined || html === null ? `The record has no HTML in "${p.htmlField}".` : `The field "${p.htmlField}" holds ${Array.isArray(html) ? 'a list' : typeof html}, not HTML text.`,
        'Check "HTML field": it must name the field holding the page, e.g. response.body after an HTTP request step (whose answer must be text, not JSON).',
      );
    }
    const rawBase = (await renderTemplate(p.pageUrl, ctx.input, 'the address of the page')).trim();
    const base = rawBase ? parseWebUrl(rawBase, { subject: 'The address of the page', example: 'https://directory.example.com/search' }) : null;
    return extractFromPages(ctx, { html, url: base }, p, p.htmlField.split('.')[0]);
  },
});
