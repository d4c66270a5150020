/**
 * The numbers of a mail's text that may be its one-time code, for the default code pattern
 * (default-code.ts): a number of 4 to 8 digits standing on its own (123456, G-123456, #123456,
 * "Code: 123456").
 *
 * Each number is read whole with what its digits are joined by (a space, - . , / :), so a piece of
 * a bigger number is never one: not the 2026 of a date (2026-12-06, 06.12.2026), the 0100 of a phone
 * number (+1 415 555 0100), the 1234 of an amount (1 234,56 €). Nor is a number with a currency
 * next to it, one after a + (a phone number) or a year after © (a footer).
 */
export interface CodeNumber {
  start: number;
  end: number;
  /** The code as typed: its digits. */
  code: string;
}

/** Digits, and the single characters that join a number's groups: spaces, hyphens and dashes, . , / : */
const NUMBER = /[0-9]+(?:[ \u00a0\u2009\u202f\-\u2010\u2011\u2013.,/:][0-9]+)*/g;
/** A letter of a script that writes words apart: Chinese, Japanese and Thai run words and numbers on ("验证码是483920"). */
const SPACED_LETTER = '(?:(?![\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\p{sc=Thai}])[\\p{L}\\p{M}])';
/** A letter or digit run on to the number: x4839, 4839th, A1234 (not a code of its own). */
const RUN_ON = new RegExp(`(?:${SPACED_LETTER}|[\\p{N}_])`, 'u');
const CURRENCY = '(?:\\p{Sc}|(?<!\\p{L})(?:EUR|USD|GBP|CHF|JPY|CNY|RUB|PLN|SEK|NOK|DKK|CZK|HUF|INR|BRL|CAD|AUD|TRY|RON|HKD|SGD|MXN|ZAR|kr|zł|Kč|Ft|lei|руб|грн)(?!\\p{L}))';
const CURRENCY_BEFORE = new RegExp(`${CURRENCY}\\s?$`, 'u');
const CURRENCY_AFTER = new RegExp(`^\\s?${CURRENCY}`, 'u');
const COPYRIGHT_BEFORE = /(?:©|\(c\)|copyright)\s*$/i;

/** The numbers in `text` that may be the code, in reading order. */
export function codeNumbers(text: string): CodeNumber[] {
  const found: CodeNumber[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 12), start);
    const after = text.slice(end, end + 12);
    if (RUN_ON.test(before.slice(-1)) || RUN_ON.test(after.slice(0, 1)) || before.endsWith('+')) continue;
    if (CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after) || COPYRIGHT_BEFORE.test(before)) continue;
    const code = standalone(m[0]);
    if (code) found.push({ start, end, code });
  }
  return found;
}

/** A number of 4 to 8 digits, nothing joined to it. */
function standalone(number: string): string | null {
  return /^[0-9]{4,8}$/.test(number) ? number : null;
}
