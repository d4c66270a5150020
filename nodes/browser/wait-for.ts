import { z } from 'zod';
import { defineBrowserStep } from './lib/define-step.ts';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { sleep } from '../sdk/abort.ts';
import { POLL_MS, findElement, listSelectors, matchOnce, renderSelectors, selectorsParam } from './lib/selectors.ts';
import { timeoutParam, urlPatternParam, waitForUrl } from './lib/params.ts';

const params = z.object({
  until: z
    .enum(['visible', 'attached', 'hidden', 'detached', 'url'])
    .default('visible')
    .describe('What to wait for: visible (an element shows), attached (an element exists, even hidden), hidden (no element of the list shows any more, e.g. a "Loading…" spinner), detached (no element of the list exists any more), url (the page address matches).')
    .meta({ title: 'Wait until' }),
  selectors: selectorsParam(['#content'], 'Element', 'The element to wait for (not used when waiting for an address).'),
  url: urlPatternParam('Address', 'When waiting for an address: what it must match.'),
  timeoutMs: timeoutParam(),
});

export const browserWaitFor = defineBrowserStep({
  type: 'browser.wait-for',
  title: 'Browser: wait for',
  description: 'Waits until an element shows (or goes away) on the open page, or until its address matches.',
  icon: 'timer',
  params,
  effect: 'none',
  async act(ctx, page, p) {
    const deadline = Date.now() + p.timeoutMs;
    if (p.until === 'url') {
      const pattern = (await renderTemplate(p.url, ctx.input, 'the address')).trim();
      if (!(await waitForUrl(ctx, page, pattern, deadline))) {
        throw new NodeError(
          'E_VERIFY_FAILED',
          `Expected the page address to match ${pattern} within ${p.timeoutMs} ms; found ${page.url()}.`,
          'The page may not have gone where expected: look at the failure screenshot; raise the time limit if it is slow.',
        );
      }
      return out(ctx.input);
    }
    const selectors = await renderSelectors(p.selectors, ctx.input);
    if (p.until === 'visible' || p.until === 'attached') {
      await findElement(ctx, page, selectors, { deadline, timeoutMs: p.timeoutMs, state: p.until });
      return out(ctx.input);
    }
    const state = p.until === 'hidden' ? 'visible' : 'attached';
    const invalid = new Map<string, string>();
    for (;;) {
      const still = await matchOnce(page, selectors, state, invalid);
      if (!still) return out(ctx.input);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new NodeError(
          'E_VERIFY_FAILED',
          `Expected no element matching ${listSelectors(selectors)} to be ${p.until === 'hidden' ? 'visible' : 'on the page'} within ${p.timeoutMs} ms; found one with ${JSON.stringify(still.selector)}.`,
          'The page may still be busy or show a message: look at the failure screenshot; raise the time limit if it is slow.',
        );
      }
      await sleep(Math.min(POLL_MS, left), ctx.signal);
    }
  },
});
