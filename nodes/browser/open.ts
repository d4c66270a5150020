import { z } from 'zod';
import { errors, type Page, type Response } from 'playwright-core';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { displayUrl, parseWebUrl } from '../sdk/url.ts';
import { firstLine, networkRefusal, proxyFailure, proxyFailureCode, refusalOf } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { optionalSelectorsParam, renderSelectors } from './lib/selectors.ts';
import { timeoutParam, urlPatternParam } from './lib/params.ts';
import { expectAfter } from './lib/expect.ts';
import { watchLoad } from './lib/load-watch.ts';

const URL_WORDS = { subject: 'The page address', example: 'https://shop.example.com/login' };

const params = z.object({
  url: z
    .string()
    .trim()
    .default('https://example.com/')
    .describe('The address of the page to open, e.g. https://shop.example.com/login or https://crm.example.com/customers/{{ id }}. Put record fields in double braces.')
    .meta({ title: 'Page address', widget: 'template' }),
  waitUntil: z
    .enum(['load', 'domcontentloaded', 'networkidle'])
    .default('load')
    .describe('When the page counts as loaded: load (everything, images included: the usual choice), domcontentloaded (the text is there; faster), networkidle (nothing has been downloading for half a second; for pages that keep loading data).')
    .meta({ title: 'Wait until' }),
  expectSelectors: optionalSelectorsParam(
    'Then expect element',
    'Optional check: the step succeeds only once one of these elements is visible (e.g. #login-form). Selectors are tried in order. Empty: no check. With a check, a page whose text is all there but that keeps loading something past the time limit (an image or a script that never comes) is used once the check passes.',
  ),
  expectUrl: urlPatternParam('Then expect address', 'Optional check: the step succeeds only if the page address (after redirects) matches. Empty: no check.'),
  timeoutMs: timeoutParam('for the page to load (and again for the check)'),
  skipMedia: z
    .boolean()
    .default(false)
    .describe('Do not download images, fonts, audio and video: pages load faster when the steps only read and fill in text. Screenshots then show the page without pictures.')
    .meta({ title: 'Skip images, fonts and media' }),
  reuseWindow: z
    .boolean()
    .default(false)
    .describe("Give this record a browser window a previous record of the run used, after clearing its cookies, storage, cache and pages, instead of a new one: faster for many short records. Off: every record gets a brand-new window.")
    .meta({ title: 'Reuse browser windows between records' }),
});

