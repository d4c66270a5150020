import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineGroup, defineNode, defineTrigger, out } from './define-node.ts';
import { builtinNodes } from '../index.ts';

const params = z.object({});

describe('the node kit', () => {
  it('a step gets one In and one Out port unless it names its own, and is no trigger', () => {
    const step = defineNode({ type: 'test.step', title: 'Step', category: 'Data', description: 'd', params, effect: 'none', run: (ctx) => out(ctx.input) });
    expect(step).toMatchObject({ inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }] });
    expect(step.trigger).toBeUndefined();
    const gate = defineNode({ type: 'test.gate', title: 'Gate', category: 'Flow', description: 'd', params, effect: 'none', outputs: [{ id: 'yes', label: 'Yes' }], run: (ctx) => out(ctx.input, 'yes') });
    expect(gate.outputs.map((p) => p.id)).toEqual(['yes']);
  });

  it('a trigger has no input, is marked a trigger and keeps its trigger capabilities', () => {
    const trigger = defineTrigger({
      type: 'test.source', title: 'Source', category: 'Triggers', description: 'd', params, effect: 'none', acceptsFile: true,
      records: () => [{ n: 1 }],
      pacing: () => ({ intervalMs: 5 }),
    });
    expect(trigger).toMatchObject({ trigger: true, inputs: [], outputs: [{ id: 'out', label: 'Out' }], acceptsFile: true });
    // Its step passes the record on as it is, by its first output (the engine counts on it: token-graph.ts).
    const source = defineTrigger({ type: 'test.source-b', title: 'Source', category: 'Triggers', description: 'd', params, effect: 'none', records: () => [], outputs: [{ id: 'rows', label: 'Rows' }] });
    expect(source.run({ input: { n: 1 } } as never)).toEqual({ emit: [{ port: 'rows', data: { n: 1 } }] });
    expect(trigger.pacing?.({})).toEqual({ intervalMs: 5 });
  });

  it('refuses a badly named type and a group listing a type twice', () => {
    expect(() => defineNode({ type: 'NoGroup', title: 'x', category: 'Data', description: 'd', params, effect: 'none', run: (ctx) => out(ctx.input) })).toThrow(/group\.name/);
    const one = defineNode({ type: 'test.one', title: 'One', category: 'Data', description: 'd', params, effect: 'none', run: (ctx) => out(ctx.input) });
    expect(() => defineGroup(one, one)).toThrow(/test\.one.*twice/);
  });

  it('every shipped node type written with a literal type lives in the folder of its prefix', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const path = await import('node:path');
    const where = new Map<string, Set<string>>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          for (const m of readFileSync(file, 'utf8').matchAll(/^\s+type: '([a-z-]+\.[a-z-.]+)',$/gm)) where.set(m[1], (where.get(m[1]) ?? new Set()).add(path.relative('nodes', file).split(path.sep)[0]));
        }
      }
    };
    walk('nodes');
    const misplaced = builtinNodes
      .map((d) => d.type)
      .filter((t) => where.has(t))
      .filter((t) => [...where.get(t)!].some((folder) => folder !== t.split('.')[0]));
    expect(misplaced).toEqual([]);
  });
});
