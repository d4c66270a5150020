import { describe, expect, it } from 'vitest';
import { log } from './log.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

describe('core.log', () => {
  it('defaults to an info line showing the record', async () => {
    expect(log.params.parse({})).toEqual({ level: 'info', message: 'Record: {{ $ }}' });
    const { result, ctx } = await runNode(log, {}, { n: 1 });
    expect(ctx.logs).toEqual([{ level: 'info', message: 'Record: {"n":1}' }]);
    expect(result).toEqual({ emit: [{ port: 'out', data: { n: 1 } }] });
  });

  it('writes the rendered message at the chosen level', async () => {
    const { ctx } = await runNode(log, { level: 'warn', message: 'Invoice {{ id }} for {{ $uppercase(name) }}' }, { id: 42, name: 'ada' });
    expect(ctx.logs).toEqual([{ level: 'warn', message: 'Invoice 42 for ADA' }]);
  });

  it('refuses unknown levels and reports broken placeholders', async () => {
    expect(log.params.safeParse({ level: 'loud' }).success).toBe(false);
    const err = await failureOf(() => runNode(log, { message: 'Hi {{ name' }, {}));
    expect(err.code).toBe('E_EXPRESSION_INVALID');
    expect(err.message).toMatch(/message/);
  });
});
