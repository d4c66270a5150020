import type { Locator } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';

/**
 * Fields that do not take free text. A checkbox or a radio button is ticked or not; a date, time or
 * number field takes its value written one way only (a date as 2025-03-14, whatever the page shows:
 * 14/03/2025 or 03/14/2025) and silently empties itself on anything else. The fill step asks which
 * kind a field is, so a tick box is set (not typed into) and a value in another format is refused
 * saying how to write it, instead of "0 characters that differ".
 */

/** What a field is: `checkbox` / `radio` (an input, a role, or the label of one or text in it), an input's type, or `text`. */
export async function kindOf(field: Locator): Promise<string> {
  return field.evaluate((el) => {
    // A label, or text inside one (a styled tick box: the input hidden, its label's <span> drawn
    // instead, which is what text=I agree finds): the field is the label's control.
    const label = el.matches('input, textarea, select, button') || (el as HTMLElement).isContentEditable ? null : el.closest('label');
    const target = label?.control ?? el;
    const role = target.getAttribute('role');
    if (role === 'checkbox' || role === 'switch' || role === 'radio' || role === 'menuitemcheckbox' || role === 'menuitemradio') return role.includes('radio') ? 'radio' : 'checkbox';
    return target instanceof HTMLInputElement ? target.type : 'text';
  });
}

export const isTickBox = (kind: string): boolean => kind === 'checkbox' || kind === 'radio';

const YES = ['yes', 'y', 'true', 'on', '1', 'x', 'checked', 'ticked'];
const NO = ['no', 'n', 'false', 'off', '0', '', 'unchecked', 'unticked'];

/** Whether the value asks for the box ticked; null when it is neither a yes nor a no word. */
export function wantsTicked(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  return null;
}

/** E_ELEMENT_NOT_USABLE for a tick box given a value that says neither yes nor no (or no for a radio button). */
export function tickValueRefused(selector: string, kind: string, ticked: boolean | null): NodeError {
  if (kind === 'radio' && ticked === false) {
    return new NodeError(
      'E_ELEMENT_NOT_USABLE',
      `The field found with ${JSON.stringify(selector)} is a radio button: it cannot be unticked, only another choice of its group ticked.`,
      'Fill the radio button of the choice you want with yes (or click it), instead of filling this one with no.',
    );
  }
  return new NodeError(
    'E_ELEMENT_NOT_USABLE',
    `The field found with ${JSON.stringify(selector)} is a ${kind === 'radio' ? 'radio button' : 'checkbox'}: it takes yes or no (true/false, on/off, 1/0, x or empty), and the value given is neither.`,
    'Give a value that says yes or no, e.g. {{ newsletter ? "yes" : "no" }}, or tick it with a click step.',
  );
}

interface Format {
  what: string;
  pattern: RegExp;
  example: string;
  hint: string;
}

const DATE_HINT = `Write it that way in the Value setting; a record with 14/03/2025 can be turned into 2025-03-14 with {{ $fromMillis($toMillis(date, '[D01]/[M01]/[Y0001]'), '[Y0001]-[M01]-[D01]') }}. The page may show the date its own way (14/03/2025 or 03/14/2025): it still takes it written this way.`;

/** The input types whose value has one written form (the HTML standard's), with how to write it. */
const FORMATS: Record<string, Format> = {
  date: { what: 'a date field', pattern: /^\d{4}-\d{2}-\d{2}$/, example: 'written YYYY-MM-DD, e.g. 2025-03-14', hint: DATE_HINT },
  'datetime-local': { what: 'a date and time field', pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/, example: 'written YYYY-MM-DDTHH:MM, e.g. 2025-03-14T09:30', hint: DATE_HINT },
  month: { what: 'a month field', pattern: /^\d{4}-\d{2}$/, example: 'written YYYY-MM, e.g. 2025-03', hint: DATE_HINT },
  week: { what: 'a week field', pattern: /^\d{4}-W\d{2}$/, example: 'written YYYY-Www, e.g. 2025-W11', hint: DATE_HINT },
  time: { what: 'a time field', pattern: /^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/, example: 'written HH:MM on a 24-hour clock, e.g. 09:30 or 17:05', hint: 'Write it that way in the Value setting (no am/pm, two digits for the hour).' },
  number: {
    what: 'a number field',
    pattern: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
    example: 'written with digits and a dot for decimals, e.g. 1234.5 — no spaces, thousands separators or currency sign',
    hint: 'Write it that way in the Value setting, e.g. {{ $replace(amount, ",", ".") }} for a record with 1,5. The page may show it its own way (1 234,5): it still takes it written this way.',
  },
};
FORMATS.range = { ...FORMATS.number, what: 'a slider' };

/** E_ELEMENT_NOT_USABLE when a field of `kind` cannot take `value` as written; null when it can. */
export function formatRefused(selector: string, kind: string, value: string): NodeError | null {
  const format = Object.hasOwn(FORMATS, kind) ? FORMATS[kind] : undefined;
  // An empty value empties the field, whatever its kind.
  if (!format || value.trim() === '' || format.pattern.test(value.trim())) return null;
  // The value is not quoted: a fill step never shows what it types.
  return new NodeError('E_ELEMENT_NOT_USABLE', `The field found with ${JSON.stringify(selector)} is ${format.what}: it takes a value ${format.example}, and the value given is not written that way.`, format.hint);
}

/** The input types whose value the browser writes its own way once set (a time's :00 seconds dropped). */
const DATE_KINDS = ['date', 'datetime-local', 'month', 'week', 'time'];

/**
 * How the browser writes `value` in a date or time field of `kind` (2025-03-14T09:30:00 becomes
 * 2025-03-14T09:30): what the field holds once filled, for the fill's check. '' when the browser
 * empties the field instead: a date that does not exist (2025-02-30). `value` itself for other kinds.
 */
export async function browserForm(field: Locator, kind: string, value: string): Promise<string> {
  if (!DATE_KINDS.includes(kind) || value.trim() === '') return value;
  return field.evaluate((_el, [type, v]) => {
    const probe = document.createElement('input');
    probe.type = type;
    probe.value = v;
    return probe.value;
  }, [kind, value.trim()] as const);
}

/** E_ELEMENT_NOT_USABLE for a date or time written the right way that names no real one (30 February, 25:00). */
export function noSuchDate(selector: string, kind: string): NodeError {
  const what = FORMATS[kind]?.what ?? 'a date field';
  return new NodeError(
    'E_ELEMENT_NOT_USABLE',
    `The field found with ${JSON.stringify(selector)} is ${what}, and the value given is written the right way but names no real ${kind === 'time' ? 'time' : 'date'} (e.g. 2025-02-30 or 25:00): the browser would leave the field empty.`,
    'Check the record\'s value (day and month in the right order, a day that exists in that month).',
  );
}
