import type { Edge, Node } from '@xyflow/react';
import { FLOW_FORMAT, type FlowDocument, type FlowEdge, type FlowNode, type FlowSettings, type StepPolicy } from '../../server/flow/schema.ts';
import { canonicalFlow } from '../../server/flow/serialize.ts';

/** What a canvas node carries: exactly the document's node fields (besides id and position). */
export type FlowNodeData = {
  type: string;
  name?: string;
  params: Record<string, unknown>;
  policy?: StepPolicy;
  notes?: string;
};

export type CanvasNode = Node<FlowNodeData, 'conveyor'>;
/** sourceHandle = output port id, targetHandle = input port id ('in'). */
export type CanvasEdge = Edge;

export interface FlowMeta {
  id: string;
  name: string;
  description: string;
  settings: FlowSettings;
}

/** An undo step: the whole document (not selection, not viewport). */
export interface Snapshot {
  meta: FlowMeta;
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export function toFlowNode(n: CanvasNode): FlowNode {
  const out: FlowNode = { id: n.id, type: n.data.type, position: { x: n.position.x, y: n.position.y }, params: n.data.params ?? {} };
  if (n.data.name) out.name = n.data.name;
  if (n.data.policy) out.policy = n.data.policy;
  if (n.data.notes) out.notes = n.data.notes;
  return out;
}

export function toFlowEdge(e: CanvasEdge): FlowEdge {
  return { id: e.id, source: e.source, sourcePort: e.sourceHandle ?? 'out', target: e.target, targetPort: e.targetHandle ?? 'in' };
}

export function toCanvasNode(n: FlowNode, prev?: CanvasNode): CanvasNode {
  const node: CanvasNode = {
    id: n.id,
    type: 'conveyor',
    position: { x: n.position.x, y: n.position.y },
    data: { type: n.type, name: n.name, params: n.params ?? {}, policy: n.policy, notes: n.notes },
  };
  if (prev?.selected) node.selected = true;
  if (prev?.measured) node.measured = prev.measured;
  return node;
}

export function toCanvasEdge(e: FlowEdge, prev?: CanvasEdge): CanvasEdge {
  const edge: CanvasEdge = { id: e.id, source: e.source, target: e.target, sourceHandle: e.sourcePort, targetHandle: e.targetPort };
  if (prev?.selected) edge.selected = true;
  return edge;
}

export function buildDocument(meta: FlowMeta, nodes: CanvasNode[], edges: CanvasEdge[]): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: meta.id,
    name: meta.name,
    description: meta.description,
    settings: meta.settings,
    nodes: nodes.map(toFlowNode),
    edges: edges.map(toFlowEdge),
  };
}

/** The bytes the server would store: used for the dirty check. */
export function canonicalJson(doc: FlowDocument): string {
  return JSON.stringify(canonicalFlow(doc));
}

export function metaOf(doc: FlowDocument): FlowMeta {
  return { id: doc.id, name: doc.name, description: doc.description ?? '', settings: { ...doc.settings, concurrency: doc.settings?.concurrency ?? 4 } };
}
