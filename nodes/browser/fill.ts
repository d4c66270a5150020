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
import { typeInto, type Typed, type Typing } from './lib/typing.ts';
import { browserForm, formatRefused, isTickBox, kindOf, noSuchDate, tickValueRefused, wantsTicked } from './lib/field-kinds.ts';
import { QUIET_MS, compareTyped, settle, shapeOf, type Settled } from './lib/field-settle.ts';

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
  settleMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(0, 'Use 0 or more milliseconds.')
    .max(3_000, 'Wait at most 3 seconds (3000 ms).')
    .default(QUIET_MS)
    .describe('How long the field must stay unchanged after typing before it is checked, in milliseconds: pages often rewrite a field a moment later (an input mask, a script that trims or empties it, 300 ms after the last key or so). 500 catches those; 0 checks at once — faster, for forms you know leave their fields alone. A page that listens to nothing of the typing (no script hears the keys, the input or the focus: a plain form) is checked at once whatever this says.')
    .meta({ title: 'Wait for the page (ms)' }),
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
    const { locator, selector, deadline } = await locate(ctx, page, p.selectors, p.timeoutMs, 'control');
    const kind = await kindOf(locator);
    if (isTickBox(kind)) return tick(ctx, locator, selector, kind, value, deadline);
    const refused = formatRefused(selector, kind, value);
    if (refused) throw refused;
    // What the field holds once filled: the value as typed, or as the browser writes a date or time.
    const expected = await browserForm(locator, kind, value);
    if (expected === '' && value.trim() !== '') throw noSuchDate(selector, kind);
    const started = Date.now();
    let typed = await typeAndSettle(ctx, locator, selector, value, p.typing, deadline, p.settleMs);
    // A field the page empties or changes just as it gets the focus — a hint written as its value,
    // cleared by a script a moment later, perhaps halfway through the keys — took the focus with
    // the first typing: typed again once, as a person does who sees the field not holding what they
    // typed. (A page that rewrites every value the same way rewrites it again: the check fails.)
    // Only with time for a whole second look: a watch the deadline cuts short could end before the
    // page's rewrite and pass a value the page is about to change — then the first look stands.
    if (typed.now !== null && !typed.gone && compareTyped(expected, typed.now) === null && remaining(deadline) > Math.max(p.settleMs, Date.now() - started)) {
      ctx.log.debug(`The field ${JSON.stringify(selector)} did not hold the value once the page was done with it: typed again.`);
      const again = await typeAndSettle(ctx, locator, selector, value, p.typing, deadline, p.settleMs);
      if (!again.cut || again.gone) typed = again;
    }
    // The verification signal: the field holds the value (never quoted: it may be a secret), as
    // typed or regrouped by the page (an input mask's spaces), once the page is done with it.
    const same = typed.now === null ? null : compareTyped(expected, typed.now);
    if (same === null) throw notHeld(selector, kind, expected, typed);
    if (typed.gone) ctx.log.debug(`The field ${JSON.stringify(selector)} went away after it was typed into (the page moved on); it held the value until then.`);
    if (same === 'reformatted') ctx.log.debug(`The page wrote the value its own way in ${JSON.stringify(selector)}${kind === 'password' ? '' : ` (shaped ${shapeOf(typed.now ?? '')})`}: the same letters and digits, in the same order.`);
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

/** Types the value, then watches the field until the page is done with it (field-settle.ts) — at once when nothing in the page hears the typing (page-listens.ts). */
async function typeAndSettle(ctx: Pick<NodeContext<unknown>, 'signal' | 'log'>, field: Locator, selector: string, value: string, typing: Typing, deadline: number, quietMs: number): Promise<Settled> {
  let typed: Typed;
  try {
    typed = await typeInto(field, value, typing, deadline, quietMs > 0);
  } catch (err) {
    if (field.page().isClosed()) throw err;
    throw notUsable('fill', selector, err);
  }
  // A page that hears nothing of the typing cannot rewrite the field in answer to it: no watch (page-listens.ts).
  const watch = typed.heard?.then((h) => {
    if (!h.heard) ctx.log.debug(`Nothing on the page listens to the typing into ${JSON.stringify(selector)} (${h.why}): checked at once, without waiting ${quietMs} ms for the page.`);
    return h.heard;
  });
  return settle(field, typed.element, deadline, ctx.signal, quietMs, watch);
}

/** E_VERIFY_FAILED for a field that does not hold what was typed: what it holds told by length and shape, never quoted. */
function notHeld(selector: string, kind: string, value: string, typed: Settled): NodeError {
  const secret = kind === 'password';
  const shape = (text: string): string => (secret || text === '' ? '' : ` shaped ${shapeOf(text)}`);
  const holds = (text: string): string => (text === '' ? 'holds nothing' : `holds ${text.length} characters${shape(text)}`);
  const given = `the ${value.length} characters given${shape(value)}`;
  if (typed.now === null) {
    return new NodeError('E_VERIFY_FAILED', `After filling the field found with ${JSON.stringify(selector)}, expected it to hold ${given}; its content cannot be read (it went away or is not a field).`, 'Check that the selector matches the field itself; the failure screenshot shows the page.');
  }
  const later = typed.changedAfterMs > 0 && typed.first !== null && compareTyped(value, typed.first) !== null;
  return new NodeError(
    'E_VERIFY_FAILED',
    later
      ? `After filling the field found with ${JSON.stringify(selector)}, expected it to hold ${given}; it did, then the page rewrote it ${typed.changedAfterMs} ms later: it now ${holds(typed.now)}.`
      : `After filling the field found with ${JSON.stringify(selector)}, expected it to hold ${given}; it ${holds(typed.now)}.`,
    'The page reformats, cuts or empties what is typed (an input mask, a maximum length, a script that checks the value): give the value in the form the field expects — the shapes above (9 a digit, A a letter) show how it was typed and how the page left it — or, for a mask that only follows key presses, set Typing to key-by-key. The failure screenshot shows the field.',
  );
}
