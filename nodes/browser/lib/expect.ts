import type { Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { sleep } from '../../sdk/abort.ts';
import { POLL_MS, inFrame, listSelectors, matchOnce, renderSelectors } from './selectors.ts';
import { urlMatches } from './params.ts';
import { describeRoles } from './role-selector.ts';
import { currentOf, followTab, watchNewTabs, type NewTabs } from './tabs.ts';
import { renderTemplate } from '../../../server/contract/expression/template.ts';

/**
 * The verification signal after an action (open, click): waits until an element of `selectors` is
 * visible and the address matches `urlPattern` (each only when given), for at most `timeoutMs`.
 * Otherwise E_VERIFY_FAILED, saying what was expected and what was found. `tabs`: the tabs the
 * action opened — when the sign is in one of them and not on `page`, the record goes on in that tab
 * (tabs.ts).
 */
export async function expectAfter(
  ctx: Pick<NodeContext<unknown>, 'signal' | 'log'>,
  actedOn: Page,
  action: string,
  selectors: string[],
  urlPattern: string,
  timeoutMs: number,
  tabs?: NewTabs,
): Promise<void> {
  if (selectors.length === 0 && urlPattern === '') {
    noteTabs(ctx, tabs, action);
    return;
  }
  const deadline = Date.now() + timeoutMs;
  const invalid = new Map<string, string>();
  for (;;) {
    // A tab the steps followed that closed itself (a sign-in window, done): its opener is looked at.
    const page = actedOn.isClosed() ? currentOf(actedOn) : actedOn;
    for (const [i, where] of [page, ...(tabs?.list() ?? [])].entries()) {
      const urlOk = urlPattern === '' || urlMatches(where.url(), urlPattern);
      let found: Awaited<ReturnType<typeof matchOnce>> = null;
      try {
        found = selectors.length === 0 || !urlOk ? null : await matchOnce(where, selectors, 'visible', invalid);
      } catch (err) {
        // A new tab that closed while it was searched (it did its job and went): the others are looked at.
        if (i > 0 && where.isClosed()) continue;
        throw err;
      }
      if (!urlOk || (selectors.length > 0 && found === null)) continue;
      if (i > 0) {
        followTab(page, where);
        ctx.log.info(`After ${action}, the sign is in the new tab it opened (${where.url()}): the steps go on there.`);
      } else noteTabs(ctx, tabs, action);
      if (found) ctx.log.debug(`Check passed: ${JSON.stringify(found.selector)} is visible${inFrame(found)}${found.index > 0 ? ` (fallback ${found.index + 1} of ${selectors.length})` : ''}.`, { selector: found.selector, index: found.index });
      if (urlPattern) ctx.log.debug(`Check passed: the address ${where.url()} matches ${urlPattern}.`);
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const urlOk = urlPattern === '' || urlMatches(page.url(), urlPattern);
      const elementOk = selectors.length === 0 || (await matchOnce(page, selectors, 'visible', invalid)) !== null;
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
      const opened = tabs?.list() ?? [];
      if (opened.length > 0) seen.push(`the action opened ${opened.length === 1 ? 'a new tab' : `${opened.length} new tabs`} (${opened.map((t) => t.url()).join(', ')}), where the sign was not seen either`);
      throw new NodeError(
        'E_VERIFY_FAILED',
        `After ${action}, expected ${expected.join(' and ')} within ${timeoutMs} ms; found: ${seen.join('; ')}.`,
        'The action may not have had its effect (a validation message, an error page, a slow server): look at the failure screenshot. If the page is right but different from what the step expects, change the "Then expect" settings; if it is slow, raise the time limit.',
      );
    }
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
}

/** A tab the action opened that the steps do not follow: said in the log, so the operator knows where it went. */
function noteTabs(ctx: Pick<NodeContext<unknown>, 'log'>, tabs: NewTabs | undefined, action: string): void {
  const opened = tabs?.list() ?? [];
  if (opened.length === 0) return;
  ctx.log.info(`${action[0].toUpperCase()}${action.slice(1)} opened a new tab (${opened.map((t) => t.url()).join(', ')}); the steps go on in the page they were in. To go on in the tab, give the step a "Then expect" sign that is found there.`);
}

/** The "Then expect" settings of a step that changes the page (click, press key). */
export interface SignParams {
  expectSelectors: string[];
  expectUrl: string;
  timeoutMs: number;
}

/**
 * Does `act` (a click, a key press), then waits for the step's sign (`expectAfter`), watching the
 * tabs the action opens (tabs.ts). `action` names what was done, for the log and the error.
 */
export async function actThenExpect(
  ctx: Pick<NodeContext<unknown>, 'signal' | 'log' | 'input'>,
  page: Page,
  p: SignParams,
  act: () => Promise<string>,
): Promise<void> {
  const expectSelectors = await renderSelectors(p.expectSelectors, ctx.input);
  const expectUrl = (await renderTemplate(p.expectUrl, ctx.input, 'the expected address')).trim();
  const tabs = watchNewTabs(page);
  try {
    const action = await act();
    await expectAfter(ctx, page, action, expectSelectors, expectUrl, p.timeoutMs, tabs);
  } finally {
    tabs.stop();
  }
}
