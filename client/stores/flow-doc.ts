import type { Edge, Node } from '@xyflow/react';
import { FLOW_FORMAT, type FlowDocument, type FlowEdge, type FlowNode, type FlowNote, type FlowSettings, type StepPolicy } from '../../server/contract/flow/schema.ts';
import { canonicalFlow } from '../../server/contract/flow/serialize.ts';

/** What a canvas node carries: exactly the document's node fields (besides id and position). */
export type FlowNodeData = {
  type: string;
  name?: string;
  params: Record<string, unknown>;
  policy?: StepPolicy;
  notes?: string;
  /** Disabled: the step passes records through unchanged (drawn greyed). */
  disabled?: boolean;
};

export type CanvasNode = Node<FlowNodeData, 'conveyor'>;

/** A sticky note: text and colour; its size is the note node's width/height. */
export type NoteData = { text: string; color?: FlowNote['color'] };
/** A sticky note on the canvas. Its id is `note/<note id>` ('/' is never in a node id). */
export type NoteNode = Node<NoteData, 'note'>;
export const NOTE_PREFIX = 'note/';
export const NOTE_SIZE = { width: 220, height: 140 };
export const isNoteId = (id: string) => id.startsWith(NOTE_PREFIX);

export function toFlowNote(n: NoteNode): FlowNote {
  const out: FlowNote = { id: n.id.slice(NOTE_PREFIX.length), position: { x: n.position.x, y: n.position.y }, text: n.data.text ?? '' };
  const width = n.width ?? NOTE_SIZE.width;
  const height = n.height ?? NOTE_SIZE.height;
  out.size = { width: Math.round(width), height: Math.round(height) };
  if (n.data.color) out.color = n.data.color;
  return out;
}

export function toNoteNode(n: FlowNote, prev?: NoteNode): NoteNode {
  const node: NoteNode = {
    id: NOTE_PREFIX + n.id,
    type: 'note',
    position: { x: n.position.x, y: n.position.y },
    width: n.size?.width ?? NOTE_SIZE.width,
    height: n.size?.height ?? NOTE_SIZE.height,
    zIndex: -1,
    data: { text: n.text ?? '', color: n.color },
  };
  if (prev?.selected) node.selected = true;
  if (prev?.measured) node.measured = prev.measured;
  return node;
}
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
  notes: FlowNote[];
}

export function toFlowNode(n: CanvasNode): FlowNode {
  const out: FlowNode = { id: n.id, type: n.data.type, position: { x: n.position.x, y: n.position.y }, params: n.data.params ?? {} };
  if (n.data.name) out.name = n.data.name;
  if (n.data.policy) out.policy = n.data.policy;
  if (n.data.notes) out.notes = n.data.notes;
  if (n.data.disabled) out.disabled = true;
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
    data: { type: n.type, name: n.name, params: n.params ?? {}, policy: n.policy, notes: n.notes, ...(n.disabled ? { disabled: true } : {}) },
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

export function buildDocument(meta: FlowMeta, nodes: CanvasNode[], edges: CanvasEdge[], notes: NoteNode[] = []): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: meta.id,
    name: meta.name,
    description: meta.description,
    settings: meta.settings,
    nodes: nodes.map(toFlowNode),
    edges: edges.map(toFlowEdge),
    ...(notes.length ? { notes: notes.map(toFlowNote) } : {}),
  };
}

/** The bytes the server would store: used for the dirty check. */
export function canonicalJson(doc: FlowDocument): string {
  return JSON.stringify(canonicalFlow(doc));
}

export function metaOf(doc: FlowDocument): FlowMeta {
  return { id: doc.id, name: doc.name, description: doc.description ?? '', settings: { ...doc.settings, concurrency: doc.settings?.concurrency ?? 4 } };
}
