import { describe, expect, it } from 'vitest';
import { parseRunInput } from '../../../client/run/run-input.ts';

describe('the run dialog input', () => {
  it('pasted JSON records keep a whole number too long for a number digit for digit (as text); CSV goes to the server as text', () => {
    expect(parseRunInput('[{"order": 1234567890123456789, "n": 1.5}]', 'auto')).toEqual({ ok: true, input: { records: [{ order: '1234567890123456789', n: 1.5 }] }, count: 1 });
    expect(parseRunInput('order\n1234567890123456789', 'auto')).toEqual({ ok: true, input: { text: 'order\n1234567890123456789', format: 'csv' }, count: 1 });
    expect(parseRunInput('[{"a": }]', 'json')).toMatchObject({ ok: false });
  });

  it('counts CSV records as the server will read them: a quoted value over two lines is one record', () => {
    expect(parseRunInput('name,note\nAda,"line one\nline two"\n\nAlan,x\n', 'csv')).toMatchObject({ ok: true, count: 2 });
    expect(parseRunInput('name\n', 'csv')).toMatchObject({ ok: false });
  });
});
