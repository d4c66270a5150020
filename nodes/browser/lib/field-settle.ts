import type { Locator } from 'playwright-core';
import { sleep } from '../../sdk/abort.ts';
import { remaining } from './session.ts';

/**
 * What a field holds once the page is done with it. Pages rewrite a field after it is typed into:
 * an input mask groups a phone number or an IBAN, a date mask adds its slashes, a script trims to a
 * length, empties a field it finds wrong, or restores its own state (a framework re-rendering) —
 * often a moment later (a "debounce" of 300 ms or so after the last key). A fill that read the field
 * at once would report a value the page then threw away; so the field is watched until it has not
 * changed for QUIET_MS, and that is what the fill checks.
 */

/** How long the field must stay unchanged to count as settled, by default: longer than the usual 300 ms debounce. */
export const QUIET_MS = 500;
/** The longest a field is watched for: a field that never stops changing (a clock) is checked as it is then. */
const MOST_MS = 3_000;
const LOOK_MS = 50;
/** How long a look at the field waits for it: longer means it is gone. */
const GONE_MS = 250;

/** The field's text: a text field's value, or the text of an editable element (contenteditable); null when it cannot be read within `timeoutMs` (gone). */
export async function readField(field: Locator, timeoutMs: number): Promise<string | null> {
  return field
    .evaluate((el) => (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ? el.value : (el as HTMLElement).innerText), undefined, { timeout: Math.max(1, timeoutMs) })
    .catch(() => null);
}

export interface Settled {
  /** What the field holds once settled (null: it could not be read at all). */
  now: string | null;
  /** What it held right after typing. */
  first: string | null;
  /** When it last changed, in ms after typing (0: it never changed). */
  changedAfterMs: number;
  /** The field went away while watched (a code field that sends itself when complete, a page that moved on): `now` is what it held last. */
  gone: boolean;
  /** The step's deadline (or MOST_MS) ended the watch before the field had been unchanged for QUIET_MS. */
  cut: boolean;
}

/**
 * Watches the field after typing until it stays unchanged for `quietMs` (or the step's deadline
 * comes); 0: read once. `watch`: whether to watch at all, told after the first look (false: nothing
 * in the page hears the typing, page-listens.ts; read once).
 */
export async function settle(field: Locator, deadline: number, signal: AbortSignal, quietMs = QUIET_MS, watch?: Promise<boolean>): Promise<Settled> {
  const started = Date.now();
  const first = await readField(field, remaining(deadline));
  if (watch && !(await watch)) quietMs = 0;
  let now = first;
  let changedAt = started;
  let gone = false;
  let cut = false;
  while (first !== null) {
    const stop = Math.min(changedAt + quietMs, deadline, started + MOST_MS);
    if (Date.now() >= stop) {
      cut = stop < changedAt + quietMs;
      break;
    }
    await sleep(Math.min(LOOK_MS, stop - Date.now()), signal);
    // A short look: a field that went away is not waited for.
    const seen = await readField(field, Math.min(GONE_MS, remaining(deadline)));
    if (seen === null) {
      gone = true;
      break;
    }
    if (seen !== now) {
      now = seen;
      changedAt = Date.now();
    }
  }
  return { now, first, changedAfterMs: now === first ? 0 : changedAt - started, gone, cut };
}

/**
 * How the field's text compares with the value typed: `exact` (spaces at the ends aside: e-mail
 * fields trim them), `reformatted` (the page put separators between the same letters and digits,
 * or took them from between them, in the same order, letter case aside: 0612345678 shown as
 * 06 12 34 56 78, an IBAN in groups of four and capitals, 2025-03-14 as 20250314), or null —
 * anything else: a date mask that regrouped the digits (2025-03-14 turned into 20/25/0314: slashes
 * where no dash was), a sign lost (-5 shown as 5), a decimal mark moved or dropped.
 */
export function compareTyped(value: string, now: string): 'exact' | 'reformatted' | null {
  if (now === value || now.trim() === value.trim()) return 'exact';
  const a = [...value.trim().toLowerCase()];
  const b = [...now.trim().toLowerCase()];
  if (a.length === 0 || b.length === 0) return null;
  // One way only: separators added, or separators taken away. Both at once would let a mask move
  // them, which regroups the digits into another value.
  return onlySeparatorsAdded(a, b) || onlySeparatorsAdded(b, a) ? 'reformatted' : null;
}

/** Whether `longer` is `shorter` with mask separators put in (every character of `shorter` kept, in order). */
function onlySeparatorsAdded(shorter: string[], longer: string[]): boolean {
  let i = 0;
  for (let j = 0; j < longer.length; j++) {
    if (i < shorter.length && longer[j] === shorter[i]) i++;
    else if (!maskSeparator(longer, j)) return false;
  }
  return i === shorter.length;
}

/**
 * Whether text[k] is a separator as a mask writes it: a space anywhere; + or ( before a letter or
 * digit (+33 6…, (555) 123…); ) after one; - / : _ between two (a - with nothing before it is a
 * sign: -5 is not 5).
 */
function maskSeparator(text: string[], k: number): boolean {
  const c = text[k];
  if (/\s/u.test(c)) return true;
  const near = (step: number): string => {
    let n = k + step;
    while (n >= 0 && n < text.length && /\s/u.test(text[n])) n += step;
    return text[n] ?? '';
  };
  const alnum = (ch: string): boolean => /[\p{L}\p{N}]/u.test(ch);
  if (c === '+' || c === '(') return alnum(near(1));
  if (c === ')') return alnum(near(-1));
  if ('-/:_'.includes(c)) return (alnum(near(-1)) || near(-1) === ')') && (alnum(near(1)) || near(1) === '(');
  return false;
}

/**
 * A value's shape without its content, for messages about a field whose value must not be quoted (it
 * may be a secret): each digit as 9, each letter as A, separators as they are — 99/99/9999.
 */
export function shapeOf(text: string): string {
  const shape = text.replace(/\p{Nd}/gu, '9').replace(/\p{L}/gu, 'A').replace(/[^9A\s\-./()+_:,'’@]/gu, '*');
  return shape.length > 40 ? `${shape.slice(0, 40)}…` : shape;
}
