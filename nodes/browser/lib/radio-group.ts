import type { Locator, Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import { remaining } from './session.ts';
import { notUsable } from './action.ts';
import { tidyText } from './page-text.ts';

/**
 * A group of radio buttons is a list too: "Delivery: Standard / Express" asks for one choice, as a
 * drop-down does. Given the group (a fieldset, a `role="radiogroup"`, any element around the
 * buttons), the step ticks the button whose label is the option and checks that it is ticked. A
 * button the page hides behind a drawn one (a styled radio: the input itself not shown) is ticked
 * by clicking its label, as a person would.
 */

/** How many choices an error message names. */
const SHOWN = 20;
const RADIOS = 'input[type="radio"], [role="radio"]';

interface Radio {
  label: string;
  value: string;
}

/** Whether the element is a group of radio buttons (it holds some and is not one). */
export async function isRadioGroup(group: Locator): Promise<boolean> {
  return group.evaluate((el, radios) => !el.matches(radios) && el.querySelector(radios) !== null, RADIOS);
}

/** Ticks the radio button of `wanted` (its label, or its value) in `group`; returns its label once ticked. */
export async function chooseRadio(page: Page, group: Locator, selector: string, wanted: string, by: 'label' | 'value', deadline: number): Promise<string> {
  const radios = group.locator(RADIOS);
  const all: Radio[] = await radios.evaluateAll((els) =>
    els.map((el) => {
      const input = el instanceof HTMLInputElement ? el : null;
      const named = el.getAttribute('aria-label') || (input?.labels?.[0] as HTMLElement | undefined)?.innerText || (el as HTMLElement).innerText || '';
      return { label: named, value: input?.value ?? el.getAttribute('data-value') ?? '' };
    }),
  );
  const target = tidyText(wanted);
  const index = all.findIndex((r) => (by === 'label' ? tidyText(r.label) === target : r.value === wanted));
  if (index < 0) {
    const shown = all.slice(0, SHOWN).map((r) => JSON.stringify(by === 'label' ? tidyText(r.label) : r.value));
    throw new NodeError(
      'E_ELEMENT_NOT_USABLE',
      `The group of radio buttons found with ${JSON.stringify(selector)} has no choice with the ${by} ${JSON.stringify(wanted)}. Its choices: ${shown.join(', ')}${all.length > SHOWN ? `, … (${all.length} in all)` : ''}.`,
      "Check the record's value against the choices (spelling, capitals), or match by value instead of label.",
    );
  }
  const radio = radios.nth(index);
  const label = tidyText(all[index].label);
  try {
    if (await radio.isVisible()) await radio.setChecked(true, { timeout: remaining(deadline) });
    else await (await labelOf(group, radio)).click({ timeout: remaining(deadline) });
  } catch (err) {
    if (page.isClosed()) throw err;
    throw notUsable(`tick ${JSON.stringify(label)} in`, selector, err);
  }
  // The verification signal: that button is ticked now.
  if (!(await radio.isChecked({ timeout: remaining(deadline) }))) {
    throw new NodeError(
      'E_VERIFY_FAILED',
      `After choosing ${JSON.stringify(label)} in the group ${JSON.stringify(selector)}, expected its radio button to be ticked; it is not.`,
      'The page undid the choice (a script reacting to it): look at the failure screenshot.',
    );
  }
  return label;
}

/** The label of a radio button: around it, or pointing at its id (from inside the group); else the button itself. */
async function labelOf(group: Locator, radio: Locator): Promise<Locator> {
  const around = radio.locator('xpath=ancestor::label[1]');
  if ((await around.count()) > 0) return around;
  const id = await radio.getAttribute('id');
  return id ? group.locator(`label[for=${JSON.stringify(id)}]`).first() : radio;
}
