import { describe, expect, test } from 'vitest';
import { fieldProblem, offersEmptyChoice, shownValue, type JSONSchema } from '../../../client/forms/schema.ts';
import { policyJsonSchema } from '../../../client/inspector/policy.ts';
import { createRegistry } from '../../../nodes/index.ts';
import { copyName } from '../../../client/data/node-names.ts';
import { fileNodes, problemStep } from '../../../client/components/problem-step.ts';
import { portEdits } from '../../../client/stores/port-renames.ts';

const renamedPorts = (...args: Parameters<typeof portEdits>) => portEdits(...args).renames;
import { useFlowStore } from '../../../client/stores/flow-store.ts';
import { useCatalog } from '../../../client/stores/catalog-store.ts';
import type { NodeTypeInfo } from '../../../client/api/types.ts';
import type { FlowDocument } from '../../../server/contract/flow/schema.ts';

/** A flow document with these nodes and edges (the rest as a new flow has it). */
const flowOf = (parts: Pick<FlowDocument, 'nodes' | 'edges'>): FlowDocument => ({ format: 'conveyor.flow/v1', id: 'f', name: 'F', description: '', settings: { concurrency: 4 }, ...parts });

describe('the inspector shows how a step will run', () => {
  test('a list or an expression the flow leaves out shows the default the step takes, not an empty field', () => {
    const selectors: JSONSchema = { type: 'array', items: { type: 'string' }, minItems: 1, default: ['input[name="email"]'] };
    const value: JSONSchema = { type: 'string', widget: 'template', default: '{{ email }}' };
    const lines: JSONSchema = { type: 'array', items: { type: 'string' }, widget: 'lines', default: ['a', 'b'] };
    expect(shownValue(selectors, undefined)).toEqual(['input[name="email"]']);
    expect(shownValue(value, undefined)).toBe('{{ email }}');
    expect(shownValue(lines, undefined)).toEqual(['a', 'b']);
    // What the flow holds wins, even when emptied on purpose.
    expect(shownValue(selectors, [])).toEqual([]);
    expect(shownValue(value, '')).toBe('');
    // Text and numbers show their default as a placeholder: left empty, so clearing them stays cleared.
    expect(shownValue({ type: 'string', default: 'items' }, undefined)).toBeUndefined();
    expect(shownValue({ type: 'integer', default: 1000 }, undefined)).toBeUndefined();
  });

  test('a select offers an empty choice only where the param can really be empty', () => {
    const method: JSONSchema = { type: 'string', enum: ['GET', 'POST'], default: 'GET' };
    expect(offersEmptyChoice(method, false, true)).toBe(false);
    expect(offersEmptyChoice({ type: 'string', enum: ['a', 'b'] }, false, true)).toBe(true);
    expect(offersEmptyChoice({ type: 'string', enum: ['a', 'b'] }, true, true)).toBe(false);
    expect(offersEmptyChoice({ ...method, nullable: true } as JSONSchema, false, true)).toBe(true);
    // A value the list does not know (an older file): the select shows the empty choice, not a lie.
    expect(offersEmptyChoice(method, true, false)).toBe(true);
  });
});

