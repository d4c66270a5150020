import { describe, expect, it } from 'vitest';
import { ifNode } from './if.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const portFor = async (condition: string | undefined, input: Record<string, any>) => {
  const { result } = await runNode(ifNode, condition === undefined ? {} : { condition }, input);
  expect(result.emit).toHaveLength(1);
  expect(result.emit[0].data).toBe(input);
  return result.emit[0].port;
};

describe('core.if', () => {
  it('has True and False outputs and defaults to a condition that holds', async () => {
    expect(ifNode.outputs).toEqual([
      { id: 'true', label: 'True' },
      { id: 'false', label: 'False' },
    ]);
    expect(ifNode.params.parse({})).toEqual({ condition: 'true' });
    expect(await portFor(undefined, { a: 1 })).toBe('true');
  });

  it('routes by the condition', async () => {
    expect(await portFor('score > 10', { score: 11 })).toBe('true');
    expect(await portFor('score > 10', { score: 10 })).toBe('false');
    expect(await portFor('status = "active" and $number(amount) >= 100', { status: 'active', amount: '150' })).toBe('true');
  });

  it('uses JSONata truthiness for non-boolean results', async () => {
    expect(await portFor('email', { email: 'a@b.c' })).toBe('true');
    expect(await portFor('email', { email: '' })).toBe('false');
    expect(await portFor('email', {})).toBe('false');
    expect(await portFor('count', { count: 0 })).toBe('false');
    expect(await portFor('count', { count: 3 })).toBe('true');
    expect(await portFor('tags', { tags: [] })).toBe('false');
    expect(await portFor('tags', { tags: ['x'] })).toBe('true');
    expect(await portFor('flag', { flag: null })).toBe('false');
  });

  it('fails with E_EXPRESSION_INVALID / E_EXPRESSION_FAILED', async () => {
    const invalid = await failureOf(() => runNode(ifNode, { condition: 'score >' }, {}));
    expect(invalid.code).toBe('E_EXPRESSION_INVALID');
    expect(invalid.message).toMatch(/^The condition is not a valid expression/);
    const failed = await failureOf(() => runNode(ifNode, { condition: 'score > 10' }, { score: 'high' }));
    expect(failed.code).toBe('E_EXPRESSION_FAILED');
  });
});
