import { create } from 'zustand';
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import type { FlowDocument, FlowEdge, FlowNode } from '../../server/flow/schema.ts';
import { newEdgeId, newNodeId } from '../lib/ids.ts';
import { allOutputIds } from '../lib/ports.ts';
import { nodeTypeInfo } from './catalog-store.ts';
import { defaultNodeName } from '../data/node-names.ts';
import { emptyHistory, record, redo as redoHistory, undo as undoHistory, type History } from './history.ts';
import {
  buildDocument,
  canonicalJson,
  metaOf,
  toCanvasEdge,
  toCanvasNode,
  toFlowEdge,
  toFlowNode,
  type CanvasEdge,
  type CanvasNode,
  type FlowMeta,
  type FlowNodeData,
  type Snapshot,
} from './flow-doc.ts';

export type { CanvasEdge, CanvasNode, FlowNodeData, FlowMeta } from './flow-doc.ts';

/** What Ctrl+C keeps: selected nodes and the edges between them. */
export interface Clip {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

interface FlowState {
  meta: FlowMeta | null;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** Canonical JSON of the last saved/loaded document. */
  savedJson: string;
  dirty: boolean;
  history: History<Snapshot>;

  load(doc: FlowDocument): void;
  clear(): void;
  document(): FlowDocument;
  markSaved(doc: FlowDocument): void;

