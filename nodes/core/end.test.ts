import { describe, expect, it } from 'vitest';
import { end } from './end.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

describe('core.end', () => {
  it('has no outputs and ends with success by default, without a reason', async () => {
    expect(end).toMatchObject({ title: 'End with status', outputs: [], inputs: [{ id: 'in', label: 'In' }] });
    expect(end.params.parse({})).toEqual({ status: 'success', reason: '' });
    expect((await runNode(end, {}, { n: 1 })).result).toEqual({ emit: [], end: { status: 'success', reason: undefined } });
  });

  it('ends with the chosen status and the rendered reason', async () => {
    const { result } = await runNode(end, { status: 'needs_review', reason: 'Amount {{ amount }} is above the limit' }, { amount: 5000 });
    expect(result).toEqual({ emit: [], end: { status: 'needs_review', reason: 'Amount 5000 is above the limit' } });
    for (const status of ['failed', 'skipped'] as const) {
      expect((await runNode(end, { status }, {})).result.end?.status).toBe(status);
    }
  });

  it('refuses unknown statuses and reports broken placeholders', async () => {
    expect(end.params.safeParse({ status: 'done' }).success).toBe(false);
    expect((await failureOf(() => runNode(end, { reason: '{{ amount + }}' }, {}))).code).toBe('E_EXPRESSION_INVALID');
  });
});