export const browserOpen = defineBrowserStep({
  type: 'browser.open',
  title: 'Browser: open page',
  description: 'Opens a web page in this record\'s own browser window (its own cookies and sign-ins) and waits until it has loaded. Later browser steps work on that page.',
  icon: 'compass',
  params,
  effect: 'idempotent',
  session: 'opens',
  pageOptions: (p) => ({ skipMedia: p.skipMedia, reuse: p.reuseWindow }),
  async act(ctx, page, p) {
    const raw = (await renderTemplate(p.url, ctx.input, 'the page address')).trim();
    const url = parseWebUrl(raw, URL_WORDS);
    const shown = displayUrl(url);
    const selectors = await renderSelectors(p.expectSelectors, ctx.input);
    const urlPattern = (await renderTemplate(p.expectUrl, ctx.input, 'the expected address')).trim();
    let response: Response | null;
    // Forget what an earlier step met on the network.
    networkRefusal(page);
    proxyFailure(page);
    const load = watchLoad(page);
    // Set when the page was read whole but kept loading something past the time limit (load-watch.ts).
    let unfinished: string | null = null;
    try {
      response = await page.goto(url.href, { waitUntil: p.waitUntil, timeout: p.timeoutMs });
    } catch (err) {
      load.stop();
      if (page.isClosed()) throw err;
      // The page asked for an https address the network policy refuses (its tunnel was refused).
      const refused = networkRefusal(page);
      if (refused) {
        // Leave Chromium's error page settled, so the record's next open starts clean.
        await page.waitForLoadState('load', { timeout: 2000 }).catch(() => undefined);
        await page.goto('about:blank').catch(() => undefined);
        throw refused;
      }
      const timedOut = err instanceof errors.TimeoutError;
      let netCode = /net::(ERR_[A-Z_]+)/.exec(firstLine(err))?.[1];
      let detail = firstLine(err);
      // Chromium only sees that the policy proxy could not open the tunnel: say why it could not.
      const failed = netCode === 'ERR_TUNNEL_CONNECTION_FAILED' ? proxyFailure(page) : null;
      if (failed) {
        netCode = failed.netCode;
        detail = `net::${failed.netCode} at ${url.href} (${failed.message})`;
      }
      if (!timedOut) throw unreachable(shown, netCode, detail, err);
      const late = `The page ${shown} did not finish loading (${p.waitUntil}) within ${p.timeoutMs} ms${stillLoading(load.pending())}.`;
      // Its text was all there and the step has a sign to check: the page is used as a person would,
      // if the sign shows (below), whatever it still loads.
      if (load.domReady() && (selectors.length > 0 || urlPattern !== '') && !page.isClosed()) {
        unfinished = late;
        response = load.document();
      } else {
        // Stop the navigation still under way, so the failure screenshot shows the page as it is.
        await stopLoading(page);
        throw new NodeError(
          'E_PAGE_LOAD',
          late,
          `The site may be slow: raise the time limit. If the page is usable before everything it loads has come (an image, an advert or a chat script that never finishes), wait until "domcontentloaded" instead of "${p.waitUntil}", or give the step a "Then expect" sign: the page is then used once the sign shows.`,
          { transient: true, cause: err },
        );
      }
    }
    load.stop();
    // The page, or a redirect hop it followed, was refused by the policy proxy (a 403 with its
    // marker, nothing sent to the address): leave it before any later step can read it.
    const answered = response?.headers() ?? {};
    const refused = refusalOf(page, answered);
    if (refused) {
      await page.goto('about:blank').catch(() => undefined);
      throw refused;
    }
    const failedCode = proxyFailureCode(answered);
    if (failedCode) {
      const failed = proxyFailure(page);
      throw unreachable(shown, failedCode, `net::${failedCode} at ${page.url()}${failed ? ` (${failed.message})` : ''}`);
    }
    const status = response?.status() ?? 0;
    if (status >= 400) {
      throw new NodeError(
        'E_PAGE_LOAD',
        `The page ${shown} answered ${status}${response?.statusText() ? ` ${response.statusText()}` : ''}.`,
        status >= 500
          ? 'The site had a problem on its side: retrying later may help.'
          : status === 401 || status === 403
            ? 'The site refused access: the page may need a sign-in first.'
            : 'Check the address and the record fields it uses.',
        { transient: status >= 500 || status === 429 || status === 408 },
      );
    }
    ctx.log.info(`Opened ${displayUrl(new URL(page.url()))}${status ? ` (${status})` : ''}.`);
    try {
      await expectAfter(ctx, page, `opening ${shown}`, selectors, urlPattern, p.timeoutMs);
    } catch (err) {
      if (!unfinished || !(err instanceof NodeError)) throw err;
      await stopLoading(page);
      throw new NodeError('E_PAGE_LOAD', `${unfinished} The step's sign did not show either: ${err.message}`, err.hint, { transient: true, cause: err });
    }
    if (unfinished) ctx.log.warn(`${unfinished} Its text was all there and the step's sign shows: the page is used as it is.`);
    return out(ctx.input);
  },
});

/** E_PAGE_LOAD for an address that did not answer (`netCode`: Chromium's ERR_…). */
function unreachable(shown: string, netCode: string | undefined, detail: string, cause?: unknown): NodeError {
  return new NodeError(
    'E_PAGE_LOAD',
    `The page ${shown} could not be opened${netCode ? ` (${netCode})` : ''}: ${detail}`,
    'Check the address and that the site is up and reachable from this computer; retrying later may help.',
    { transient: netCode !== 'ERR_NAME_NOT_RESOLVED', cause },
  );
}

/** " — still waiting for: …" naming the first few requests left unanswered; '' when none is known. */
function stillLoading(pending: string[]): string {
  if (pending.length === 0) return '';
  return ` — still waiting for: ${pending.slice(0, 3).join(', ')}${pending.length > 3 ? `, and ${pending.length - 3} more` : ''}`;
}

async function stopLoading(page: Page): Promise<void> {
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.stopLoading');
    await cdp.detach();
  } catch {
    // Not Chromium, or the page is gone: the screenshot is only best effort.
  }
}
