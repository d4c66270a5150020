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

/** How long the field must stay unchanged to count as settled: longer than the usual 300 ms debounce. */
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
}

/** Watches the field after typing until it stays unchanged for QUIET_MS (or the step's deadline comes). */
export async function settle(field: Locator, deadline: number, signal: AbortSignal): Promise<Settled> {
  const started = Date.now();
  const first = await readField(field, remaining(deadline));
  let now = first;
  let changedAt = started;
  let gone = false;
  while (first !== null) {
    const stop = Math.min(changedAt + QUIET_MS, deadline, started + MOST_MS);
    if (Date.now() >= stop) break;
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
  return { now, first, changedAfterMs: now === first ? 0 : changedAt - started, gone };
}

/** Characters a mask may add or take away: spaces and punctuation between groups. */
const SEPARATOR = /[\s\-./()+_:,'’]/u;

/**
 * How the field's text compares with the value typed: `exact` (spaces at the ends aside: e-mail
 * fields trim them), `reformatted` (the page added or removed separators between the same letters
 * and digits, in the same order: 0612345678 shown as 06 12 34 56 78, an IBAN in groups of four and
 * capitals), or null — anything else, including a date mask that regrouped the digits (2025-03-14
 * turned into 20/25/0314: the dashes typed are gone and slashes stand elsewhere).
 */
export function compareTyped(value: string, now: string): 'exact' | 'reformatted' | null {
  if (now === value || now.trim() === value.trim()) return 'exact';
  const a = value.trim().toLowerCase();
  const b = now.trim().toLowerCase();
  if (a === '' || b === '') return null;
  return onlySeparatorsAdded(a, b) || onlySeparatorsAdded(b, a) ? 'reformatted' : null;
}

/** Whether `longer` is `shorter` with separators put in (every character of `shorter` kept, in order). */
function onlySeparatorsAdded(shorter: string, longer: string): boolean {
  let i = 0;
  for (const c of longer) {
    if (i < shorter.length && c === shorter[i]) i++;
    else if (!SEPARATOR.test(c)) return false;
  }
  return i === shorter.length;
}

/**
 * A value's shape without its content, for messages about a field whose value must not be quoted (it
 * may be a secret): each digit as 9, each letter as A, separators as they are — 99/99/9999.
 */
export function shapeOf(text: string): string {
  const shape = text.replace(/\p{Nd}/gu, '9').replace(/\p{L}/gu, 'A').replace(/[^9A\s\-./()+_:,'’@]/gu, '*');
  return shape.length > 40 ? `${shape.slice(0, 40)}…` : shape;
}
