import { z } from 'zod';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { remaining } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';

const params = z.object({
  selectors: selectorsParam(['input[name="email"]', '#email'], 'Field', 'The text field to fill.'),
  value: z
    .string()
    .default('{{ email }}')
    .describe('What to type into the field; put record fields in double braces, e.g. {{ email }}. Whatever was in the field before is replaced. The value is never written to the log.')
    .meta({ title: 'Value', widget: 'template' }),
  timeoutMs: timeoutParam('for the field'),
});

export const browserFill = defineBrowserStep({
  type: 'browser.fill',
  title: 'Browser: fill field',
  description: 'Types a value into a text field of the open page, then checks the field really holds it.',
  icon: 'text-cursor-input',
  params,
  effect: 'idempotent',
  async act(ctx, page, p) {
    const value = await renderTemplate(p.value, ctx.input, 'the value');
    const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs);
    try {
      await locator.fill(value, { timeout: remaining(deadline) });
    } catch (err) {
      if (page.isClosed()) throw err;
      throw notUsable('fill', selector, err);
    }
    // The verification signal: the field holds exactly the value (never quoted: it may be a secret).
    // (a text field's value, or the text of an editable element; fields like e-mail trim spaces)
    const now = await locator
      .evaluate((el) => (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ? el.value : (el as HTMLElement).innerText), undefined, { timeout: remaining(deadline) })
      .catch(() => null);
    if (now === null || (now !== value && now.trim() !== value.trim())) {
      throw new NodeError(
        'E_VERIFY_FAILED',
        `After filling the field found with ${JSON.stringify(selector)}, expected it to hold the ${value.length} characters given; found ${now === null ? 'a field whose content cannot be read' : `${now.length} characters that differ`}.`,
        'The page may limit or reformat what is typed (maximum length, input mask, number field): check the value against what the field accepts.',
      );
    }
    ctx.log.debug(`Filled the field ${JSON.stringify(selector)} (${value.length} characters).`);
    return out(ctx.input);
  },
});