describe('pasted and duplicated nodes get names of their own', () => {
  test('the next free counter of the name; a free name is kept', () => {
    expect(copyName('Score', ['Score', 'Delay'])).toBe('Score 2');
    expect(copyName('Score 2', ['Score', 'Score 2'])).toBe('Score 3');
    expect(copyName('Score', ['score', 'Score 2', 'Score 4'])).toBe('Score 3');
    expect(copyName('Score', ['Delay'])).toBe('Score');
  });

  test('Ctrl+D on two nodes named alike elsewhere: each copy is named apart from every node', () => {
    const info = (type: string, title: string, trigger = false) => ({ type, title, trigger, inputs: trigger ? [] : [{ id: 'in', label: 'in' }] }) as unknown as NodeTypeInfo;
    useCatalog.setState({ byType: { 't.trigger': info('t.trigger', 'Manual trigger', true), 't.log': info('t.log', 'Log') } });
    const doc = flowOf({
      nodes: [
        { id: 'trigger', type: 't.trigger', position: { x: 0, y: 0 }, params: {} },
        { id: 'a', type: 't.score', name: 'Score', position: { x: 200, y: 0 }, params: { threshold: 5 } },
        { id: 'b', type: 't.score', name: 'Score 2', position: { x: 400, y: 0 }, params: {} },
        { id: 'c', type: 't.log', position: { x: 600, y: 0 }, params: {} },
      ],
      edges: [{ id: 'e1', source: 'a', sourcePort: 'out', target: 'b', targetPort: 'in' }],
    });
    const store = useFlowStore.getState();
    store.load(doc);
    store.select(['a', 'b', 'c']);
    expect(useFlowStore.getState().duplicateSelection({ x: 40, y: 40 })).toEqual({ pasted: 3, notes: 0, skippedTriggers: 0 });
    const names = useFlowStore.getState().nodes.map((n) => n.data.name);
    // An unnamed node shows its type's title ("Log"): its copy is "Log 2".
    expect(names).toEqual([undefined, 'Score', 'Score 2', undefined, 'Score 3', 'Score 4', 'Log 2']);
    // The copies keep their settings and the wire between them.
    const copies = useFlowStore.getState().nodes.slice(4);
    expect(copies[0].data.params).toEqual({ threshold: 5 });
    expect(useFlowStore.getState().edges).toHaveLength(2);
  });
});

describe('a refused flow names the step of each problem', () => {
  const nodes = [
    { id: 'start', data: { type: 't.trigger' } },
    { id: 'call_x1', data: { type: 't.http', name: 'Post the lead' } },
    { id: 'log_x2', data: { type: 't.log' } },
  ];
  const byType = { 't.log': { title: 'Log' } };
  test('from the path: its name, else its type title, else its id', () => {
    expect(problemStep({ path: '$.nodes[1].policy.timeoutMs', message: '…' }, nodes, byType)).toBe('Post the lead');
    expect(problemStep({ path: '$.nodes[2].params.level', message: '…' }, nodes, byType)).toBe('Log');
    expect(problemStep({ path: '$.nodes[0]', message: '…' }, nodes, byType)).toBe('start');
  });
  test('not for problems outside a node, nor twice when the message names the step', () => {
    expect(problemStep({ path: '$.edges[0].target', message: '…' }, nodes, byType)).toBeUndefined();
    expect(problemStep({ path: '$.nodes', message: 'The flow has no trigger' }, nodes, byType)).toBeUndefined();
    expect(problemStep({ path: '$.nodes[1].params.url', message: 'Step "Post the lead" (call_x1), "URL" …' }, nodes, byType)).toBeUndefined();
    expect(problemStep({ path: '$.nodes[7].params', message: '…' }, nodes, byType)).toBeUndefined();
  });
});

