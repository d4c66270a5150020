import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { validateFlow } from '../../../server/flow/validate.ts';
import { preflight } from '../../../server/engine/preflight.ts';
import type { FlowProblem } from '../../../server/contract/flow/problems.ts';

const registry = createRegistry();

type NodeSpec = { id: string; type: string; name?: string; params?: Record<string, unknown>; policy?: Record<string, unknown> };

/** Manual trigger → the given steps in a row → an End. */
function flowWith(steps: NodeSpec[]) {
  const nodes = [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"first":"Ada","last":"Lovelace","email":"ada@example.com"}]' } },
    ...steps.map((s, i) => ({ position: { x: 200 * (i + 1), y: 0 }, params: {}, ...s })),
    { id: 'done', type: 'core.end', position: { x: 200 * (steps.length + 1), y: 0 }, params: {} },
  ];
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i].id, sourcePort: nodes[i].type === 'core.if' ? 'true' : 'out', target: n.id, targetPort: 'in' }));
  return { format: 'conveyor.flow/v1', id: 'expr-check', name: 'Expression check', nodes, edges };
}

function problemsOf(doc: unknown): FlowProblem[] {
  const r = validateFlow(doc, registry);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.problems;
}

describe('expressions, templates and patterns are checked when a flow is validated', () => {
  it('a bad JSONata value inside Set fields names the step, the field path and the position', () => {
    const problems = problemsOf(
      flowWith([{ id: 'set', type: 'core.set-fields', name: 'Full name', params: { fields: [{ name: 'ok', value: 'first' }, { name: 'full', value: '$.a & (' }] } }]),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '$.nodes[1].params.fields[1].value', code: 'E_EXPRESSION_INVALID', nodeId: 'set', position: 7 });
    expect(problems[0].message).toMatch(/^Step "Full name" \(set\), "Value" \(fields\[1\]\.value\): The expression is not valid: Expected "\)" before end of expression \(at character 7 of "\$\.a & \("\)\. Correct the expression/);
  });

  it('a bad If condition, and an empty one, are refused', () => {
    const problems = problemsOf(flowWith([{ id: 'check', type: 'core.if', params: { condition: 'age > 18 and' } }]));
    expect(problems).toEqual([expect.objectContaining({ path: '$.nodes[1].params.condition', code: 'E_EXPRESSION_INVALID', position: 12 })]);
    expect(problems[0].message).toMatch(/^Step "check", "Condition" \(condition\): The expression is not valid: .*at character 12 of "age > 18 and"/);
    const empty = problemsOf(flowWith([{ id: 'check', type: 'core.if', params: { condition: '  ' } }]));
    expect(empty[0]).toMatchObject({ path: '$.nodes[1].params.condition', code: 'E_EXPRESSION_INVALID' });
    expect(empty[0].message).toMatch(/The expression is empty\. Write an expression/);
  });

  it('a bad pre-check and a bad post-check in the step policy; an empty one means "no check"', () => {
    const problems = problemsOf(
      flowWith([{ id: 'log', type: 'core.log', params: { message: 'hi' }, policy: { preCheck: '$contains(email, "@"', postCheck: 'status = = 201' } }]),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['$.nodes[1].policy.preCheck']).toMatchObject({ code: 'E_EXPRESSION_INVALID', nodeId: 'log', position: 20 });
    expect(byPath['$.nodes[1].policy.preCheck'].message).toMatch(/"Pre-check" \(policy\.preCheck\): The expression is not valid/);
    expect(byPath['$.nodes[1].policy.postCheck']).toMatchObject({ code: 'E_EXPRESSION_INVALID', position: 10 });
    expect(validateFlow(flowWith([{ id: 'log', type: 'core.log', params: { message: 'hi' }, policy: { preCheck: '' } }]), registry).ok).toBe(true);
  });

  it('a bad regular expression: an error-map pattern and a sheet column pattern, with the position', () => {
    const problems = problemsOf(
      flowWith([{ id: 'log', type: 'core.log', params: { message: 'hi' }, policy: { errorMap: [{ match: 'already (exists', action: 'review' }] } }]),
    );
    expect(problems).toEqual([expect.objectContaining({ path: '$.nodes[1].policy.errorMap[0].match', code: 'E_PATTERN_INVALID', position: 9 })]);
    expect(problems[0].message).toMatch(/"When the error matches" \(policy\.errorMap\[0\]\.match\): The pattern is not a valid regular expression: Unterminated group \(at character 9 of "already \(exists"\)\. Correct the pattern/);

    const sheet = {
      format: 'conveyor.flow/v1',
      id: 'sheet',
      name: 'Sheet',
      nodes: [
        { id: 'sheet', type: 'sheet.read', position: { x: 0, y: 0 }, params: { columns: [{ field: 'zip', pattern: '[0-9]{5' }, { field: 'code', pattern: '*[A-Z]' }] } },
        { id: 'done', type: 'core.end', position: { x: 200, y: 0 }, params: {} },
      ],
      edges: [{ id: 'e', source: 'sheet', target: 'done' }],
    };
    const sheetProblems = problemsOf(sheet);
    // One problem per field, even though the node's own rule also looks at the pattern ([0-9]{5 is a valid literal "{5").
    expect(sheetProblems).toEqual([expect.objectContaining({ path: '$.nodes[0].params.columns[1].pattern', code: 'E_PATTERN_INVALID', position: 1 })]);
    expect(sheetProblems[0].message).toMatch(/^Step "sheet", "Pattern" \(columns\[1\]\.pattern\): The pattern is not a valid regular expression: Nothing to repeat \(at character 1 of "\*\[A-Z\]"\)/);
  });

  it('a bad template: an unclosed placeholder and a bad expression inside one, positioned in the whole text', () => {
    const unclosed = problemsOf(flowWith([{ id: 'log', type: 'core.log', params: { message: 'Hello {{ name' } }]));
    expect(unclosed).toEqual([expect.objectContaining({ path: '$.nodes[1].params.message', code: 'E_EXPRESSION_INVALID', position: 7 })]);
    expect(unclosed[0].message).toMatch(/The template is not valid: The placeholder has no closing }} \(at character 7/);
    const inner = problemsOf(flowWith([{ id: 'http', type: 'core.http-request', params: { url: 'https://example.com/u/{{ id + }}' } }]));
    expect(inner[0]).toMatchObject({ path: '$.nodes[1].params.url', code: 'E_EXPRESSION_INVALID' });
    expect(inner[0].position).toBeGreaterThanOrEqual(27);
    expect(inner[0].message).toMatch(/The placeholder \{\{ id \+ \}\}/);
  });

  it('a browser address pattern between slashes is compiled; with placeholders it is checked once filled', () => {
    const problems = problemsOf(flowWith([{ id: 'open', type: 'browser.open', params: { url: 'https://example.com', expectUrl: '/orders/(\\d+$/' } }]));
    expect(problems).toEqual([expect.objectContaining({ path: '$.nodes[1].params.expectUrl', code: 'E_PATTERN_INVALID', position: 9 })]);
    expect(validateFlow(flowWith([{ id: 'open', type: 'browser.open', params: { url: 'https://example.com', expectUrl: '/thank-you' } }]), registry).ok).toBe(true);
  });

  it('the dry check lists the problem instead of "0 problems"', async () => {
    const result = await preflight(flowWith([{ id: 'set', type: 'core.set-fields', params: { fields: [{ name: 'full', value: 'first & (' }] } }]), registry);
    expect(result.ok).toBe(false);
    expect(result.canStart).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ path: '$.nodes[1].params.fields[0].value', code: 'E_EXPRESSION_INVALID', position: 9 })]);
  });

  it('every shipped example flow still validates', () => {
    for (const file of readdirSync('flows').filter((f) => f.endsWith('.json'))) {
      const r = validateFlow(JSON.parse(readFileSync(path.join('flows', file), 'utf8')), registry);
      expect(r.ok ? [] : r.problems, file).toEqual([]);
    }
  });
});
