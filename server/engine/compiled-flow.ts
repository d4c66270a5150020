import type { AnyNodeDefinition } from '../../nodes/sdk/types.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { FlowDocument, FlowNode, StepPolicy } from '../contract/flow/schema.ts';
import { ConveyorError } from '../errors.ts';

export interface CompiledNode {
  id: string;
  name: string;
  def: AnyNodeDefinition;
  params: unknown;
  policy: StepPolicy;
  /** Target node ids per output port. */
  next: Map<string, string[]>;
}

/** A validated flow turned into lookup tables the engine walks without searching. */
export interface CompiledFlow {
  doc: FlowDocument;
  trigger: CompiledNode;
  nodes: Map<string, CompiledNode>;
}

export function compileFlow(doc: FlowDocument, registry: NodeRegistry): CompiledFlow {
  const nodes = new Map<string, CompiledNode>();
  let trigger: CompiledNode | undefined;
  for (const node of doc.nodes) {
    const compiled = compileNode(node, registry);
    nodes.set(node.id, compiled);
    if (compiled.def.trigger) trigger = compiled;
  }
  for (const edge of doc.edges) {
    const source = nodes.get(edge.source);
    if (!source || !nodes.has(edge.target)) continue;
    const list = source.next.get(edge.sourcePort) ?? [];
    list.push(edge.target);
    source.next.set(edge.sourcePort, list);
  }
  if (!trigger) {
    throw new ConveyorError('E_FLOW_NO_TRIGGER', 'The flow has no trigger, so no record can enter it.', 'Add a "Manual trigger" node and connect it to the first step.', 422);
  }
  return { doc, trigger, nodes };
}

/**
 * What a disabled node runs instead of its own step: the record goes on unchanged through the node's
 * first output port, touching nothing (no side effect, no state, no session, no credential), and its
 * settings are not checked. A trigger cannot be disabled: its `disabled` flag is ignored.
 */
export function passThrough(def: AnyNodeDefinition): AnyNodeDefinition {
  const port = def.outputs[0]?.id ?? 'out';
  return {
    type: def.type,
    title: def.title,
    category: def.category,
    description: def.description,
    icon: def.icon,
    params: def.params,
    inputs: def.inputs,
    outputs: def.outputs,
    dynamicOutputs: def.dynamicOutputs,
    effect: 'none',
    run: (ctx) => ({ emit: [{ port, data: ctx.input }] }),
  } as AnyNodeDefinition;
}

function compileNode(node: FlowNode, registry: NodeRegistry): CompiledNode {
  const def = registry.get(node.type);
  if (!def) {
    throw new ConveyorError('E_NODE_TYPE_UNKNOWN', `Node "${node.id}" has the unknown type "${node.type}".`, 'Remove the node or install the connector that provides it.', 422);
  }
  if (node.disabled && !def.trigger) {
    return { id: node.id, name: node.name || def.title, def: passThrough(def), params: node.params, policy: {}, next: new Map() };
  }
  const parsed = def.params.safeParse(node.params);
  if (!parsed.success) {
    throw new ConveyorError('E_FLOW_INVALID', `Node "${node.name || node.id}" has invalid settings: ${parsed.error.issues[0]?.message}.`, 'Open the node in the inspector and fix the highlighted field.', 422);
  }
  return { id: node.id, name: node.name || def.title, def, params: parsed.data, policy: node.policy ?? {}, next: new Map() };
}