describe('renaming a port in the form keeps its wires', () => {
  const spec = { param: 'rules', idField: 'port', labelField: 'label' };
  const rules = (...ports: string[]) => ({ rules: ports.map((port) => ({ port, condition: 'true' })) });
  test('a port typed over is a rename; moved, added, removed or emptied rows are not', () => {
    expect([...renamedPorts(spec, rules('fr', 'de'), rules('fra', 'de'))]).toEqual([['fr', 'fra']]);
    expect(renamedPorts(spec, rules('fr', 'de'), rules('de', 'fr')).size).toBe(0);
    expect(renamedPorts(spec, rules('fr', 'de'), rules('fr', 'de', 'rule3')).size).toBe(0);
    expect(renamedPorts(spec, rules('fr', 'de'), rules('de')).size).toBe(0);
    expect(renamedPorts(spec, rules('fr', 'de'), rules('', 'de')).size).toBe(0);
    // Renamed to a port another row has: not a rename (that row keeps its wires).
    expect(renamedPorts(spec, rules('fr', 'de'), rules('de', 'de')).size).toBe(0);
    expect(renamedPorts(undefined, rules('fr'), rules('fra')).size).toBe(0);
    // Erased, then typed again: the row is remembered both ways.
    expect(portEdits(spec, rules('fr', 'de'), rules('', 'de')).emptied).toEqual(new Map([[0, 'fr']]));
    expect(portEdits(spec, rules('', 'de'), rules('f', 'de')).filled).toEqual(new Map([[0, 'f']]));
  });

  test("the switch's wire follows its rule's new port name, keystroke by keystroke, and one undo puts it back", () => {
    const info = { type: 't.switch', title: 'Switch', trigger: false, inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'default', label: 'Otherwise' }], dynamicOutputs: spec, errorPort: { id: 'error', label: 'On error' } };
    useCatalog.setState({ byType: { 't.switch': info as unknown as NodeTypeInfo } });
    const doc = flowOf({
      nodes: [
        { id: 'route', type: 't.switch', position: { x: 0, y: 0 }, params: rules('fr', 'de') },
        { id: 'a', type: 't.log', position: { x: 300, y: 0 }, params: {} },
        { id: 'b', type: 't.log', position: { x: 300, y: 200 }, params: {} },
      ],
      edges: [
        { id: 'e1', source: 'route', sourcePort: 'fr', target: 'a', targetPort: 'in' },
        { id: 'e2', source: 'route', sourcePort: 'de', target: 'b', targetPort: 'in' },
      ],
    });
    useFlowStore.getState().load(doc);
    for (const typed of ['fra', 'fran', 'france']) useFlowStore.getState().updateNode('route', { params: rules(typed, 'de') }, 'params:route:rules');
    expect(useFlowStore.getState().document().edges.map((e) => e.sourcePort)).toEqual(['france', 'de']);
    // Erased to nothing (the port is gone meanwhile), then a new name: the wire comes back on it.
    for (const typed of ['fr', '', 'p', 'paris']) useFlowStore.getState().updateNode('route', { params: rules(typed, 'de') }, 'params:route:rules');
    expect(useFlowStore.getState().document().edges.map((e) => `${e.id}:${e.sourcePort}`)).toEqual(['e1:paris', 'e2:de']);
    for (const typed of ['parisx', 'france']) useFlowStore.getState().updateNode('route', { params: rules(typed, 'de') }, 'params:route:rules');
    // A rule removed: its wire goes with it.
    useFlowStore.getState().updateNode('route', { params: rules('de') });
    expect(useFlowStore.getState().document().edges.map((e) => e.sourcePort)).toEqual(['de']);
    useFlowStore.getState().undo();
    useFlowStore.getState().undo();
    expect(useFlowStore.getState().document().edges.map((e) => e.sourcePort)).toEqual(['fr', 'de']);
  });
});

describe('the nodes of a file being imported', () => {
  test('read whatever the file holds, without throwing', () => {
    expect(fileNodes({ nodes: [{ id: 'a', type: 't.x', name: 'A' }, null, { type: 5 }] })).toEqual([
      { id: 'a', data: { type: 't.x', name: 'A' } },
      { id: '#2', data: { type: '', name: undefined } },
      { id: '#3', data: { type: '', name: undefined } },
    ]);
    expect(fileNodes({ nodes: 'none' })).toEqual([]);
    expect(fileNodes(null)).toEqual([]);
  });
});

describe('a value a pattern refuses is explained by the rule itself', () => {
  test("the switch's port name and the policy's error code say what to write, as the save would", () => {
    const catalog = createRegistry().catalog() as NodeTypeInfo[];
    const sw = catalog.find((t) => t.type === 'core.switch')!.paramsSchema as { properties: { rules: { items: { properties: { port: JSONSchema } } } } };
    expect(fieldProblem(sw.properties.rules.items.properties.port, 'a b', true)).toBe('Use only letters, digits, _ and - in a port name (no spaces), e.g. vip or high-value.');
    const code = (policyJsonSchema as { properties: { errorMap: { items: { properties: { code: JSONSchema } } } } }).properties.errorMap.items.properties.code;
    expect(fieldProblem(code, 'nope', false)).toBe('Must look like E_SOMETHING.');
    expect(fieldProblem(code, 'E_OK', false)).toBeNull();
    // A pattern without a sentence of its own.
    expect(fieldProblem({ type: 'string', pattern: '^a$' }, 'b', false)).toBe('Not in the expected format.');
  });
});
