import type { Frame, Locator } from 'playwright-core';

/**
 * Tick boxes the page draws itself. Sites hide the real checkbox or radio button (display:none,
 * opacity 0, a 0×0 box) and draw a switch or a styled box in its label instead: a person clicks the
 * label, and the selector copied from the inspector (#terms, role=checkbox[name="…"]) names the
 * hidden input. For the steps that act as a person does (click, fill), such an input stands for its
 * visible label — clicking the label ticks the input, and the fill's check reads the input through it.
 */

/** The visible label of the first hidden checkbox or radio button among `matched`; null when there is none. */
export async function labelOfHiddenTickBox(frame: Frame, matched: Locator): Promise<Locator | null> {
  const box = matched.and(frame.locator('input[type="checkbox"], input[type="radio"]')).first();
  if ((await box.count()) === 0) return null;
  const id = await box.getAttribute('id');
  // The label around it, or one that names it (for="…").
  const around = box.locator('xpath=ancestor::label[1]');
  const labels = id ? around.or(frame.locator(`label[for=${JSON.stringify(id)}]`)) : around;
  const shown = labels.filter({ visible: true }).first();
  return (await shown.count()) > 0 ? shown : null;
}
