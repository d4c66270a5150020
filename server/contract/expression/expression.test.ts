import { describe, expect, it } from 'vitest';
import { NodeError } from '../node-error.ts';
import { compile, evaluate, expressionProblem, toBoolean, toJson } from './expression.ts';
import { failureOf } from '../../../nodes/sdk/testing.ts';

describe('expression helper', () => {
  it('evaluates JSONata against the record and caches the compiled expression', async () => {
    expect(await evaluate('first & " " & last', { first: 'Ada', last: 'Lovelace' })).toBe('Ada Lovelace');
    expect(await evaluate('$uppercase(email)', { email: 'a@b.c' })).toBe('A@B.C');
    expect(await evaluate('missing', {})).toBeUndefined();
    expect(compile('age + 1')).toBe(compile('age + 1'));
  });

  it('reports syntax errors as E_EXPRESSION_INVALID with the position, and caches them too', async () => {
    const err = await failureOf(() => evaluate('foo(', {}, 'the condition'));
    expect(err).toBeInstanceOf(NodeError);
    expect(err.code).toBe('E_EXPRESSION_INVALID');
    expect(err.message).toMatch(/^The condition is not a valid expression: Expected "\)" before end of expression \(at character 4 of "foo\("\)\.$/);
    expect(expressionProblem('foo(')).toMatch(/Expected/);
    expect(expressionProblem('a + 1')).toBeNull();
    expect((await failureOf(() => evaluate('  ', {}))).message).toMatch(/is empty/);
  });

  it('reports evaluation errors as E_EXPRESSION_FAILED, not transient', async () => {
    const err = await failureOf(() => evaluate('age + 1', { age: '3' }));
    expect(err).toMatchObject({ code: 'E_EXPRESSION_FAILED', transient: false });
    expect(err.message).toMatch(/could not be worked out for this record: The left side of the "\+" operator must evaluate to a number/);
    expect(err.hint).toMatch(/\$number/);
  });

  it('stops runaway expressions instead of freezing the server', async () => {
    const err = await failureOf(() => evaluate('($f := function($n){ $n > 1e12 ? 0 : $f($n + 1) }; $f(0))', {}));
    expect(err.code).toBe('E_EXPRESSION_TIMEOUT');
    expect(err.message).toMatch(/more than 2 s/);
  }, 10_000);

  it('applies JSONata truthiness', () => {
    for (const v of [true, 'x', 1, -2, [0, 1], [true], { a: 1 }]) expect(toBoolean(v)).toBe(true);
    for (const v of [false, '', 0, null, undefined, [], [0], [false, ''], {}]) expect(toBoolean(v)).toBe(false);
  });

  it('cleans results into plain JSON without copying clean values', () => {
    const clean = { a: [1, 'x', { b: null }] };
    expect(toJson(clean)).toBe(clean);
    expect(toJson({ a: undefined, b: () => 1, c: [undefined, Infinity] })).toEqual({ b: null, c: [null, null] });
  });
});
