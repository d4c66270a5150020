import { describe, expect, test } from 'vitest';
import { EditorState } from '@codemirror/state';
import { CompletionContext } from '@codemirror/autocomplete';
import { defaultNodeName } from '../../../client/data/node-names.ts';
import { fieldPaths, outputByPort, stepInput } from '../../../client/data/step-data.ts';
import { fieldReference, jsonataCompletion } from '../../../client/forms/jsonata-language.ts';
import type { Step } from '../../../client/api/types.ts';

const step = (seq: number, nodeId: string, output: unknown, input: unknown = null, inputFrom: number | null = null) =>
  ({ seq, tokenId: 1, nodeId, nodeType: 'core.set-fields', attempt: 1, status: 'success', input, inputFrom, output, error: null, evidence: [], startedAt: '', endedAt: '', durationMs: 1 }) as Step;

function complete(text: string, fields: string[], template = false, explicit = false) {
  const state = EditorState.create({ doc: text });
  const result = jsonataCompletion(() => fields, template)(new CompletionContext(state, text.length, explicit));
  return result && { from: result.from, labels: result.options.map((o) => o.label), applies: result.options.map((o) => o.apply) };
}

describe('editor data helpers', () => {
  test('a new node is named after its type, with the first free counter', () => {
    expect(defaultNodeName('Set fields', ['Delay'])).toBe('Set fields');
    expect(defaultNodeName('Set fields', ['Set fields', 'Delay'])).toBe('Set fields 2');
    expect(defaultNodeName('Set fields', ['Set fields', 'set fields 2', 'Set fields 4'])).toBe('Set fields 3');
  });

  test("a step's output is read per port, and its input from the step it came from", () => {
    const a = step(1, 'a', [{ port: 'out', data: { n: 1 } }]);
    const b = step(2, 'b', [{ port: 'true', data: { n: 1, ok: true } }, { port: 'true', data: { n: 2 } }, { port: 'false', data: { n: 3 } }], null, 1);
    expect(outputByPort(b)).toEqual([
      { port: 'true', items: [{ n: 1, ok: true }, { n: 2 }] },
      { port: 'false', items: [{ n: 3 }] },
    ]);
    expect(stepInput(b, [a, b], { raw: true })).toEqual({ value: { n: 1 }, from: 1 });
    expect(stepInput(a, [a, b], { raw: true })).toEqual({ value: { raw: true }, from: null });
    expect(fieldPaths({ name: 'Ada', address: { city: 'Lyon' }, tags: [{ label: 'x' }] })).toEqual(['name', 'address', 'address.city', 'tags', 'tags.label']);
  });

  test('completion offers fields as a name is typed, after $. and after {{ in a template, never inside text', () => {
    const fields = ['first', 'email', 'first name'];
    expect(complete('$uppercase(em', fields)).toMatchObject({ from: 11, labels: fields });
    expect(complete('$.', fields)).toMatchObject({ from: 2, labels: fields, applies: ['first', 'email', '`first name`'] });
    expect(complete('$upp', fields)?.labels).toContain('$uppercase');
    expect(complete('"em', fields)).toBeNull();
    expect(complete('Hi em', fields, true)).toBeNull();
    expect(complete('Hi {{ ', fields, true)).toMatchObject({ from: 6, labels: fields });
    expect(complete('Hi {{ first }} and ', fields, true)).toBeNull();
    expect(complete('a + ', fields)).toBeNull();
    expect(complete('a + ', fields, false, true)?.labels).toEqual(fields);
    expect(fieldReference('address.post code')).toBe('address.`post code`');
  });
});
