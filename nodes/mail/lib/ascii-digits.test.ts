import { describe, expect, it } from 'vitest';
import { asciiDigits } from './ascii-digits.ts';

describe('digits of any script read as 0–9', () => {
  it('full-width, Arabic-Indic, Persian, Devanagari, Bengali and mathematical digits; other number signs stay', () => {
    expect(asciiDigits('確認コード：４８２９１３')).toBe('確認コード：482913');
    for (const digits of ['٠١٢٣٤٥٦٧٨٩', '۰۱۲۳۴۵۶۷۸۹', '०१२३४५६७८९', '০১২৩৪৫৬৭৮৯', '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗', '𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿']) expect(asciiDigits(digits), digits).toBe('0123456789');
    expect(asciiDigits('① ² Ⅳ 482913')).toBe('① ² Ⅳ 482913');
  });
});
