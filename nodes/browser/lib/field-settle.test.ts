import { describe, expect, it } from 'vitest';
import { compareTyped, shapeOf } from './field-settle.ts';

// What a fill accepts as "the field holds the value" once an input mask has rewritten it: the same
// value grouped another way, never another value.
describe('compareTyped: a mask\'s grouping is the value, another value is not', () => {
  it('accepts separators a mask adds or takes away between the same letters and digits', () => {
    expect(compareTyped('Ada', 'Ada ')).toBe('exact');
    expect(compareTyped('0612345678', '06 12 34 56 78')).toBe('reformatted');
    expect(compareTyped('de89370400440532013000', 'DE89 3704 0044 0532 0130 00')).toBe('reformatted');
    expect(compareTyped('5551234567', '(555) 123-4567')).toBe('reformatted');
    expect(compareTyped('+33612345678', '+33 6 12 34 56 78')).toBe('reformatted');
    expect(compareTyped('14032025', '14/03/2025')).toBe('reformatted');
    expect(compareTyped('2025-03-14', '20250314')).toBe('reformatted');
    expect(compareTyped('0930', '09:30')).toBe('reformatted');
  });

  it('refuses a regrouping, a lost sign, a moved or dropped decimal mark, a cut or an emptied field', () => {
    expect(compareTyped('2025-03-14', '20/25/0314')).toBeNull();
    expect(compareTyped('-5', '5')).toBeNull();
    expect(compareTyped('1.5', '15')).toBeNull();
    expect(compareTyped('1234', '12.34')).toBeNull();
    expect(compareTyped('1234', '1,234')).toBeNull();
    expect(compareTyped('abcdefgh', 'abcde')).toBeNull();
    expect(compareTyped('SAVE10', '')).toBeNull();
  });

  it('shows a value\'s shape, not its content', () => {
    expect(shapeOf('20/25/0314')).toBe('99/99/9999');
    expect(shapeOf('Ada Lovelace!')).toBe('AAA AAAAAAAA*');
  });
});
