// Rows as the step segments and run archives keep them (server/store/archive/rows-json.ts): the JSON
// columns embedded raw, every other value as JSON.stringify writes it, so a read parses the row once
// and a restore gives back the column texts the database held.
import { describe, expect, it } from 'vitest';
import { JSON_COLUMNS, rowJson, rowValues } from '../../../server/store/archive/rows-json.ts';

describe('rowJson', () => {
  it('is the JSON of the row with its JSON columns as values, and reads back to the same column texts', () => {
    const output = JSON.stringify([{ port: 'out', data: { name: 'Zoë "Q"', n: -0.5, list: [1, null] } }]);
    const row = [7, 3, 2, 'node "a"\n', 'core.set-fields', 1, 'success', null, 2, output, null, '[]', '2026-12-06T00:40:01.308Z', '2026-12-06T00:40:01.309Z', 0.125];
    const text = rowJson(row, JSON_COLUMNS.step);
    const asValues = row.map((v, i) => ((JSON_COLUMNS.step as readonly number[]).includes(i) && typeof v === 'string' ? JSON.parse(v) : v));
    expect(text).toBe(JSON.stringify(asValues));
    expect(rowValues(JSON.parse(text) as unknown[], JSON_COLUMNS.step)).toEqual(row);
  });

  it('writes numbers as JSON does (not-a-number and infinities as null, -0 as 0, large and small in exponent form), bytes as text', () => {
    const row = [NaN, Infinity, -Infinity, -0, 1e21, 1.5e-7, 12345678901234, Buffer.from('bytes "b"', 'utf8'), 'x'];
    expect(rowJson(row as never, [])).toBe(JSON.stringify([null, null, null, 0, 1e21, 1.5e-7, 12345678901234, 'bytes "b"', 'x']));
    expect(JSON.parse(rowJson(row as never, []))).toEqual([null, null, null, 0, 1e21, 1.5e-7, 12345678901234, 'bytes "b"', 'x']);
  });
});
