import { afterEach, describe, expect, it } from 'vitest';
import { evaluate, tryCompile, useExpressionFastPath } from './expression.ts';
import { FALLBACK } from './expression-fast.ts';

const records: Record<string, unknown>[] = [
  { name: 'Ada', age: '36', n: 7, ok: true, none: null, address: { city: 'London', zip: { code: 'N1' } }, 'first name': 'Ada', tags: ['a', 'b'], one: ['x'], people: [{ name: 'A' }, { name: 'B' }], zero: 0, empty: '', nested: { deeper: { deepest: [1, 2] } } },
  { name: '', age: 36, address: 'not an object', n: -1.5, nested: { deeper: { deepest: [1, 2] } } },
  { address: null, ok: false, name: 42 },
  { name: 'Zoë 😀 ǅ', n: 1e308, big: 1e308, first: 'Grace', last: 'Hopper', age: NaN },
  {},
];

/** Expressions the fast path answers itself for at least one record above. */
const fast = ['name', 'age', 'n', 'ok', 'none', 'zero', 'empty', 'missing', 'address', 'address.city', 'address.zip.code', 'address.city.more', 'address.missing', '`first name`', '$.name', '$.address.city', '"text"', "'single'", '42', '-3.5', '1e3', 'true', 'false', 'null', '""', 'name.length', 'n.x',
  'n * 2', 'n * 3 + $length(name)', 'n - 1', 'n / 4', 'n % 2', 'n / 0', 'n * big', 'missing * 2', 'n + missing', '(n + 1) * 2', 'zero - n',
  'name & "!"', 'first & " " & last', 'missing & name', 'name & missing', '$length(name)', '$uppercase(name)', '$lowercase(name)', '$length(first & last)', '$length(age)'];
/** Expressions that look alike but need JSONata: lists, filters, inherited names, variables. */
const slow = ['tags', 'one', 'people.name', 'people[0].name', 'tags[]', 'name[]', 'constructor', 'toString', 'address.*', '$', '$$.name', 'nested.deeper.deepest', '$x',
  'n * age', 'age + 1', 'n + tags', 'ok * 2', 'n & "!"', 'name & n', 'name & ok', 'name & none', '$length(tags)', '$length(n)', '$length()', '$length(name, 2)', '$string(n)', '$sum(n)', '-n', 'n > 2', 'n = 7', '$length(name)[0]'];

async function both(source: string, data: unknown): Promise<[unknown, unknown]> {
  useExpressionFastPath(false);
  const viaJsonata = await evaluate(source, data).catch((err: { code?: string }) => `threw ${err.code}`);
  useExpressionFastPath(true);
  const viaFast = await evaluate(source, data).catch((err: { code?: string }) => `threw ${err.code}`);
  return [viaFast, viaJsonata];
}

describe('expression fast path', () => {
  afterEach(() => useExpressionFastPath(true));

  it('gives exactly what JSONata gives for constants and field references, missing fields, text, lists and numbers held as text', async () => {
    for (const source of [...fast, ...slow]) {
      for (const data of records) {
        const [viaFast, viaJsonata] = await both(source, data);
        expect({ source, data, result: viaFast }).toStrictEqual({ source, data, result: viaJsonata });
      }
    }
  });

  it('answers constants and plain references without JSONata, and leaves lists, filters and variables to it', () => {
    const answered = (source: string, data: unknown[]) => {
      const compiled = tryCompile(source);
      if (!compiled.ok || !compiled.fast) return false;
      return data.some((r) => compiled.fast!(r) !== FALLBACK);
    };
    for (const source of fast) expect({ source, answered: answered(source, records) }).toEqual({ source, answered: true });
    // The first record holds every field these name, as lists, inherited names and so on.
    for (const source of slow) expect({ source, answered: answered(source, [records[0]]) }).toEqual({ source, answered: false });
  });

  it('leaves a function the caller binds (its own $length) to JSONata', async () => {
    const bindings = { length: () => 'bound' };
    expect(await evaluate('$length(name)', { name: 'Ada' }, 'the expression', bindings)).toBe('bound');
    expect(await evaluate('$length(name) & "!"', { name: 'Ada' }, 'the expression', bindings)).toBe('bound!');
  });

  it('returns the very field value (no copy) and keeps numbers held as text as text', async () => {
    const data = { address: { city: 'Paris' }, age: '36' };
    expect(await evaluate('address', data)).toBe(data.address);
    expect(await evaluate('age', data)).toBe('36');
  });

  it('still reports invalid expressions as E_EXPRESSION_INVALID', async () => {
    await expect(evaluate('name.', { name: 'x' })).rejects.toMatchObject({ code: 'E_EXPRESSION_INVALID' });
  });
});
