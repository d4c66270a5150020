/**
 * A code written digit by digit, each digit in a cell or box of its own (`<td>4</td><td>8</td>…`,
 * spans or inline-blocks with spacing, `&nbsp;` between) or spaced out in plain text: it reads
 * "4 8 3 9", which the code pattern (`\b(\d{4,8})\b`) does not take — the wait ended in
 * E_MAIL_NO_CODE, or took a later number (a footer's year) for the code. Such a run is joined
 * where it stands ("4839"); nothing else in the text changes.
 *
 * A run is 4 to 8 single digits apart from each other by spaces only, not part of a longer run or
 * of a group of numbers (a phone number "06 1 2 3 4", a date "1 3 2024", a decimal "4 8 3 9.5"), and
 * not counting up or down by one (a 1-to-5 rating scale).
 */

const GAPS = {
  /** Any white space: in HTML, line breaks of the source are spaces too (rows end lines: html-text.ts). */
  any: '\\s',
  /** Plain text: spaces and tabs, not line breaks. */
  line: '[^\\S\\n\\r\\u2028\\u2029]',
};

const runs = (gap: string) =>
  // The digit is looked for before the look back over white space: at every other place of a long
  // run of spaces, that look back would cross the whole run again.
  new RegExp(`(?<![\\p{L}\\p{N}_.,])(?=[0-9])(?<!\\p{N}[.,]?${gap}+)[0-9](?:${gap}+[0-9]){3,7}(?!${gap}*\\p{N})(?![.,]\\p{N})(?![\\p{L}_])`, 'gu');
const RUNS = { any: runs(GAPS.any), line: runs(GAPS.line) };

/** `text` with its digit-by-digit codes joined; `gap` says which white space may stand between the digits. */
export function joinSpacedDigits(text: string, gap: keyof typeof RUNS): string {
  return text.replace(RUNS[gap], (run) => {
    const digits = run.match(/[0-9]/g)!.map(Number);
    const step = digits[1] - digits[0];
    const scale = Math.abs(step) === 1 && digits.every((d, i) => i === 0 || d - digits[i - 1] === step);
    return scale ? run : digits.join('');
  });
}
