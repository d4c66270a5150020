import { describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import { setFields } from './set-fields.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const person = { first: 'Ada', last: 'Lovelace', email: 'ada@example.com', age: 36, address: { city: 'London', zip: 'W1' } };

describe('core.set-fields', () => {
  it('has sensible defaults: no fields, other fields kept', () => {
    expect(setFields.params.parse({})).toEqual({ fields: [], keepOtherFields: true });
    expect(setFields).toMatchObject({ category: 'Data', inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }] });
  });

  it('sets fields from expressions and keeps the other fields, without touching the input', async () => {
    const input = structuredClone(person);
    const { result } = await runNode(
      setFields,
      {
        fields: [
          { name: 'fullName', value: 'first & " " & last' },
          { name: 'email', value: '$uppercase(email)' },
          { name: 'nextAge', value: 'age + 1' },
          { name: 'greeting', value: '"Hello " & fullName' }, // uses a field set above
          { name: 'nothing', value: 'noSuchField' },
        ],
      },
      input,
    );
    expect(result.emit).toHaveLength(1);
    expect(result.emit[0].port).toBe('out');
    expect(result.emit[0].data).toEqual({
      ...person,
      fullName: 'Ada Lovelace',
      email: 'ADA@EXAMPLE.COM',
      nextAge: 37,
      greeting: 'Hello Ada Lovelace',
      nothing: null,
    });
    expect(input).toEqual(person);
  });

  it('creates nested objects for dotted names, copying rather than changing the input', async () => {
    const input = structuredClone(person);
    const { result } = await runNode(setFields, { fields: [{ name: 'address.city', value: '"Paris"' }, { name: 'meta.source.name', value: '"import"' }] }, input);
    expect(result.emit[0].data).toMatchObject({ address: { city: 'Paris', zip: 'W1' }, meta: { source: { name: 'import' } } });
    expect(input.address.city).toBe('London');
  });

  it('can keep only the fields it sets', async () => {
    const { result } = await runNode(
      setFields,
      { fields: [{ name: 'name', value: 'first' }, { name: 'place.city', value: 'address.city' }, { name: 'label', value: 'name & "!"' }], keepOtherFields: false },
      person,
    );
    expect(result.emit[0].data).toEqual({ name: 'Ada', place: { city: 'London' }, label: 'Ada!' });
  });

  it('keeps objects and lists produced by expressions as plain JSON', async () => {
    const { result } = await runNode(setFields, { fields: [{ name: 'obj', value: '{"c": address.city, "n": [1, 2]}' }, { name: 'fn', value: '$uppercase' }] }, person);
    expect(result.emit[0].data).toMatchObject({ obj: { c: 'London', n: [1, 2] }, fn: null });
  });

  it('refuses invalid field names in the params', () => {
    for (const name of ['', 'a..b', '.a', 'a.', '__proto__', 'a.constructor']) {
      expect(setFields.params.safeParse({ fields: [{ name, value: '1' }] }).success, name).toBe(false);
    }
  });

  it('fails with E_EXPRESSION_INVALID naming the field for a syntax error', async () => {
    const err = await failureOf(() => runNode(setFields, { fields: [{ name: 'fullName', value: 'first & ' }] }, person));
    expect(err).toBeInstanceOf(NodeError);
    expect(err.code).toBe('E_EXPRESSION_INVALID');
    expect(err.message).toMatch(/field "fullName"/);
    expect(err.message).toMatch(/at character \d+/);
  });

  it('fails with E_EXPRESSION_FAILED when the expression cannot be worked out for the record', async () => {
    const err = await failureOf(() => runNode(setFields, { fields: [{ name: 'next', value: 'age + 1' }] }, { age: '36' }));
    expect(err).toMatchObject({ code: 'E_EXPRESSION_FAILED', transient: false });
    expect(err.message).toMatch(/field "next"/);
  });
});
