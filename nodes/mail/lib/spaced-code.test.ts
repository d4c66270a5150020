import { describe, expect, it } from 'vitest';
import { joinSpacedDigits } from './spaced-code.ts';

/** The code the wait step's default pattern takes from `text`. */
const defaultCode = (text: string) => /\b(\d{4,8})\b/.exec(text)?.[1];

describe('joinSpacedDigits: a code spaced out digit by digit reads whole', () => {
  it('joins 4 to 8 single digits apart by spaces, tabs or no-break spaces, where they stand', () => {
    expect(joinSpacedDigits('Your code: 4 8 3 9. It expires in 10 minutes. © 2026', 'line')).toBe('Your code: 4839. It expires in 10 minutes. © 2026');
    expect(defaultCode(joinSpacedDigits('Your code: 4 8 3 9 2 0\n© 2026', 'line'))).toBe('483920');
    expect(joinSpacedDigits('code (7\u00a00\t3  2 1 5 9 9)', 'line')).toBe('code (70321599)');
  });

  it('leaves numbers that are not a code as they are: dates, phone numbers, decimals, rating scales, longer runs, words', () => {
    for (const text of [
      'Booked for 1 3 2024 at 9 30',
      'Call 06 1 2 3 4 or +1 800 5 5 5 1',
      'Rated 4 8 3 9.5 and 1,5 2 3 4',
      'How likely are you to recommend us? 1 2 3 4 5',
      '0 1 2 3 4 5 6 7 8 9 10',
      '5 4 3 2 1 go',
      '4 8 3 9 1 2 7 7 3',
      'Steps 1 2 3',
      'x4 8 3 9 and 4 8 3 9y',
      'Room 4 8 3 9th floor',
    ]) {
      expect(joinSpacedDigits(text, 'line'), text).toBe(text);
    }
  });

  it('plain text: not across lines; HTML text (line breaks of the source are spaces): across them', () => {
    expect(joinSpacedDigits('4 8\n3 9', 'line')).toBe('4 8\n3 9');
    expect(joinSpacedDigits('4\n      8\n      3\n      9', 'any')).toBe('4839');
  });

  it('stays fast on a long run of spaces or digits', () => {
    const started = Date.now();
    joinSpacedDigits(`1${' '.repeat(1_000_000)}x`, 'any');
    joinSpacedDigits('1 '.repeat(500_000), 'any');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
