import type { ElementHandle, Locator } from 'playwright-core';
import { abortError, sleep } from '../../sdk/abort.ts';
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

/**
 * The field's text, in the page: a text field's value, or the text of an editable element
 * (contenteditable) — an expression of `el`, written once for every read below. A string, not a
 * function: code sent to the page cannot call a function of ours (page-functions.test.ts), so the
 * page functions are made from it.
 */
const FIELD_TEXT = '(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ? el.value : el.innerText)';
/** Page function: the field's text now. */
const TEXT_NOW = new Function('el', `return ${FIELD_TEXT};`) as (el: Element) => string;
/**
 * Page function: on a timer of the page `wait` ms from now, the field's text with when the look was
 * due and when it ran (the page's performance.now()); null when the element has left the page.
 */
const TEXT_LATER = new Function(
  'el',
  'wait',
  `return new Promise((resolve) => {
    const due = performance.now() + wait;
    setTimeout(() => resolve(el.isConnected ? [${FIELD_TEXT}, due, performance.now()] : null), wait);
  });`,
) as (el: Element, wait: number) => Promise<[string, number, number] | null>;

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
 * comes); 0: read once. `element`: the field's element as typing left it (typing.ts), read first and
 * disposed of here; `field` finds the field again should the page render it anew. `watch`: whether
 * to watch at all (page-listens.ts: false when nothing in the page hears the typing), used as soon as
 * it is known — the watch runs meanwhile, and ends there if the field has not changed.
 *
 * The quiet time is counted in the page's own time: each look waits on a timer of the page, and the
 * field counts as settled once a look *due* `quietMs` after the last change has run. A page's timers
 * run in the order they are due, so every timer the page set to rewrite the field within `quietMs`
 * has run before that look reads it — however late a busy page (a loaded machine, four windows on
 * two cores) gets to its timers. Counted in the studio's time, a watch ended while the page's
 * 300 ms rewrite was still waiting behind a long task of the page, and the fill passed a field the
 * page emptied a moment later (fill-busy-page.test.ts).
 */
export async function settle(field: Locator, element: ElementHandle, deadline: number, signal: AbortSignal, quietMs = QUIET_MS, watch?: Promise<boolean>): Promise<Settled> {
  const started = Date.now();
  const answer: { heard: boolean | undefined } = { heard: watch ? undefined : true };
  void watch?.then(
    (v) => void (answer.heard = v),
    () => void (answer.heard = true),
  );
  if (quietMs <= 0) {
    const once = await textOf(element);
    await element.dispose().catch(() => undefined);
    return { now: once, first: once, changedAfterMs: 0, gone: false, cut: false };
  }
  // The field is held from here on: a page busy in its own work (a long task right after the typing)
  // answers late, and is waited for — not taken for a field that went away.
  let handle: ElementHandle | null = element;
  const first = await textOf(element);
  if (first === null) {
    await element.dispose().catch(() => undefined);
    return { now: null, first: null, changedAfterMs: 0, gone: false, cut: false };
  }
  // The answer usually comes in a few ms: a page that hears nothing is read once, with no look.
  if (answer.heard === undefined) await Promise.race([watch, sleep(FIRST_ANSWER_MS, signal)]);
  let now = first;
  let changedAt = started;
  /** Page time from which the field has been unchanged (null: from the first look's start). */
  let quietFrom: number | null = null;
  let gone = false;
  let cut = false;
  try {
    for (let replaced = 0; answer.heard !== false || now !== first; ) {
      if (!handle) {
        gone = true;
        break;
      }
      const seen = await lookAt(handle, Math.min(deadline, started + MOST_MS), signal);
      if (seen === 'late') {
        cut = true;
        break;
      }
      if (seen === 'gone') {
        gone = true;
        break;
      }
      if (seen === 'replaced') {
        // Rendered anew by the page (a framework): the field the selector finds now is watched, a few times at most.
        await handle.dispose().catch(() => undefined);
        handle = replaced++ < 5 ? await field.elementHandle({ timeout: Math.max(1, Math.min(GONE_MS, remaining(deadline))) }).catch(() => null) : null;
        quietFrom = null;
        continue;
      }
      quietFrom ??= seen.due - LOOK_MS;
      if (seen.text !== now) {
        now = seen.text;
        changedAt = Date.now();
        // It changed before this look ran: quiet counts from then on, in the page's time.
        quietFrom = seen.ran;
      } else if (seen.due - quietFrom >= quietMs) break;
    }
  } finally {
    await handle?.dispose().catch(() => undefined);
  }
  return { now, first, changedAfterMs: now === first ? 0 : changedAt - started, gone, cut };
}

/** The text of the field held: null when it cannot be read (the page went). */
function textOf(handle: ElementHandle): Promise<string | null> {
  return handle.evaluate(TEXT_NOW).catch(() => null);
}

/** How long the first read waits for the listeners' answer before the looks start. */
const FIRST_ANSWER_MS = 30;

/**
 * One look at the field on a timer of the page, LOOK_MS from now in its time: its text, when the
 * look was due and when it ran (the page's performance.now()). `replaced`: the element left the
 * page (rendered anew, or the page moved on); `gone`: the page itself went (navigated, closed);
 * `late`: the look had not run by `stop` (a page stuck in its own work).
 */
async function lookAt(handle: ElementHandle, stop: number, signal: AbortSignal): Promise<{ text: string; due: number; ran: number } | 'replaced' | 'gone' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const ran = handle
    .evaluate(TEXT_LATER, LOOK_MS)
    .then(
      (v) => (v === null ? ('replaced' as const) : { text: v[0], due: v[1], ran: v[2] }),
      () => 'gone' as const,
    );
  let onAbort: (() => void) | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, stop - Date.now()))));
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal, 'The wait was cancelled.'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([ran, late, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
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
