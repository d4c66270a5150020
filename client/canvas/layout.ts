import type { ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk.bundled.js';

/** A node as the layout sees it: its size and its ports in the order the card shows them. */
export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  position?: { x: number; y: number };
  /** Input port ids (left side). */
  inputs: string[];
  /** Main output port ids, top to bottom (right side). */
  outputs: string[];
  /** The error port's id (bottom side); 'error' when not given. */
  errorPort?: string;
}

export interface LayoutEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export type Positions = Record<string, { x: number; y: number }>;

/** Gaps between cards (flow units). */
export const LAYER_GAP = 72;
export const NODE_GAP = 44;
/** Room between the main path and the error branches under it. */
export const ERROR_BRANCH_GAP = 90;
/** Wider than tall, like the canvas next to the palette and inspector. */
const ASPECT_RATIO = 1.7;

/** ELK is big (~1.4 MB): loaded the first time a flow is laid out, not with the studio. */
let elk: Promise<{ layout(graph: ElkNode): Promise<ElkNode> }> | null = null;
function loadElk() {
  elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  return elk;
}
const SEP = '\u0001';

function errorPortOf(n: LayoutNode | undefined): string {
  return n?.errorPort ?? 'error';
}

/** Edges leaving a node's error port. */
function isErrorEdge(e: LayoutEdge, byId: Map<string, LayoutNode>): boolean {
  return e.sourcePort === errorPortOf(byId.get(e.source));
}

/**
 * The main path is every node reached from a node without inputs (the trigger, loose nodes) by
 * following regular outputs; what is only reached through an error port is an error branch.
 */
export function splitErrorBranches(nodes: LayoutNode[], edges: LayoutEdge[]): { main: Set<string>; branch: Set<string> } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const incoming = new Set(edges.map((e) => e.target));
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (isErrorEdge(e, byId)) continue;
    if (!next.has(e.source)) next.set(e.source, []);
    next.get(e.source)!.push(e.target);
  }
  const main = new Set<string>();
  const queue = nodes.filter((n) => !incoming.has(n.id)).map((n) => n.id);
  while (queue.length) {
    const id = queue.shift()!;
    if (main.has(id) || !byId.has(id)) continue;
    main.add(id);
    for (const m of next.get(id) ?? []) queue.push(m);
  }
  const branch = new Set(nodes.filter((n) => !main.has(n.id)).map((n) => n.id));
  return { main, branch };
}

function elkGraph(nodes: LayoutNode[], edges: LayoutEdge[], wrap: boolean): ElkNode {
  const ports = (n: LayoutNode): ElkPort[] => {
    const list: ElkPort[] = [];
    let index = 0;
    for (const p of n.outputs) list.push({ id: n.id + SEP + p, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(index++) } });
    list.push({ id: n.id + SEP + errorPortOf(n), layoutOptions: { 'elk.port.side': 'SOUTH', 'elk.port.index': String(index++) } });
    for (const p of n.inputs) list.push({ id: n.id + SEP + p, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(index++) } });
    return list;
  };
  const known = new Map(nodes.map((n) => [n.id, new Set([...n.inputs, ...n.outputs, errorPortOf(n)])]));
  const extra = new Map<string, ElkPort[]>();
  const portId = (node: string, port: string, side: 'EAST' | 'WEST') => {
    if (!known.get(node)!.has(port)) {
      known.get(node)!.add(port);
      if (!extra.has(node)) extra.set(node, []);
      extra.get(node)!.push({ id: node + SEP + port, layoutOptions: { 'elk.port.side': side } });
    }
    return node + SEP + port;
  };
  // Built before the children: a port an edge names but the node does not list is added to `extra`.
  const elkEdges: ElkExtendedEdge[] = edges.map((e, i) => ({
    id: `e${i}`,
    sources: [portId(e.source, e.sourcePort, 'EAST')],
    targets: [portId(e.target, e.targetPort, 'WEST')],
  }));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
      'elk.spacing.nodeNode': String(NODE_GAP),
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      ...(wrap ? { 'elk.layered.wrapping.strategy': 'MULTI_EDGE', 'elk.aspectRatio': String(ASPECT_RATIO) } : {}),
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.width,
      height: n.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [...ports(n), ...(extra.get(n.id) ?? [])],
    })),
    edges: elkEdges,
  };
}

