import { describe, expect, it } from 'vitest';
import { parseJsonExact } from './json-exact.ts';

describe('parseJsonExact', () => {
  it('keeps integers past 2^53 − 1 as their exact digits; everything else as JSON.parse gives it', () => {
    const text = '[{"id":-12345678901234567890,"n":9007199254740991,"m":-9007199254740991,"d":1234567890123456789.5,"e":12345678901234567e3,"s":"12345678901234567890 \\" 98765432109876543210"}, 18446744073709551615 ]';
    const { value, keptAsText } = parseJsonExact(text);
    expect(value).toEqual([
      { id: '-12345678901234567890', n: 9007199254740991, m: -9007199254740991, d: 1234567890123456789.5, e: 12345678901234567e3, s: '12345678901234567890 " 98765432109876543210' },
      '18446744073709551615',
    ]);
    expect(keptAsText).toEqual(['-12345678901234567890', '18446744073709551615']);
  });

  it('text without long integers is JSON.parse exactly; an error keeps its own position', () => {
    const plain = '{"a":[1,2.5,"x"],"b":null,"c":true}';
    expect(parseJsonExact(plain)).toEqual({ value: JSON.parse(plain), keptAsText: [] });
    const broken = '{"id": 12345678901234567890, "x": }';
    let expected = '';
    try {
      JSON.parse(broken);
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(() => parseJsonExact(broken)).toThrow(expected);
  });
});
