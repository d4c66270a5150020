/**
 * Whether a record's output is kept by reference to the step that ended it (server/store/output-ref.ts)
 * is told from the texts alone: exactly when the step emitted one item whose data's JSON is the
 * output's, and the record ends in a status no review action leaves.
 */
import { describe, expect, it } from 'vitest';
import { keptByReference } from '../../../server/store/output-ref.ts';

const text = (v: unknown) => JSON.stringify(v);
const one = (data: unknown, port = 'out') => text([{ port, data }]);

describe('an output kept by reference to its step', () => {
  it('is the data of the step\'s one item, for success and skipped records', () => {
    const data = { id: 7, name: 'Zoë "Z" }]', nested: { list: [1, { a: '}]' }] } };
    expect(keptByReference('success', text(data), one(data))).toBe(true);
    expect(keptByReference('skipped', text(data), one(data))).toBe(true);
    expect(keptByReference('success', text('plain'), one('plain', 'a "quoted" \\ port'))).toBe(true);
    expect(keptByReference('success', text(null), one(null))).toBe(true);
  });

  it('is not for records that stay open to review, or that are not final', () => {
    const data = { id: 1 };
    for (const status of ['failed', 'needs_review', 'running', 'pending']) expect(keptByReference(status, text(data), one(data))).toBe(false);
  });

  it('is not when the output differs from the data, or the step emitted none or several items', () => {
    expect(keptByReference('success', text({ id: 1 }), one({ id: 2 }))).toBe(false);
    expect(keptByReference('success', text({ id: 1 }), one({ id: 1, more: true }))).toBe(false);
    expect(keptByReference('success', text({ id: 1 }), text([]))).toBe(false);
    expect(keptByReference('success', text({ id: 1 }), text([{ port: 'out', data: { id: 1 } }, { port: 'out', data: { id: 1 } }]))).toBe(false);
    // The output is a prefix of the data's text, or found inside it.
    expect(keptByReference('success', text(1), one(12))).toBe(false);
    expect(keptByReference('success', text({ a: 1 }), one([{ a: 1 }]))).toBe(false);
    expect(keptByReference('success', null, one(null))).toBe(false);
    expect(keptByReference('success', text({ id: 1 }), null)).toBe(false);
  });
});