async function layoutPart(nodes: LayoutNode[], edges: LayoutEdge[], wrap: boolean): Promise<{ positions: Positions; width: number; height: number }> {
  if (!nodes.length) return { positions: {}, width: 0, height: 0 };
  const ids = new Set(nodes.map((n) => n.id));
  const inside = edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  const out = await (await loadElk()).layout(elkGraph(nodes, inside, wrap));
  const positions: Positions = {};
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const c of out.children ?? []) {
    const x = c.x ?? 0;
    const y = c.y ?? 0;
    positions[c.id] = { x, y };
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + (c.width ?? 0));
    maxY = Math.max(maxY, y + (c.height ?? 0));
  }
  for (const p of Object.values(positions)) {
    p.x -= minX;
    p.y -= minY;
  }
  return { positions, width: maxX - minX, height: maxY - minY };
}

/** Groups of error-branch nodes that hang together (by any edge between them). */
function components(ids: Set<string>, edges: LayoutEdge[]): string[][] {
  const parent = new Map([...ids].map((id) => [id, id]));
  const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x)!));
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target)) parent.set(find(e.source), find(e.target));
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const r = find(id);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(id);
  }
  return [...groups.values()];
}

/**
 * Lays a flow out left to right in layers (ELK layered): ports keep their sides and order, a long
 * path wraps into rows so the flow stays about as wide as the canvas, and the nodes reached only
 * through error ports go below the main path, each branch under the nodes whose errors it takes.
 * Returns the top-left position of every node; the flow's top-left corner stays where it was.
 */
export async function layoutFlow(nodes: LayoutNode[], edges: LayoutEdge[]): Promise<Positions> {
  if (!nodes.length) return {};
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const { main, branch } = splitErrorBranches(nodes, edges);
  const mainNodes = nodes.filter((n) => main.has(n.id));
  const mainEdges = edges.filter((e) => !isErrorEdge(e, byId));
  const top = await layoutPart(mainNodes, mainEdges, mainNodes.length > 4);
  const positions: Positions = { ...top.positions };

  // Error branches: under the main path, centred under the nodes whose errors they handle.
  const y = mainNodes.length ? top.height + ERROR_BRANCH_GAP : 0;
  const placed: Array<{ x: number; width: number; ids: string[]; part: Positions }> = [];
  for (const group of components(branch, edges)) {
    const set = new Set(group);
    const part = await layoutPart(
      group.map((id) => byId.get(id)!),
      edges.filter((e) => set.has(e.source) && set.has(e.target)),
      false,
    );
    const sources = edges.filter((e) => set.has(e.target) && positions[e.source]).map((e) => positions[e.source].x + byId.get(e.source)!.width / 2);
    const want = sources.length ? sources.reduce((a, b) => a + b, 0) / sources.length - part.width / 2 : 0;
    placed.push({ x: Math.max(0, want), width: part.width, ids: group, part: part.positions });
  }
  placed.sort((a, b) => a.x - b.x);
  let right = -Infinity;
  for (const p of placed) {
    const x = Math.max(p.x, right + NODE_GAP);
    for (const id of p.ids) positions[id] = { x: p.part[id].x + x, y: p.part[id].y + y };
    right = x + p.width;
  }

  // Keep the flow's top-left corner where it was, so the view does not jump away.
  const old = nodes.filter((n) => n.position);
  const ox = old.length ? Math.min(...old.map((n) => n.position!.x)) : 0;
  const oy = old.length ? Math.min(...old.map((n) => n.position!.y)) : 0;
  const out: Positions = {};
  for (const [id, p] of Object.entries(positions)) out[id] = { x: Math.round(p.x + ox), y: Math.round(p.y + oy) };
  return out;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Whether a flow opens laid out automatically: when two of its nodes overlap (positions missing or
 * all the same), or when it is a long strip — six nodes or more, its extent more than four times
 * wider than tall (or taller than wide) — which cannot be read at fit view.
 */
export function needsLayout(boxes: Box[]): boolean {
  if (boxes.length < 2) return false;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i], boxes[j])) return true;
  if (boxes.length < 6) return false;
  const minX = Math.min(...boxes.map((b) => b.x));
  const minY = Math.min(...boxes.map((b) => b.y));
  const w = Math.max(...boxes.map((b) => b.x + b.width)) - minX;
  const h = Math.max(...boxes.map((b) => b.y + b.height)) - minY;
  return w > 4 * h || h > 4 * w;
}
