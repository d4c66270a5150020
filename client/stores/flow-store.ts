import { create } from 'zustand';
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import type { FlowDocument, FlowEdge, FlowNode, FlowNote } from '../../server/contract/flow/schema.ts';
import { newEdgeId, newNodeId } from '../lib/ids.ts';
import { allOutputIds, mainOutputs } from '../../server/contract/ports.ts';
import { nodeTypeInfo } from './catalog-store.ts';
import { copyName, defaultNodeName } from '../data/node-names.ts';
import { portEdits } from './port-renames.ts';
import { emptyHistory, record, redo as redoHistory, undo as undoHistory, type History } from './history.ts';
import {
  buildDocument,
  canonicalJson,
  isNoteId,
  metaOf,
  NOTE_PREFIX,
  NOTE_SIZE,
  toNoteNode,
  toCanvasEdge,
  toCanvasNode,
  toFlowEdge,
  toFlowNode,
  toFlowNote,
  type CanvasEdge,
  type CanvasNode,
  type FlowMeta,
  type FlowNodeData,
  type NoteData,
  type NoteNode,
  type Snapshot,
} from './flow-doc.ts';

export type { CanvasEdge, CanvasNode, FlowNodeData, FlowMeta, NoteNode } from './flow-doc.ts';

/** Where a new node hooks in: after an output port, or into an edge (replacing it by two). */
export type NodeLink = { from: { source: string; sourceHandle: string } } | { intoEdge: string };

/** What Ctrl+C keeps: selected nodes and the edges between them, and the flow they came from. */
export interface Clip {
  nodes: FlowNode[];
  edges: FlowEdge[];
  /** Sticky notes selected with the nodes (or alone): a group copied with the note that explains it keeps it. */
  notes?: FlowNote[];
  flowId?: string;
}

/** What a paste added (`notes`: sticky notes), and the triggers left out because the flow has one. */
export interface Pasted {
  pasted: number;
  notes: number;
  skippedTriggers: number;
}

interface FlowState {
  meta: FlowMeta | null;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** Sticky notes (React Flow nodes of type 'note', ids `note/…`). */
  notes: NoteNode[];
  /** The node added last (new nodes are placed next to it when nothing is selected). */
  lastAddedId: string | null;
  /** Canonical JSON of the last saved/loaded document. */
  savedJson: string;
  dirty: boolean;
  history: History<Snapshot>;

  load(doc: FlowDocument): void;
  clear(): void;
  document(): FlowDocument;
  markSaved(doc: FlowDocument): void;

  onNodesChange(changes: NodeChange<CanvasNode | NoteNode>[]): void;
  onEdgesChange(changes: EdgeChange<CanvasEdge>[]): void;
  addNode(type: string, position: XYPosition, link?: NodeLink): string | null;
  /** Moves nodes (and notes) to these positions as one undo step; `asOpened`: the flow opens so (no undo step, not a change). */
  setPositions(positions: Record<string, XYPosition>, opts?: { asOpened?: boolean }): void;
  /** Switches the selected nodes (triggers excepted) between disabled and enabled; returns how many. */
  toggleDisabled(ids?: string[]): number;
  duplicateSelection(offset: XYPosition): Pasted;
  addNote(position: XYPosition, size?: { width: number; height: number }): string | null;
  updateNote(id: string, patch: Partial<NoteData> & { width?: number; height?: number }, coalesceKey?: string): void;
  connect(c: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): string;
  updateNode(id: string, patch: Partial<FlowNodeData>, coalesceKey?: string): void;
  setMeta(patch: Partial<Omit<FlowMeta, 'id'>>, coalesceKey?: string): void;
  deleteSelection(): number;
  select(ids: string[]): void;
  /** Ctrl+A: every node and every sticky note (moved, deleted together). */
  selectAll(): void;
  copySelection(): Clip | null;
  paste(clip: Clip, offset: XYPosition): Pasted;
  undo(): void;
  redo(): void;
}

