import { z } from 'zod';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { sleep } from '../../sdk/abort.ts';
import { LinearRegExp, LinearRegexError } from '../../../server/contract/expression/linear-regex.ts';
import { PATTERN_UNSUPPORTED_HINT } from '../../../server/contract/expression/syntax.ts';
import { POLL_MS } from './selectors.ts';
import type { Page } from 'playwright-core';

/** Every browser step's time limit. */
export function timeoutParam(what = 'for the element and the check') {
  return z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(1, 'The time limit must be at least 1 ms.')
    .max(300_000, 'The time limit can be at most 5 minutes (300000 ms).')
    .default(10_000)
    .describe(`How long to wait ${what}, in milliseconds (10000 = 10 seconds), before the step fails.`)
    .meta({ title: 'Time limit (ms)' });
}

/** A URL pattern setting: text the address must contain, or /a regular expression/. */
export function urlPatternParam(title: string, description: string) {
  return z
    .string()
    .trim()
    .default('')
    .describe(`${description} Write text the address must contain (e.g. /thank-you), or a regular expression between slashes (e.g. /\\/orders\\/\\d+$/). {{ placeholders }} are filled from the record.`)
    .meta({ title, widget: 'template', syntax: 'url-pattern' });
}

/** Whether `url` matches a pattern: /regex/flags, or text it must contain. */
export function urlMatches(url: string, pattern: string): boolean {
  const re = /^\/(.+)\/([dgimsuy]*)$/s.exec(pattern);
  if (re) {
    let regex: LinearRegExp;
    try {
      new RegExp(re[1], re[2]);
      // Linear-time matching (RE2 semantics): a pattern filled from record data cannot freeze the studio.
      regex = new LinearRegExp(re[1], re[2].replace(/[gy]/g, ''));
    } catch (err) {
      const unsupported = err instanceof LinearRegexError;
      throw new NodeError(
        unsupported ? 'E_PATTERN_UNSUPPORTED' : 'E_URL_PATTERN_INVALID',
        `The address pattern ${pattern} ${unsupported ? 'cannot be used' : 'is not a valid regular expression'}: ${(err as Error).message}.`,
        unsupported ? PATTERN_UNSUPPORTED_HINT : 'Fix the pattern, or write plain text the address must contain (without slashes around it).',
      );
    }
    return regex.test(url);
  }
  return url.includes(pattern);
}

/** Waits until the page's address matches `pattern`; false when `deadline` passes first. */
export async function waitForUrl(ctx: Pick<NodeContext<unknown>, 'signal'>, page: Page, pattern: string, deadline: number): Promise<boolean> {
  for (;;) {
    if (urlMatches(page.url(), pattern)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
}

/** Text for messages, cut to a readable length. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
