import { NodeError } from '../../../server/contract/node-error.ts';
import { out, outMany } from '../../sdk/define-node.ts';
import type { NodeContext, RecordData, StepResult } from '../../sdk/types.ts';
import { extractItems, type FieldSpec } from './extract-items.ts';
import { limitOf, type RatePeriod } from '../../sdk/rate-limit.ts';
import { fetchPage } from './fetch-page.ts';

/**
 * What both extract steps do once they have the first page: read its items, follow the "next" link
 * page after page (fetched over HTTP through the network policy) up to the page limit, and emit the
 * items as records or as one list.
 */

export interface ExtractSettings {
  itemSelector: string;
  fields: FieldSpec[];
  nextSelector: string;
  maxPages: number;
  output: 'records' | 'list';
  listField: string;
  keepParentFields: boolean;
  timeoutMs: number;
  rateLimit: number;
  ratePer: RatePeriod;
}

type Ctx = Pick<NodeContext<unknown>, 'input' | 'network' | 'signal' | 'log' | 'run'>;

export async function extractFromPages(ctx: Ctx, first: { html: string; url: URL | null }, p: ExtractSettings, dropField: string | null): Promise<StepResult> {
  const items: RecordData[] = [];
  const seen = new Set<string>();
  let page = first;
  let pages = 0;
  for (;;) {
    pages++;
    if (page.url) seen.add(page.url.href);
    const found = extractItems(page.html, page.url, p.itemSelector, p.fields, p.nextSelector);
    items.push(...found.items);
    ctx.log.debug(`Page ${pages}${page.url ? ` (${page.url.href})` : ''}: ${found.items.length} item${found.items.length === 1 ? '' : 's'}.`);
    if (!found.next) break;
    const next = nextUrl(found.next);
    if (seen.has(next.href)) break; // a "next" link back to a page already read: the end of the list
    if (pages >= p.maxPages) {
      ctx.log.warn(`Stopped at the page limit (${p.maxPages} ${p.maxPages === 1 ? 'page' : 'pages'}): more pages follow from ${next.href}.`);
      break;
    }
    page = await fetchPage(ctx, next, p.timeoutMs, limitOf(p));
  }
  ctx.log.info(`Read ${items.length} item${items.length === 1 ? '' : 's'} from ${pages} page${pages === 1 ? '' : 's'}.`);

  if (p.output === 'list') return out({ ...ctx.input, [p.listField]: items });
  if (items.length === 0) return out(ctx.input, 'empty');
  const base: RecordData = p.keepParentFields ? { ...ctx.input } : {};
  if (dropField) delete base[dropField];
  return outMany(items.map((item) => ({ ...base, ...item })));
}

/** The next page's address: absolute already when the page's own address was known. */
function nextUrl(href: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new NodeError(
      'E_EXTRACT_NO_PAGE_ADDRESS',
      `The next page link ${JSON.stringify(href)} is relative, and the step does not know the address of the page it read.`,
      'Fill in "Page address" with the address the HTML came from (e.g. the URL of the HTTP request step), so that relative links can be followed.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError('E_EXTRACT_FETCH', `The next page link ${JSON.stringify(href)} is not a web address.`, 'Check the "Next page link" selector: it must match a link (a) to the next page.');
  }
  return url;
}