function snapshotOf(s: Pick<FlowState, 'meta' | 'nodes' | 'edges' | 'notes'>): Snapshot {
  return { meta: s.meta!, nodes: s.nodes.map(toFlowNode), edges: s.edges.map(toFlowEdge), notes: s.notes.map(toFlowNote) };
}

function isDirty(meta: FlowMeta, nodes: CanvasNode[], edges: CanvasEdge[], savedJson: string, notes: NoteNode[] = []): boolean {
  return canonicalJson(buildDocument(meta, nodes, edges, notes)) !== savedJson;
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

/**
 * Wires of a port whose name was erased in the form (`node#row` → its wires): the port is gone
 * while the name is retyped, and they come back on the row's new port name. Cleared on load.
 */
const parkedWires = new Map<string, Array<{ edge: CanvasEdge; at: number }>>();

/** The edges after hooking node `id` in: from an output port, or into an edge (which becomes two). */
function linkEdges(edges: CanvasEdge[], id: string, type: string, params: Record<string, unknown>, link: NodeLink): CanvasEdge[] {
  const info = nodeTypeInfo(type);
  const input = info?.inputs[0]?.id ?? 'in';
  const taken = new Set(edges.map((e) => e.id));
  const edge = (source: string, sourceHandle: string, target: string, targetHandle: string): CanvasEdge => {
    const eid = newEdgeId(taken);
    taken.add(eid);
    return { id: eid, source, sourceHandle, target, targetHandle };
  };
  if ('from' in link) return [...edges, edge(link.from.source, link.from.sourceHandle, id, input)];
  const old = edges.find((e) => e.id === link.intoEdge);
  const out = mainOutputs(info, params)[0]?.id;
  if (!old || !out || (info && info.inputs.length === 0)) return edges;
  return [...edges.filter((e) => e.id !== old.id), edge(old.source, old.sourceHandle ?? 'out', id, input), edge(id, out, old.target, old.targetHandle ?? 'in')];
}

export const useFlowStore = create<FlowState>((set, get) => {
  /** Applies a document mutation as one undo step (coalesced by key) and refreshes the dirty flag. */
  const commit = (mutate: (s: FlowState) => Partial<Pick<FlowState, 'meta' | 'nodes' | 'edges' | 'notes'>>, key: string | null = null) => {
    const s = get();
    if (!s.meta) return;
    const before = snapshotOf(s);
    const patch = mutate(s);
    const meta = patch.meta ?? s.meta;
    const nodes = patch.nodes ?? s.nodes;
    const edges = patch.edges ?? s.edges;
    const notes = patch.notes ?? s.notes;
    set({ meta, nodes, edges, notes, history: record(s.history, before, key), dirty: isDirty(meta, nodes, edges, s.savedJson, notes) });
  };

  const restore = (snap: Snapshot, history: History<Snapshot>) => {
    const s = get();
    const prevNodes = new Map(s.nodes.map((n) => [n.id, n]));
    const prevEdges = new Map(s.edges.map((e) => [e.id, e]));
    const nodes = snap.nodes.map((n) => toCanvasNode(n, prevNodes.get(n.id)));
    const edges = snap.edges.map((e) => toCanvasEdge(e, prevEdges.get(e.id)));
    const prevNotes = new Map(s.notes.map((n) => [n.id, n]));
    const notes = snap.notes.map((n) => toNoteNode(n, prevNotes.get(NOTE_PREFIX + n.id)));
    set({ meta: snap.meta, nodes, edges, notes, history, dirty: isDirty(snap.meta, nodes, edges, s.savedJson, notes) });
  };

  return {
    meta: null,
    nodes: [],
    edges: [],
    notes: [],
    lastAddedId: null,
    savedJson: '',
    dirty: false,
    history: emptyHistory<Snapshot>(),

    load(doc) {
      dragging = false;
      parkedWires.clear();
      set({
        meta: metaOf(doc),
        nodes: doc.nodes.map((n) => toCanvasNode(n)),
        edges: doc.edges.map((e) => toCanvasEdge(e)),
        notes: (doc.notes ?? []).map((n) => toNoteNode(n)),
        lastAddedId: null,
        savedJson: canonicalJson(doc),
        dirty: false,
        history: emptyHistory<Snapshot>(),
      });
    },

    clear() {
      set({ meta: null, nodes: [], edges: [], notes: [], lastAddedId: null, savedJson: '', dirty: false, history: emptyHistory<Snapshot>() });
    },

    document() {
      const s = get();
      if (!s.meta) throw new Error('No flow is open.');
      return buildDocument(s.meta, s.nodes, s.edges, s.notes);
    },

    markSaved(doc) {
      const s = get();
      const savedJson = canonicalJson(doc);
      set({ savedJson, dirty: s.meta ? isDirty(s.meta, s.nodes, s.edges, savedJson, s.notes) : false });
    },

    onNodesChange(allChanges) {
      const s = get();
      // Sticky notes share the canvas with the nodes: their changes go to `notes`.
      const ofNote = (c: NodeChange<CanvasNode | NoteNode>) => 'id' in c && isNoteId(c.id);
      const changes = allChanges.filter((c) => !ofNote(c)) as NodeChange<CanvasNode>[];
      const noteChanges = allChanges.filter(ofNote) as NodeChange<NoteNode>[];
      const resized = noteChanges.filter((c) => c.type === 'dimensions' && c.setAttributes);
      const applyNotes = () => (noteChanges.length ? applyNodeChanges(noteChanges, s.notes) : s.notes);
      const touchesDoc =
        resized.length > 0 ||
        [...changes, ...noteChanges].some((c) => c.type === 'position' || c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      if (!touchesDoc || !s.meta) {
        set({ nodes: changes.length ? applyNodeChanges(changes, s.nodes) : s.nodes, notes: applyNotes() });
        return;
      }
      const positions = [...changes, ...noteChanges].filter((c) => c.type === 'position');
      const dragMoves = positions.some((c) => c.type === 'position' && c.dragging) || resized.some((c) => c.type === 'dimensions' && c.resizing);
      const dragEnds = positions.some((c) => c.type === 'position' && c.dragging === false) || resized.some((c) => c.type === 'dimensions' && c.resizing === false);
      const structural = [...changes, ...noteChanges].some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      const moved = positions.some((c) => c.type === 'position' && c.position);
      let history = s.history;
      if (structural) history = record(history, snapshotOf(s));
      else if (dragMoves && !dragging) history = record(history, snapshotOf(s));
      else if (!dragging && !dragMoves && moved) history = record(history, snapshotOf(s), 'nudge');
      if (dragMoves) dragging = true;
      if (dragEnds) dragging = false;
      const nodes = changes.length ? applyNodeChanges(changes, s.nodes) : s.nodes;
      const notes = applyNotes();
      const edges = structural ? pruneEdges(nodes, s.edges) : s.edges;
      set({ nodes, edges, notes, history, dirty: isDirty(s.meta, nodes, edges, s.savedJson, notes) });
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

    addNode(type, position, link) {
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
        notes: s.notes.some((n) => n.selected) ? s.notes.map((n) => (n.selected ? { ...n, selected: false } : n)) : s.notes,
        edges: link ? linkEdges(s.edges, id, type, params, link) : s.edges,
      }));
      set({ lastAddedId: id });
      return id;
    },

    setPositions(positions, opts) {
      const s = get();
      if (!s.meta) return;
      const moveAll = <T extends CanvasNode | NoteNode>(list: T[]): T[] =>
        list.map((n) => (positions[n.id] && (positions[n.id].x !== n.position.x || positions[n.id].y !== n.position.y) ? { ...n, position: { ...positions[n.id] } } : n));
      if (opts?.asOpened) {
        const nodes = moveAll(s.nodes);
        const notes = moveAll(s.notes);
        // The flow opens laid out: that is its state as opened (saved with the next save), not an edit.
        set({ nodes, notes, savedJson: canonicalJson(buildDocument(s.meta, nodes, s.edges, notes)), dirty: s.dirty && isDirty(s.meta, nodes, s.edges, s.savedJson, notes) });
        return;
      }
      commit((st) => ({ nodes: moveAll(st.nodes), notes: moveAll(st.notes) }));
    },

    toggleDisabled(ids) {
      const s = get();
      const want = new Set(ids ?? s.nodes.filter((n) => n.selected).map((n) => n.id));
      const targets = s.nodes.filter((n) => want.has(n.id) && !nodeTypeInfo(n.data.type)?.trigger);
      if (!targets.length) return 0;
      // Mixed selection: disable all; all disabled: enable all.
      const disable = targets.some((n) => !n.data.disabled);
      const hit = new Set(targets.map((n) => n.id));
      commit((st) => ({
        nodes: st.nodes.map((n) => {
          if (!hit.has(n.id)) return n;
          const data = { ...n.data };
          if (disable) data.disabled = true;
          else delete data.disabled;
          return { ...n, data };
        }),
      }));
      return targets.length;
    },

    duplicateSelection(offset) {
      const clip = get().copySelection();
      if (!clip) return { pasted: 0, notes: 0, skippedTriggers: 0 };
      return get().paste(clip, offset);
    },

    addNote(position, size = NOTE_SIZE) {
      const s = get();
      if (!s.meta) return null;
      const taken = new Set(s.notes.map((n) => n.id));
      let id = '';
      do id = NOTE_PREFIX + newNodeId('note', new Set()); while (taken.has(id));
      const note: NoteNode = { ...toNoteNode({ id: id.slice(NOTE_PREFIX.length), position: { x: Math.round(position.x), y: Math.round(position.y) }, size, text: '', color: 'yellow' }), selected: true };
      commit((st) => ({
        nodes: st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        notes: [...st.notes.map((n) => (n.selected ? { ...n, selected: false } : n)), note],
      }));
      return id;
    },

    updateNote(id, patch, coalesceKey) {
      commit(
        (st) => ({
          notes: st.notes.map((n) => {
            if (n.id !== id) return n;
            const { width, height, ...data } = patch;
            return { ...n, ...(width ? { width } : {}), ...(height ? { height } : {}), data: { ...n.data, ...data } };
          }),
        }),
        coalesceKey ?? null,
      );
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
        const before = s.nodes.find((n) => n.id === id);
        const nodes = s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
        if (!patch.params || !before) return { nodes };
        // A port renamed in the form keeps its wires (also erased, then typed again); wires of ports
        // that are gone are dropped.
        const { renames, emptied, filled } = portEdits(nodeTypeInfo(before.data.type)?.dynamicOutputs, before.data.params, patch.params);
        const from = (e: CanvasEdge) => e.sourceHandle ?? 'out';
        let edges = renames.size ? s.edges.map((e) => (e.source === id && renames.has(from(e)) ? { ...e, sourceHandle: renames.get(from(e)) } : e)) : s.edges;
        for (const [row, old] of emptied) {
          parkedWires.set(`${id}#${row}`, edges.flatMap((edge, at) => (edge.source === id && from(edge) === old ? [{ edge, at }] : [])));
        }
        for (const [row, port] of filled) {
          const back = parkedWires.get(`${id}#${row}`) ?? [];
          parkedWires.delete(`${id}#${row}`);
          const taken = new Set(edges.map((e) => e.id));
          // Back where they were in the list, so the saved file does not change order.
          edges = [...edges];
          for (const { edge, at } of back) if (!taken.has(edge.id)) edges.splice(Math.min(at, edges.length), 0, { ...edge, sourceHandle: port });
        }
        return { nodes, edges: pruneEdges(nodes, edges) };
      }, coalesceKey ?? null);
    },

    setMeta(patch, coalesceKey) {
      commit((s) => ({ meta: { ...s.meta!, ...patch } }), coalesceKey ?? null);
    },

    deleteSelection() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const notesGone = new Set(s.notes.filter((n) => n.selected).map((n) => n.id));
      const edgesGone = s.edges.filter((e) => e.selected || gone.has(e.source) || gone.has(e.target));
      if (!gone.size && !edgesGone.length && !notesGone.size) return 0;
      const goneEdges = new Set(edgesGone.map((e) => e.id));
      commit((st) => ({ nodes: st.nodes.filter((n) => !gone.has(n.id)), edges: st.edges.filter((e) => !goneEdges.has(e.id)), notes: st.notes.filter((n) => !notesGone.has(n.id)) }));
      return gone.size + edgesGone.length + notesGone.size;
    },

    select(ids) {
      const want = new Set(ids);
      set({
        nodes: get().nodes.map((n) => (!!n.selected === want.has(n.id) ? n : { ...n, selected: want.has(n.id) })),
        edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        notes: get().notes.map((n) => (n.selected ? { ...n, selected: false } : n)),
      });
    },

    selectAll() {
      const mark = <T extends { selected?: boolean }>(list: T[]) => list.map((n) => (n.selected ? n : { ...n, selected: true }));
      set({ nodes: mark(get().nodes), notes: mark(get().notes) });
    },

    copySelection() {
      const s = get();
      const nodes = s.nodes.filter((n) => n.selected);
      const notes = s.notes.filter((n) => n.selected);
      if (!nodes.length && !notes.length) return null;
      const ids = new Set(nodes.map((n) => n.id));
      return {
        nodes: structuredClone(nodes.map(toFlowNode)),
        edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(toFlowEdge),
        ...(notes.length ? { notes: structuredClone(notes.map(toFlowNote)) } : {}),
        flowId: s.meta?.id,
      };
    },

    paste(clip, offset) {
      const s = get();
      if (!s.meta) return { pasted: 0, notes: 0, skippedTriggers: 0 };
      const hasTrigger = s.nodes.some((n) => nodeTypeInfo(n.data.type)?.trigger);
      const takenNodes = new Set(s.nodes.map((n) => n.id));
      const takenEdges = new Set(s.edges.map((e) => e.id));
      const idMap = new Map<string, string>();
      // Names shown for the nodes already there, and for each pasted one as it is added.
      const shownName = (n: { name?: string; type: string }) => n.name || nodeTypeInfo(n.type)?.title || '';
      const takenNames = s.nodes.map((n) => shownName(n.data));
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
        // A name no node has yet is kept as it is (also a node without a name of its own).
        const shown = shownName(n);
        const free = shown ? copyName(shown, takenNames) : shown;
        const name = free !== shown ? free : n.name;
        takenNames.push(free);
        added.push({
          ...toCanvasNode({ ...structuredClone(n), id, ...(name ? { name } : {}), position: { x: n.position.x + offset.x, y: n.position.y + offset.y } }),
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
      const takenNotes = new Set(s.notes.map((n) => n.id));
      const addedNotes: NoteNode[] = [];
      for (const n of clip.notes ?? []) {
        let id = '';
        do id = NOTE_PREFIX + newNodeId('note', new Set()); while (takenNotes.has(id));
        takenNotes.add(id);
        const position = { x: n.position.x + offset.x, y: n.position.y + offset.y };
        addedNotes.push({ ...toNoteNode({ ...structuredClone(n), id: id.slice(NOTE_PREFIX.length), position }), selected: true });
      }
      if (added.length || addedNotes.length) {
        commit((st) => ({
          nodes: [...st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
          edges: [...st.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...addedEdges],
          notes: [...st.notes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...addedNotes],
        }));
      }
      return { pasted: added.length, notes: addedNotes.length, skippedTriggers };
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
