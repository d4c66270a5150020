import { describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { testNodes, flow } from '../engine/harness.ts';
import { validateFlow } from '../../../server/flow/validate.ts';
import { zodProblems } from '../../../server/contract/flow/problems.ts';
import { z } from 'zod';

const registry = new NodeRegistry(testNodes);

describe('limits broken in a flow file are said in words', () => {
  it('an empty text, a number out of range and a list too long name the limit and what to do, not zod\'s "Too small: expected …"', () => {
    const doc = JSON.parse(JSON.stringify(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']])));
    doc.nodes[1].policy = {
      requiredInputs: [''],
      timeoutMs: 0,
      retries: { maxAttempts: 101 },
      errorMap: [{ match: 'x', code: 'E_X' }, ...Array.from({ length: 100 }, () => ({ match: 'x' }))],
    };
    const r = validateFlow(doc, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
    expect(byPath['$.nodes[1].policy.requiredInputs[0]']).toBe('"requiredInputs[0]" must not be empty: change its value.');
    expect(byPath['$.nodes[1].policy.timeoutMs']).toBe('"timeoutMs" must be at least 1: change its value.');
    expect(byPath['$.nodes[1].policy.retries.maxAttempts']).toBe('"maxAttempts" must be at most 100: change its value.');
    expect(byPath['$.nodes[1].policy.errorMap']).toBe('"errorMap" must have at most 100 items: change its value.');
    for (const p of r.problems) expect(p.message).not.toMatch(/too (small|big)|expected/i);
  });

  it("a limit with a message of its own keeps it", () => {
    const own = z.object({ timeoutMs: z.number().min(1, 'The time limit must be at least 1 ms.') }).safeParse({ timeoutMs: 0 });
    expect(!own.success && zodProblems(own.error, ['params'])[0].message).toBe('"timeoutMs": The time limit must be at least 1 ms.');
    // A rule's own sentence is kept as written after the field's name; zod's own wording is folded into the field's sentence.
    const pattern = z.object({ port: z.string().regex(/^[a-z]+$/, 'Use only letters in a port name.'), code: z.string().regex(/^E_/) }).safeParse({ port: 'a b', code: 'x' });
    const [port, code] = pattern.success ? [] : zodProblems(pattern.error, ['params']).map((p) => p.message);
    expect(port).toBe('"port": Use only letters in a port name.');
    expect(code).toMatch(/^"code" invalid string: must match pattern/);
    const doc = JSON.parse(JSON.stringify(flow([['t', 'test.trigger']], [])));
    doc.settings = { concurrency: 0 };
    const r = validateFlow(doc, registry);
    expect(!r.ok && r.problems.find((p) => p.path === '$.settings.concurrency')?.message).toBe('"concurrency" must be at least 1.');
  });
});
