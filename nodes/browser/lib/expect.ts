import type { Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { sleep } from '../../sdk/abort.ts';
import { POLL_MS, inFrame, listSelectors, matchOnce } from './selectors.ts';
import { urlMatches } from './params.ts';
import { describeRoles } from './role-selector.ts';

/**
 * The verification signal after an action (open, click): waits until an element of `selectors` is
 * visible and the address matches `urlPattern` (each only when given), for at most `timeoutMs`.
 * Otherwise E_VERIFY_FAILED, saying what was expected and what was found.
 */
export async function expectAfter(
  ctx: Pick<NodeContext<unknown>, 'signal' | 'log'>,
  page: Page,
  action: string,
  selectors: string[],
  urlPattern: string,
  timeoutMs: number,
): Promise<void> {
  if (selectors.length === 0 && urlPattern === '') return;
  const deadline = Date.now() + timeoutMs;
  const invalid = new Map<string, string>();
  for (;;) {
    const urlOk = urlPattern === '' || urlMatches(page.url(), urlPattern);
    const found = selectors.length === 0 ? null : await matchOnce(page, selectors, 'visible', invalid);
    const elementOk = selectors.length === 0 || found !== null;
    if (urlOk && elementOk) {
      if (found) ctx.log.debug(`Check passed: ${JSON.stringify(found.selector)} is visible${inFrame(found)}${found.index > 0 ? ` (fallback ${found.index + 1} of ${selectors.length})` : ''}.`, { selector: found.selector, index: found.index });
      if (urlPattern) ctx.log.debug(`Check passed: the address ${page.url()} matches ${urlPattern}.`);
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const expected: string[] = [];
      const seen: string[] = [];
      if (!elementOk) {
        expected.push(`an element matching ${listSelectors(selectors)} to be visible`);
        const roles = await describeRoles(page, selectors.filter((s) => !invalid.has(s)));
        seen.push(`no visible element matched${roles ? ` (${roles.replace(/\.$/, '')})` : ''}`);
      }
      if (!urlOk) {
        expected.push(`the address to match ${urlPattern}`);
        seen.push(`the address is ${page.url()}`);
      }
      throw new NodeError(
        'E_VERIFY_FAILED',
        `After ${action}, expected ${expected.join(' and ')} within ${timeoutMs} ms; found: ${seen.join('; ')}.`,
        'The action may not have had its effect (a validation message, an error page, a slow server): look at the failure screenshot. If the page is right but different from what the step expects, change the "Then expect" settings; if it is slow, raise the time limit.',
      );
    }
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
}