  onNodesChange(changes: NodeChange<CanvasNode>[]): void;
  onEdgesChange(changes: EdgeChange<CanvasEdge>[]): void;
  addNode(type: string, position: XYPosition): string | null;
  connect(c: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): string;
  updateNode(id: string, patch: Partial<FlowNodeData>, coalesceKey?: string): void;
  setMeta(patch: Partial<Omit<FlowMeta, 'id'>>, coalesceKey?: string): void;
  deleteSelection(): number;
  select(ids: string[]): void;
  copySelection(): Clip | null;
  paste(clip: Clip, offset: XYPosition): { pasted: number; skippedTriggers: number };
  undo(): void;
  redo(): void;
}

function snapshotOf(s: Pick<FlowState, 'meta' | 'nodes' | 'edges'>): Snapshot {
  return { meta: s.meta!, nodes: s.nodes.map(toFlowNode), edges: s.edges.map(toFlowEdge) };
}

function isDirty(meta: FlowMeta, nodes: CanvasNode[], edges: CanvasEdge[], savedJson: string): boolean {
  return canonicalJson(buildDocument(meta, nodes, edges)) !== savedJson;
}

/** Edges leaving ports that no longer exist (a switch rule was removed) are dropped. */
function pruneEdges(nodes: CanvasNode[], edges: CanvasEdge[]): CanvasEdge[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kept = edges.filter((e) => {
    const src = byId.get(e.source);
    const tgt = byId.get(e.target);
    if (!src || !tgt) return false;
    const info = nodeTypeInfo(src.data.type);
    if (!info) return true;
    return allOutputIds(info, src.data.params).includes(e.sourceHandle ?? 'out');
  });
  return kept.length === edges.length ? edges : kept;
}

let dragging = false;

export const useFlowStore = create<FlowState>((set, get) => {
  /** Applies a document mutation as one undo step (coalesced by key) and refreshes the dirty flag. */
  const commit = (mutate: (s: FlowState) => Partial<Pick<FlowState, 'meta' | 'nodes' | 'edges'>>, key: string | null = null) => {
    const s = get();
    if (!s.meta) return;
    const before = snapshotOf(s);
    const patch = mutate(s);
    const meta = patch.meta ?? s.meta;
    const nodes = patch.nodes ?? s.nodes;
    const edges = patch.edges ?? s.edges;
    set({ meta, nodes, edges, history: record(s.history, before, key), dirty: isDirty(meta, nodes, edges, s.savedJson) });
  };

  const restore = (snap: Snapshot, history: History<Snapshot>) => {
    const s = get();
    const prevNodes = new Map(s.nodes.map((n) => [n.id, n]));
    const prevEdges = new Map(s.edges.map((e) => [e.id, e]));
    const nodes = snap.nodes.map((n) => toCanvasNode(n, prevNodes.get(n.id)));
    const edges = snap.edges.map((e) => toCanvasEdge(e, prevEdges.get(e.id)));
    set({ meta: snap.meta, nodes, edges, history, dirty: isDirty(snap.meta, nodes, edges, s.savedJson) });
  };

  return {
    meta: null,
    nodes: [],
    edges: [],
    savedJson: '',
    dirty: false,
    history: emptyHistory<Snapshot>(),

    load(doc) {
      dragging = false;
      set({
        meta: metaOf(doc),
        nodes: doc.nodes.map((n) => toCanvasNode(n)),
        edges: doc.edges.map((e) => toCanvasEdge(e)),
        savedJson: canonicalJson(doc),
        dirty: false,
        history: emptyHistory<Snapshot>(),
      });
    },

    clear() {
      set({ meta: null, nodes: [], edges: [], savedJson: '', dirty: false, history: emptyHistory<Snapshot>() });
    },

    document() {
      const s = get();
      if (!s.meta) throw new Error('No flow is open.');
      return buildDocument(s.meta, s.nodes, s.edges);
    },

    markSaved(doc) {
      const s = get();
      const savedJson = canonicalJson(doc);
      set({ savedJson, dirty: s.meta ? isDirty(s.meta, s.nodes, s.edges, savedJson) : false });
    },

    onNodesChange(changes) {
      const s = get();
      const touchesDoc = changes.some((c) => c.type === 'position' || c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      if (!touchesDoc || !s.meta) {
        set({ nodes: applyNodeChanges(changes, s.nodes) });
        return;
      }
      const positions = changes.filter((c) => c.type === 'position');
      const dragMoves = positions.some((c) => c.type === 'position' && c.dragging);
      const dragEnds = positions.some((c) => c.type === 'position' && c.dragging === false);
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      const moved = positions.some((c) => c.type === 'position' && c.position);
      let history = s.history;
      if (structural) history = record(history, snapshotOf(s));
      else if (dragMoves && !dragging) history = record(history, snapshotOf(s));
      else if (!dragging && !dragMoves && moved) history = record(history, snapshotOf(s), 'nudge');
      if (dragMoves) dragging = true;
      if (dragEnds) dragging = false;
      const nodes = applyNodeChanges(changes, s.nodes);
      const edges = structural ? pruneEdges(nodes, s.edges) : s.edges;
      set({ nodes, edges, history, dirty: isDirty(s.meta, nodes, edges, s.savedJson) });
    },

    onEdgesChange(changes) {
      const s = get();
      const touchesDoc = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      if (!touchesDoc || !s.meta) {
        set({ edges: applyEdgeChanges(changes, s.edges) });
        return;
      }
      commit((st) => ({ edges: applyEdgeChanges(changes, st.edges) }));
    },

    addNode(type, position) {
      const info = nodeTypeInfo(type);
      if (!get().meta) return null;
      const id = newNodeId(type, new Set(get().nodes.map((n) => n.id)));
      const params = structuredClone(info?.defaults ?? {}) as Record<string, unknown>;
      // Named after its type with a counter ("Set fields 2"): a human name from the start.
      const name = info ? defaultNodeName(info.title, get().nodes.map((n) => n.data.name || nodeTypeInfo(n.data.type)?.title || '')) : undefined;
      commit((s) => ({
        nodes: [
          ...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
          { id, type: 'conveyor', position: { x: Math.round(position.x), y: Math.round(position.y) }, data: { type, params, ...(name ? { name } : {}) }, selected: true },
        ],
      }));
      return id;
    },

    connect(c) {
      const id = newEdgeId(new Set(get().edges.map((e) => e.id)));
      commit((s) => ({
        edges: [...s.edges, { id, source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? 'out', targetHandle: c.targetHandle ?? 'in' }],
      }));
      return id;
    },

    updateNode(id, patch, coalesceKey) {
      commit((s) => {
        const nodes = s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
        return { nodes, edges: patch.params ? pruneEdges(nodes, s.edges) : s.edges };
      }, coalesceKey ?? null);
    },

    setMeta(patch, coalesceKey) {
      commit((s) => ({ meta: { ...s.meta!, ...patch } }), coalesceKey ?? null);
    },

    deleteSelection() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesGone = s.edges.filter((e) => e.selected || gone.has(e.source) || gone.has(e.target));
      if (!gone.size && !edgesGone.length) return 0;
      const goneEdges = new Set(edgesGone.map((e) => e.id));
      commit((st) => ({ nodes: st.nodes.filter((n) => !gone.has(n.id)), edges: st.edges.filter((e) => !goneEdges.has(e.id)) }));
      return gone.size + edgesGone.length;
    },

    select(ids) {
      const want = new Set(ids);
      set({
        nodes: get().nodes.map((n) => (!!n.selected === want.has(n.id) ? n : { ...n, selected: want.has(n.id) })),
        edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      });
    },

    copySelection() {
      const s = get();
      const nodes = s.nodes.filter((n) => n.selected);
      if (!nodes.length) return null;
      const ids = new Set(nodes.map((n) => n.id));
      return {
        nodes: structuredClone(nodes.map(toFlowNode)),
        edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(toFlowEdge),
      };
    },

    paste(clip, offset) {
      const s = get();
      if (!s.meta) return { pasted: 0, skippedTriggers: 0 };
      const hasTrigger = s.nodes.some((n) => nodeTypeInfo(n.data.type)?.trigger);
      const takenNodes = new Set(s.nodes.map((n) => n.id));
      const takenEdges = new Set(s.edges.map((e) => e.id));
      const idMap = new Map<string, string>();
      let skippedTriggers = 0;
      const added: CanvasNode[] = [];
      for (const n of clip.nodes) {
        if (hasTrigger && nodeTypeInfo(n.type)?.trigger) {
          skippedTriggers++;
          continue;
        }
        const id = newNodeId(n.type, takenNodes);
        takenNodes.add(id);
        idMap.set(n.id, id);
        added.push({
          ...toCanvasNode({ ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } }),
          selected: true,
        });
      }
      const addedEdges: CanvasEdge[] = [];
      for (const e of clip.edges) {
        const source = idMap.get(e.source);
        const target = idMap.get(e.target);
        if (!source || !target) continue;
        const id = newEdgeId(takenEdges);
        takenEdges.add(id);
        addedEdges.push(toCanvasEdge({ ...e, id, source, target }));
      }
      if (added.length) {
        commit((st) => ({
          nodes: [...st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
          edges: [...st.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...addedEdges],
        }));
      }
      return { pasted: added.length, skippedTriggers };
    },

    undo() {
      const s = get();
      if (!s.meta) return;
      const r = undoHistory(s.history, snapshotOf(s));
      if (r) restore(r.snapshot, r.history);
    },

    redo() {
      const s = get();
      if (!s.meta) return;
      const r = redoHistory(s.history, snapshotOf(s));
      if (r) restore(r.snapshot, r.history);
    },
  };
});

/** Id of the only selected node, or null (selector-friendly: a string). */
export function selectedNodeId(s: Pick<FlowState, 'nodes'>): string | null {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (!n.selected) continue;
    if (found) return null;
    found = n.id;
  }
  return found;
}
