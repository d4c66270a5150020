import { NodeError } from '../../../server/contract/node-error.ts';
import type { NetworkAccess } from '../../sdk/network.ts';
import type { NodeLogger } from '../../sdk/types.ts';
import { noteRetryAfter, waitForRateLimit, type RateLimit } from '../../sdk/rate-limit.ts';
import { abortError } from '../../sdk/abort.ts';
import { bodyText, cappedBytes } from '../../sdk/text-body.ts';

/**
 * GETs one HTML page for the extract steps through the run's network policy and the flow's per-host
 * rate limit (a 429/503 Retry-After holds the host back for the flow), following redirects by hand
 * (each hop checked by the policy), within a time limit and a size limit. Answers other than
 * 2xx, and bodies that are not HTML or text, are refused with E_EXTRACT_FETCH.
 */

/** Largest page read (a listing page is well under this; more is a download, not a page). */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 10;

export interface FetchedPage {
  html: string;
  /** Where the page finally came from (after redirects): the base of its relative links. */
  url: URL;
}

function shown(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/** The page's text, in its own character set (a charset, its <meta charset>), within MAX_PAGE_BYTES. */
async function readLimited(response: Response, url: URL): Promise<string> {
  const bytes = await cappedBytes(response, MAX_PAGE_BYTES);
  if (bytes === null) throw tooLarge(url);
  return bodyText(bytes, response.headers.get('content-type'));
}

function tooLarge(url: URL): NodeError {
  return new NodeError('E_EXTRACT_FETCH', `The page ${shown(url)} is larger than ${MAX_PAGE_BYTES / 1024 / 1024} MB: it was not read.`, 'Check that the address is a listing page, not a file to download.');
}

/** The step a page is fetched for: its network policy, flow (rate limits are per flow and host), signal and log. */
export interface PageStep {
  network: NetworkAccess;
  run: { flowId: string };
  signal: AbortSignal;
  log: NodeLogger;
}

export async function fetchPage(step: PageStep, start: URL, timeoutMs: number, limit: RateLimit | null): Promise<FetchedPage> {
  const { network, signal } = step;
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let url = start;
  try {
    for (let hops = 0; ; hops++) {
      const headers = new Headers({ accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5' });
      await waitForRateLimit(step, url, limit);
      const response = await network.fetch(url, { method: 'GET', headers, signal: both });
      const blocked = await noteRetryAfter(step, url, response);
      const location = response.headers.get('location');
      if ([301, 302, 303, 307, 308].includes(response.status) && location) {
        await response.body?.cancel().catch(() => undefined);
        if (hops >= MAX_REDIRECTS) throw new NodeError('E_EXTRACT_FETCH', `${shown(start)} redirected more than ${MAX_REDIRECTS} times.`, 'Check the address: the site keeps sending the request elsewhere.');
        url = new URL(location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeError('E_EXTRACT_FETCH', `${shown(start)} redirected to a ${url.protocol} address, which is not a web page.`, 'Check the address.');
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel().catch(() => undefined);
        throw new NodeError(
          'E_EXTRACT_FETCH',
          `The page ${shown(url)} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
          response.status === 404
            ? 'Check the address and the record fields it uses.'
            : response.status === 429 || response.status >= 500
              ? `The site is busy or has a problem: retry later (a step policy can retry it)${blocked !== null ? `; it asked to wait ${Math.ceil(blocked / 1000)} s, and later pages of this flow from ${url.host} wait until then` : ''}. A rate limit in the step's settings keeps requests under what the site accepts.`
              : 'The site refused the page: check the address.',
          { transient: response.status === 429 || response.status >= 500 },
        );
      }
      const type = response.headers.get('content-type') ?? '';
      if (type && !/html|xml|text\//i.test(type)) {
        await response.body?.cancel().catch(() => undefined);
        throw new NodeError('E_EXTRACT_FETCH', `The page ${shown(url)} is not HTML (it is ${type.split(';')[0]}).`, 'Point the step at a web page; for a JSON API use the HTTP request step.');
      }
      return { html: await readLimited(response, url), url };
    }
  } catch (err) {
    if (err instanceof NodeError) throw err;
    if (signal.aborted) throw abortError(signal, 'Reading the page was cancelled.');
    if (timeout.aborted) throw new NodeError('E_EXTRACT_FETCH', `The page ${shown(url)} did not answer within ${timeoutMs} ms.`, 'The site may be slow: retry later, or raise the time limit.', { transient: true, cause: err });
    const code = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
    throw new NodeError('E_EXTRACT_FETCH', `The page ${shown(url)} could not be read${code ? ` (${code})` : ''}: ${(err as Error)?.message ?? String(err)}.`, 'Check that the site is up and the address right; retrying later may help.', { transient: code !== 'ENOTFOUND', cause: err });
  }
}
