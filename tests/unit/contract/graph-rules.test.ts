import { describe, expect, it } from 'vitest';
import { FlowGraph } from '../../../server/contract/graph.ts';
import { allOutputIds, mainOutputs } from '../../../server/contract/ports.ts';
import { validateFlow } from '../../../server/flow/validate.ts';
import { connectionProblem } from '../../../client/canvas/connection-rules.ts';
import type { CanvasEdge, CanvasNode } from '../../../client/stores/flow-doc.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { switchNode } from '../../../nodes/core/switch.ts';
import { flow, testNodes } from '../engine/harness.ts';

const registry = new NodeRegistry([...testNodes, switchNode]);
const catalog = Object.fromEntries(registry.catalog().map((i) => [i.type, i]));
const types: Record<string, string> = { t: 'test.trigger', a: 'test.add', b: 'test.add', c: 'test.add' };
const canvasNode = (id: string): CanvasNode => ({ id, type: 'conveyor', position: { x: 0, y: 0 }, data: { type: types[id], name: id.toUpperCase(), params: {} } }) as unknown as CanvasNode;
const canvasEdge = ([source, target]: [string, string]): CanvasEdge => ({ id: `${source}-${target}`, source, target, sourceHandle: 'out', targetHandle: 'in' });

describe('graph rules: one set for the canvas and the flow checks', () => {
  const existing: Array<[string, string]> = [['t', 'a'], ['a', 'b']];
  const proposals: Array<[string, string, string | null]> = [
    ['b', 'c', null],
    ['a', 'c', null],
    ['b', 'a', 'loop'],
    ['c', 'c', 'self'],
    ['a', 'b', 'duplicate'],
    ['b', 't', 'into-trigger'],
  ];

  it.each(proposals)('%s → %s: %s', (source, target, rule) => {
    const graph = new FlowGraph(existing.map(([s, t]) => ({ source: s, sourcePort: 'out', target: t, targetPort: 'in' })));
    const refusal = graph.refusal({ source, sourcePort: 'out', target, targetPort: 'in' }, target !== 't');
    expect(refusal?.rule ?? null).toBe(rule);

    // The canvas refuses exactly these, in its words…
    const nodes = ['t', 'a', 'b', 'c'].map(canvasNode);
    const said = connectionProblem({ source, target, sourceHandle: 'out', targetHandle: 'in' }, nodes, existing.map(canvasEdge), catalog);
    expect(said === null).toBe(rule === null);
    // …and a flow file holding the same edge is refused by the flow checks.
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add'], ['b', 'test.add'], ['c', 'test.add']], [...existing, [source, target]]);
    expect(validateFlow(doc, registry).ok, `flow check of ${source} → ${target}`).toBe(rule === null);
  });

  it('a loop is named along its nodes on the canvas and in the file check', () => {
    const nodes = ['t', 'a', 'b', 'c'].map(canvasNode);
    const edges = [['t', 'a'], ['a', 'b'], ['b', 'c']] as Array<[string, string]>;
    expect(connectionProblem({ source: 'c', target: 'a', sourceHandle: 'out', targetHandle: 'in' }, nodes, edges.map(canvasEdge), catalog)).toMatch(/loop \(A → B → C → A\)/);
    const r = validateFlow(flow([['t', 'test.trigger'], ['a', 'test.add'], ['b', 'test.add'], ['c', 'test.add']], [...edges, ['c', 'a']]), registry);
    expect(!r.ok && r.problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/loops back on itself \(a → b → c → a\)/)]));
  });

  it('a long chain is checked without re-reading the whole flow for every edge', () => {
    const n = 2000;
    const graph = new FlowGraph();
    for (let i = 0; i < n; i++) {
      const c = { source: `n${i}`, sourcePort: 'out', target: `n${i + 1}`, targetPort: 'in' };
      expect(graph.refusal(c, true)).toBeNull();
      graph.add(c);
    }
    expect(graph.refusal({ source: `n${n}`, sourcePort: 'out', target: 'n0', targetPort: 'in' }, true)?.rule).toBe('loop');
  });
});

describe('ports: one order everywhere', () => {
  it('a switch lists its rule ports first, its fallback after them and the error port last — in the catalog, the canvas and the flow checks', () => {
    const params = switchNode.params.parse({ rules: [{ port: 'vip', label: 'VIP', condition: 'true' }, { port: 'eu', label: 'EU', condition: 'true' }] });
    const info = catalog['core.switch'];
    expect(mainOutputs(info, params).map((p) => p.id)).toEqual(['vip', 'eu', 'default']);
    expect(allOutputIds(info, params)).toEqual(['vip', 'eu', 'default', 'error']);
    expect(registry.outputPorts('core.switch', params).map((p) => p.id)).toEqual(allOutputIds(info, params));
  });
});
