import { z } from 'zod';
import type { Locator } from 'playwright-core';
import type { NodeContext, StepResult } from '../sdk/types.ts';
import { out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { remaining } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { locate, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';
import { typeInto } from './lib/typing.ts';
import { formatRefused, isTickBox, kindOf, tickValueRefused, wantsTicked } from './lib/field-kinds.ts';

const params = z.object({
  selectors: selectorsParam(['input[name="email"]', '#email'], 'Field', 'The text field to fill.'),
  value: z
    .string()
    .default('{{ email }}')
    .describe('What to type into the field; put record fields in double braces, e.g. {{ email }}. Whatever was in the field before is replaced. A checkbox or radio button is ticked for yes (true, on, 1, x) and unticked for no (false, off, 0, empty); a date field takes 2025-03-14, a time 09:30, a number 1234.5. The value is never written to the log.')
    .meta({ title: 'Value', widget: 'template' }),
  typing: z
    .enum(['at-once', 'key-by-key'])
    .default('at-once')
    .describe('at-once: the whole value goes in at once, as when pasting (fast; right for most pages). key-by-key: each key is pressed in turn, for pages that react only to key presses (a Send button that stays greyed out after an at-once fill, an input mask).')
    .meta({ title: 'Typing' }),
  timeoutMs: timeoutParam('for the field'),
});

export const browserFill = defineBrowserStep({
  type: 'browser.fill',
  title: 'Browser: fill field',
  description: 'Types a value into a text field of the open page (or ticks a checkbox), then checks the field really holds it.',
  icon: 'text-cursor-input',
  params,
  effect: 'idempotent',
  async act(ctx, page, p) {
    const value = await renderTemplate(p.value, ctx.input, 'the value');
    const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs);
    const kind = await kindOf(locator);
    if (isTickBox(kind)) return tick(ctx, locator, selector, kind, value, deadline);
    const refused = formatRefused(selector, kind, value);
    if (refused) throw refused;
    try {
      await typeInto(locator, value, p.typing, deadline);
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

/** A checkbox or radio button: ticked or not as the value says, then checked that it is. */
async function tick(ctx: Pick<NodeContext<unknown>, 'log' | 'input'>, box: Locator, selector: string, kind: string, value: string, deadline: number): Promise<StepResult> {
  const ticked = wantsTicked(value);
  if (ticked === null || (kind === 'radio' && !ticked)) throw tickValueRefused(selector, kind, ticked);
  try {
    await box.setChecked(ticked, { timeout: remaining(deadline) });
  } catch (err) {
    if (box.page().isClosed()) throw err;
    throw notUsable(ticked ? 'tick' : 'untick', selector, err);
  }
  // The verification signal: the box is in the state asked for (a page may undo a click).
  if ((await box.isChecked({ timeout: remaining(deadline) })) !== ticked) {
    throw new NodeError(
      'E_VERIFY_FAILED',
      `After ${ticked ? 'ticking' : 'unticking'} the ${kind === 'radio' ? 'radio button' : 'checkbox'} found with ${JSON.stringify(selector)}, expected it to be ${ticked ? 'ticked' : 'unticked'}; it is not.`,
      'The page undid the change (a script reacting to it): look at the failure screenshot.',
    );
  }
  ctx.log.debug(`${ticked ? 'Ticked' : 'Unticked'} ${JSON.stringify(selector)}.`);
  return out(ctx.input);
}
