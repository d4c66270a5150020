import { describe, expect, it } from 'vitest';
import { applyColumn, compileColumn, isEmail, patternError, showValue, type ColumnSpec } from './row-rules.ts';
import { guessDelimiter } from './read-csv.ts';
import { letter } from './sheet-mapping.ts';

const col = (patch: Partial<ColumnSpec> = {}) =>
  compileColumn({ field: 'f', column: '', required: false, trim: true, letterCase: 'keep', mustBe: 'anything', pattern: '', ...patch });

describe('row rules', () => {
  it('the header looked for is the column, or the field when the column is empty', () => {
    expect(col().header).toBe('f');
    expect(col({ column: ' E-mail ' }).header).toBe('E-mail');
  });

  it('transforms come before checks: trim, then letter case, then required, kind, pattern', () => {
    expect(applyColumn(col({ letterCase: 'lower', mustBe: 'email' }), '  ADA@Example.com ')).toEqual({ ok: true, value: 'ada@example.com' });
    expect(applyColumn(col({ required: true, pattern: '[a-z]+' }), '  ')).toMatchObject({ ok: false, problem: { rule: 'required', value: '  ' } });
    expect(applyColumn(col({ mustBe: 'number', pattern: '[0-9]' }), '12')).toMatchObject({ ok: false, problem: { rule: 'pattern' } });
    expect(applyColumn(col({ letterCase: 'upper', pattern: '[A-Z]{2}' }), 'fr')).toEqual({ ok: true, value: 'FR' });
  });

  it('a reject keeps the value as it is in the file', () => {
    expect(applyColumn(col({ letterCase: 'lower', mustBe: 'email' }), ' NOT AN EMAIL ')).toEqual({
      ok: false,
      problem: { field: 'f', rule: 'email', value: ' NOT AN EMAIL ', message: 'not a valid email address' },
    });
  });

  it('a number text with more digits than a number holds exactly is refused, never rounded; others are read', () => {
    const number = (text: string) => applyColumn(col({ mustBe: 'number' }), text);
    for (const [text, n] of [['12.5', 12.5], ['007', 7], ['-0.1', -0.1], ['1e3', 1000], ['123456789012345', 123456789012345], ['9007199254740991', 9007199254740991], ['0.30000000000000004', 0.30000000000000004], ['1.50000000000000000000', 1.5], ['000000000000000000042', 42]] as const) {
      expect(number(text), text).toEqual({ ok: true, value: n });
    }
    for (const text of ['1234567890123456789', '9007199254740993', '3.14159265358979323846', '-12345678901234567.5']) {
      expect(number(text), text).toMatchObject({ ok: false, problem: { rule: 'number', value: text, message: expect.stringMatching(/^more digits than a number holds exactly/) } });
    }
  });

  it('email addresses', () => {
    for (const ok of ['ada@example.com', 'a.b+tag@sub.example.co.uk', "o'brien@example.ie"]) expect(isEmail(ok), ok).toBe(true);
    for (const bad of ['ada', 'ada@', '@example.com', 'a b@example.com', 'ada@example', 'ada@@example.com', '.ada@example.com', 'ada.@example.com', 'a..b@example.com', 'ada@-example.com'])
      expect(isEmail(bad), bad).toBe(false);
  });

  it('patterns must compile; an invalid one is explained', () => {
    expect(patternError('[0-9]{5}')).toBeNull();
    expect(patternError('[a-')).toMatch(/class|Unterminated/i);
  });

  it('showValue quotes text and cuts long values', () => {
    expect(showValue('ab')).toBe('"ab"');
    expect(showValue(3)).toBe('3');
    expect(showValue('x'.repeat(200))).toHaveLength(79);
  });

  it('guesses the CSV separator from the header line', () => {
    expect(guessDelimiter('a,b,c\n1,2,3')).toBe(',');
    expect(guessDelimiter('\ufeffa;b;c\r\n1;2;3')).toBe(';');
    expect(guessDelimiter('\n"x, y";b\n')).toBe(';');
    expect(guessDelimiter('a\tb')).toBe('\t');
    expect(guessDelimiter('only')).toBe(',');
  });

  it('column letters', () => {
    expect([0, 1, 25, 26, 27, 701, 702].map(letter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
  });
});
