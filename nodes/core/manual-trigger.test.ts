import { describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import { manualTrigger, MAX_RECORDS } from './manual-trigger.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const params = (raw: unknown = {}) => manualTrigger.params.parse(raw);
const records = (raw: unknown, input?: Parameters<NonNullable<typeof manualTrigger.records>>[1]) => manualTrigger.records!(params(raw), input);

describe('core.manual-trigger', () => {
  it('declares a trigger with one Records output and no input', () => {
    expect(manualTrigger).toMatchObject({ type: 'core.manual-trigger', category: 'Triggers', trigger: true, inputs: [], effect: 'none' });
    expect(manualTrigger.outputs).toEqual([{ id: 'out', label: 'Records' }]);
  });

  it('defaults to a small JSON example that parses into records', async () => {
    expect(params()).toMatchObject({ format: 'json' });
    expect(await records({})).toEqual([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Grace', email: 'grace@example.com' },
    ]);
  });

  it('reads its own JSON: a list, a single object, or nothing', async () => {
    expect(await records({ records: '[{"n": 1}, {"n": 2}]' })).toEqual([{ n: 1 }, { n: 2 }]);
    // A whole number too long for a number (an order id of 19 digits) stays digit for digit, as text.
    expect(await records({ records: '[{"order": 1234567890123456789, "n": 3}]' })).toEqual([{ order: '1234567890123456789', n: 3 }]);
    expect(await records({ records: '{"n": 1}' })).toEqual([{ n: 1 }]);
    expect(await records({ records: '  ' })).toEqual([]);
  });

  it('lets the run input win over its own records', async () => {
    expect(await records({ records: '[{"own": true}]' }, { records: [{ given: 1 }] })).toEqual([{ given: 1 }]);
    expect(await records({ records: '[{"own": true}]' }, { text: 'a,b\n1,2', format: 'csv' })).toEqual([{ a: '1', b: '2' }]);
    // text without a format uses the trigger's format
    expect(await records({ format: 'csv', records: 'x\n1' }, { text: 'y\n2' })).toEqual([{ y: '2' }]);
    // an empty run input falls back to the trigger's records
    expect(await records({ records: '[{"own": true}]' }, {})).toEqual([{ own: true }]);
  });

  it('parses CSV with a header row: trimmed headers, values kept as text, quotes, empty lines skipped', async () => {
    const csv = '\ufeff name , email ,age\nAda,"ada@example.com",36\n\n"Hopper, Grace",grace@example.com,"085"\n   \n';
    expect(await records({ format: 'csv', records: csv })).toEqual([
      { name: 'Ada', email: 'ada@example.com', age: '36' },
      { name: 'Hopper, Grace', email: 'grace@example.com', age: '085' },
    ]);
    expect(await records({ format: 'csv', records: 'a;b\n1;2' })).toEqual([{ a: '1', b: '2' }]);
    expect(await records({ format: 'csv', records: 'only\nx\ny' })).toEqual([{ only: 'x' }, { only: 'y' }]);
    expect(await records({ format: 'csv', records: 'a,b,\n1,2,\n' })).toEqual([{ a: '1', b: '2' }]);
    expect(await records({ format: 'csv', records: 'a,b' })).toEqual([]);
  });

  it('passes the record through on out', async () => {
    const { result } = await runNode(manualTrigger, {}, { n: 1 });
    expect(result).toEqual({ emit: [{ port: 'out', data: { n: 1 } }] });
  });

  describe('refuses bad input with E_INPUT_INVALID, saying where', () => {
    const fail = async (raw: unknown, input?: Parameters<typeof records>[1]) => {
      const err = await failureOf(() => records(raw, input));
      expect(err).toBeInstanceOf(NodeError);
      expect(err.code).toBe('E_INPUT_INVALID');
      expect(err.hint).toBeTruthy();
      return err as NodeError;
    };

    it('broken JSON, with line and column', async () => {
      const err = await fail({ records: '[\n  {"n": 1},\n  {"n" 2}\n]' });
      expect(err.message).toMatch(/not valid JSON/);
      expect(err.message).toMatch(/line 3, column 8/);
      expect((await fail({}, { text: '[{"n": 1}', format: 'json' })).message).toMatch(/ends too early/);
    });

    it('JSON that is not a list of objects, naming the record', async () => {
      expect((await fail({ records: '42' })).message).toMatch(/must be a list of records, but it is the number 42/);
      expect((await fail({ records: '[{"a": 1}, {"a": 2}, 7]' })).message).toMatch(/record 3 is the number 7/);
      expect((await fail({ records: '[{"a": 1}, null]' })).message).toMatch(/record 2 is null/);
      expect((await fail({}, { records: [{ a: 1 }, [1, 2]] as never })).message).toMatch(/record 2 is a list/);
    });

    it('CSV rows that do not fit the header, unclosed quotes, unnamed or duplicate columns', async () => {
      expect((await fail({ format: 'csv', records: 'a,b\n1,2\n3\n' })).message).toMatch(/record 2 \(row 3, counting the header\) has 1 value, but the header has 2 columns/);
      expect((await fail({ format: 'csv', records: 'a,b\n1,2,3\n' })).message).toMatch(/record 1 .* has 3 values/);
      expect((await fail({ format: 'csv', records: 'a,b\n1,2\n"3,4\n5,6' })).message).toMatch(/quoted value is never closed.*line 3/);
      expect((await fail({ format: 'csv', records: 'a,,b\n1,2,3' })).message).toMatch(/column 2 of the header row has no name/);
      expect((await fail({ format: 'csv', records: 'a,b,a\n1,2,3' })).message).toMatch(/columns 1 and 3 .* both named "a"/);
    });

    it(`more than ${MAX_RECORDS.toLocaleString('en-US')} records`, async () => {
      const many = new Array(MAX_RECORDS + 1).fill({});
      expect((await fail({}, { records: many })).message).toMatch(/1,000,001 records; one run can take at most 1,000,000/);
      const csv = 'n\n' + '1\n'.repeat(MAX_RECORDS + 5);
      expect((await fail({ format: 'csv', records: csv })).message).toMatch(/has more than 1,000,000 records/);
    });
  });
});
