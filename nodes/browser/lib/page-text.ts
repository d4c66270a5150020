import type { Locator } from 'playwright-core';
import { dropInvisible } from '../../sdk/invisible.ts';

/**
 * Text as a reader sees it. Sites put characters in their text that show nothing (sdk/invisible.ts)
 * and non-breaking or odd spaces where a reader sees a space; "Confirmation" with a soft hyphen
 * inside must still be "Confirmation" to a check or a record.
 */

/** Without invisible characters, every run of spaces and line breaks one space, trimmed. */
export function tidyText(text: string): string {
  return dropInvisible(text).replace(/\s+/g, ' ').trim();
}

/**
 * Whether a style changes the case of the element's letters (text-transform on it or inside it):
 * "Payment received" shown as PAYMENT RECEIVED is still the page saying "Payment received". (Asked
 * only when the case is the one difference: it looks at every element inside.)
 */
export async function caseRestyled(element: Locator): Promise<boolean> {
  return element.evaluate((el) => [el, ...el.querySelectorAll('*')].some((e) => getComputedStyle(e).textTransform !== 'none'));
}
