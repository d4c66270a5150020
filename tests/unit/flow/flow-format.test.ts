import { describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { testNodes, flow } from '../engine/harness.ts';
import { validateFlow, parseFlowText } from '../../../server/flow/validate.ts';
import { serializeFlow } from '../../../server/contract/flow/serialize.ts';

const registry = new NodeRegistry(testNodes);
const good = () => flow([['t', 'test.trigger'], ['g', 'test.gate'], ['e', 'test.end']], [['t', 'g'], ['g', 'e', 'odd']]);

describe('flow file v1', () => {
  it('accepts a valid flow and fills defaults', () => {
    const doc = JSON.parse(JSON.stringify(good()));
    delete doc.description;
    delete doc.settings;
    const r = validateFlow(doc, registry);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.flow.settings.concurrency).toBe(4);
      expect(r.flow.description).toBe('');
    }
  });

  it('reports every problem with its JSON path and an actionable sentence', () => {
    const doc = JSON.parse(JSON.stringify(good()));
    doc.nodes[1].type = 'nope.unknown';
    doc.nodes[2].params = { status: 'maybe' };
    doc.nodes.push({ id: 't', type: 'test.trigger', position: { x: 0, y: 0 }, params: {} });
    doc.edges.push({ id: 'e9', source: 't', sourcePort: 'out', target: 'ghost', targetPort: 'in' });
    doc.edges.push({ id: 'e10', source: 't', sourcePort: 'sideways', target: 'e', targetPort: 'in' });
    const r = validateFlow(doc, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
    expect(byPath['$.nodes[1].type']).toMatch(/Unknown node type "nope.unknown"/);
    expect(byPath['$.nodes[2].params.status']).toBeDefined();
    expect(byPath['$.nodes[3].id']).toMatch(/used twice/);
    expect(byPath['$.edges[2].target']).toMatch(/"ghost", which does not exist/);
    expect(byPath['$.edges[3].sourcePort']).toMatch(/has no output "sideways"/);
    expect(r.problems.length).toBeGreaterThanOrEqual(5);
  });

  it('reports structural problems (missing fields, wrong types, unknown keys) all at once', () => {
    const r = validateFlow({ format: 'conveyor.flow/v1', id: 'x', nodes: [{ id: 'a', type: 'test.trigger', position: { x: 'left' } }], edges: 'none', colour: 'red' }, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.name', '$.nodes[0].position.x', '$.nodes[0].position.y', '$.edges', '$']));
    expect(r.problems.find((p) => p.path === '$.name')?.message).toMatch(/missing/);
    expect(r.problems.find((p) => p.path === '$')?.message).toMatch(/Unknown field "colour"/);
  });

  it('refuses cycles, self-loops, a missing trigger and non-JSON text', () => {
    const loop = flow([['t', 'test.trigger'], ['a', 'test.add'], ['b', 'test.add']], [['t', 'a'], ['a', 'b'], ['b', 'a']]);
    const r1 = validateFlow(loop, registry);
    expect(!r1.ok && r1.problems.some((p) => /loops back on itself \(a → b → a\)/.test(p.message))).toBe(true);
    const none = flow([['a', 'test.add']], []);
    const r2 = validateFlow(none, registry);
    expect(!r2.ok && r2.problems.some((p) => /no trigger/.test(p.message))).toBe(true);
    const r3 = parseFlowText('{ "format": ', registry);
    expect(!r3.ok && r3.problems[0].message).toMatch(/not valid JSON/);
    const r4 = validateFlow([], registry);
    expect(!r4.ok && r4.problems[0].path).toBe('$');
  });

  it('refuses values nested absurdly deep with their path, without overflowing the stack', () => {
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]) as unknown as { nodes: Array<{ params: Record<string, unknown> }> };
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = (deep.x = {}) as Record<string, unknown>;
    doc.nodes[1].params = { by: 1, extra: root };
    const check = validateFlow(doc, registry);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0].path).toMatch(/^\$\.nodes\[1\]\.params\.extra(\.x)+$/);
    expect(check.problems[0].message).toContain('more than 64 levels deep');
  });

  it('names an unknown format and migrates the older v0 format', () => {
    const r = validateFlow({ ...good(), format: 'conveyor.flow/v9' }, registry);
    expect(!r.ok && r.problems[0]).toMatchObject({ path: '$.format' });
    const v0 = JSON.parse(JSON.stringify(good()));
    v0.format = 'conveyor.flow/v0';
    v0.concurrency = 9;
    delete v0.settings;
    v0.edges = v0.edges.map((e: Record<string, unknown>) => ({ id: e.id, source: e.source, sourceHandle: e.sourcePort, target: e.target, targetHandle: e.targetPort }));
    const m = validateFlow(v0, registry);
    expect(m.ok).toBe(true);
    if (m.ok) {
      expect(m.flow.settings.concurrency).toBe(9);
      expect(m.flow.edges[1].sourcePort).toBe('odd');
    }
  });

  it('serializes canonically: stable key order, pretty-printed, and export → import → export is byte-identical', () => {
    const doc = good();
    doc.nodes[2].params = { status: 'skipped' };
    (doc.nodes[0] as Record<string, unknown>).params = { records: [{ b: 1, a: 2 }] };
    const text = serializeFlow(doc);
    expect(text.startsWith('{\n  "format": "conveyor.flow/v1",\n  "id": "f1",\n  "name": "Test flow"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"a": 2')).toBeLessThan(text.indexOf('"b": 1'));
    const again = parseFlowText(text, registry);
    expect(again.ok).toBe(true);
    if (again.ok) expect(serializeFlow(again.flow)).toBe(text);
  });
});

describe('one answer lists everything', () => {
  it('reports structural and graph problems together', () => {
    const doc = JSON.parse(JSON.stringify(good()));
    doc.name = '';
    doc.nodes[1].type = 'nope.unknown';
    doc.nodes[2].position = { x: 'left', y: 0 };
    doc.edges.push({ id: 'e7', source: 't', sourcePort: 'out', target: 'ghost', targetPort: 'in' });
    const r = validateFlow(doc, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.name', '$.nodes[2].position.x', '$.nodes[1].type', '$.edges[2].target']));
    // The malformed node is not also reported as missing.
    expect(r.problems.filter((p) => /does not exist/.test(p.message)).map((p) => p.path)).toEqual(['$.edges[2].target']);
  });

  it('a node with a malformed step policy still has its params checked in the same answer', () => {
    const doc = JSON.parse(JSON.stringify(flow([['t', 'test.trigger'], ['a', 'test.add', { by: 'ten' }]], [['t', 'a']])));
    doc.nodes[1].policy = { timeoutMs: 'soon' };
    const r = validateFlow(doc, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.nodes[1].policy.timeoutMs', '$.nodes[1].params.by']));
    // The node is there: nothing is said missing about it (its edge is fine).
    expect(r.problems.filter((p) => /does not exist/.test(p.message))).toEqual([]);
  });
});
