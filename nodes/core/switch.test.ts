import { describe, expect, it } from 'vitest';
import { dynamicPorts } from '../../server/contract/ports.ts';
import { switchNode } from './switch.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const rules = [
  { port: 'vip', label: 'VIP', condition: 'tier = "vip"' },
  { port: 'big', label: 'Big order', condition: 'amount > 1000' },
];

describe('core.switch', () => {
  it('has an Otherwise port plus one port per rule, and defaults to no rules, first match', () => {
    expect(switchNode.outputs).toEqual([{ id: 'default', label: 'Otherwise' }]);
    expect(switchNode.params.parse({})).toEqual({ rules: [], mode: 'first' });
    expect(switchNode.params.parse({ rules: [{ port: 'a' }] }).rules[0]).toEqual({ port: 'a', label: '', condition: 'false' });
    expect(dynamicPorts(switchNode.dynamicOutputs, switchNode.params.parse({ rules }))).toEqual([
      { id: 'vip', label: 'VIP' },
      { id: 'big', label: 'Big order' },
    ]);
  });

  it('routes to the first matching rule, else Otherwise', async () => {
    const route = async (input: Record<string, any>) => (await runNode(switchNode, { rules }, input)).result.emit.map((e) => e.port);
    expect(await route({ tier: 'vip', amount: 5000 })).toEqual(['vip']);
    expect(await route({ tier: 'basic', amount: 5000 })).toEqual(['big']);
    expect(await route({ tier: 'basic', amount: 5 })).toEqual(['default']);
    expect(await route({})).toEqual(['default']);
  });

  it('in "all" mode routes to every matching rule, each with its own copy', async () => {
    const input = { tier: 'vip', amount: 5000 };
    const { result } = await runNode(switchNode, { rules, mode: 'all' }, input);
    expect(result.emit.map((e) => e.port)).toEqual(['vip', 'big']);
    expect(result.emit[0].data).toEqual(input);
    expect(result.emit[1].data).toEqual(input);
    expect(result.emit[1].data).not.toBe(result.emit[0].data);
    const none = await runNode(switchNode, { rules, mode: 'all' }, { tier: 'x', amount: 1 });
    expect(none.result.emit).toEqual([{ port: 'default', data: { tier: 'x', amount: 1 } }]);
  });

  it('refuses duplicate, reserved or malformed port names with a clear message at the right path', () => {
    const dup = switchNode.params.safeParse({ rules: [rules[0], { ...rules[1], port: 'vip' }] });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues).toEqual([expect.objectContaining({ path: ['rules', 1, 'port'], message: expect.stringMatching(/Two rules use the port name "vip"/) })]);
    for (const port of ['default', 'error']) {
      const reserved = switchNode.params.safeParse({ rules: [{ ...rules[0], port }] });
      expect(reserved.error!.issues[0]).toMatchObject({ path: ['rules', 0, 'port'], message: expect.stringMatching(/reserved/) });
    }
    expect(switchNode.params.safeParse({ rules: [{ ...rules[0], port: 'has space' }] }).success).toBe(false);
    expect(switchNode.params.safeParse({ rules: [{ ...rules[0], port: '' }] }).success).toBe(false);
  });

  it('fails with E_EXPRESSION_INVALID / E_EXPRESSION_FAILED naming the rule', async () => {
    const invalid = await failureOf(() => runNode(switchNode, { rules: [{ port: 'a', label: 'Rule A', condition: 'x =' }] }, {}));
    expect(invalid.code).toBe('E_EXPRESSION_INVALID');
    expect(invalid.message).toMatch(/rule "Rule A"/);
    const failed = await failureOf(() => runNode(switchNode, { rules: [{ port: 'a', condition: 'x + 1 > 2' }] }, { x: 'text' }));
    expect(failed.code).toBe('E_EXPRESSION_FAILED');
    expect(failed.message).toMatch(/rule "a"/);
  });
});
