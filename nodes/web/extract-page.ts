import { z } from 'zod';
import { defineNode } from '../sdk/define-node.ts';
import { browserStep } from '../browser/lib/session.ts';
import { extractParams, extractPorts } from './lib/extract-params.ts';
import { extractFromPages } from './lib/run-extract.ts';

const params = z.object({ ...extractParams });

/**
 * The extract step for the page a browser step opened (after a search form was filled, a login…):
 * the page as the browser shows it now, scripts run. Next pages are fetched over HTTP like the other
 * extract step's (without the browser's cookies).
 */
export const webExtractPage = defineNode({
  type: 'web.extract-page',
  title: 'Extract list from browser page',
  category: 'Network',
  description: 'Reads a list of items out of the page the browser has open, with CSS selectors, following "next page" links; each item becomes a record, or one list.',
  icon: 'list-tree',
  params,
  ...extractPorts,
  effect: 'idempotent',
  session: 'uses',
  async run(ctx) {
    const first = await browserStep(ctx, 'existing', async (page) => ({ html: await page.content(), url: new URL(page.url()) }));
    return extractFromPages(ctx, first, ctx.params, null);
  },
});
