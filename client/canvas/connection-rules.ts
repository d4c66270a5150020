import type { NodeTypeInfo } from '../api/types.ts';
import type { CanvasEdge, CanvasNode } from '../stores/flow-doc.ts';

export interface ProposedConnection {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

function label(n: CanvasNode, catalog: Record<string, NodeTypeInfo>): string {
  return `"${n.data.name || catalog[n.data.type]?.title || n.id}"`;
}

/** Is `to` reachable from `from` following the edges? Returns the path when it is. */
function pathBetween(from: string, to: string, edges: CanvasEdge[]): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.source)) next.set(e.source, []);
    next.get(e.source)!.push(e.target);
  }
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length) {
    const n = queue.shift()!;
    if (n === to) {
      const path = [to];
      let c = to;
      while (prev.has(c)) {
        c = prev.get(c)!;
        path.unshift(c);
      }
      return path;
    }
    for (const m of next.get(n) ?? []) {
      if (seen.has(m)) continue;
      seen.add(m);
      prev.set(m, n);
      queue.push(m);
    }
  }
  return null;
}

/**
 * Why a connection must be refused, or null when it is fine: no self-connection, nothing into a
 * trigger, no duplicate edge, no cycle. The sentence is shown to the person as is.
 */
export function connectionProblem(
  c: ProposedConnection,
  nodes: CanvasNode[],
  edges: CanvasEdge[],
  catalog: Record<string, NodeTypeInfo>,
): string | null {
  if (!c.source || !c.target) return 'Drop the connection on a port of another node.';
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source || !target) return 'One of these nodes no longer exists.';
  if (c.source === c.target) return `A node cannot be connected to itself: connect ${label(source, catalog)} to another node.`;
  const targetInfo = catalog[target.data.type];
  if (targetInfo?.trigger || (targetInfo && targetInfo.inputs.length === 0)) {
    return `${label(target, catalog)} is a trigger: records start there, so it takes no input.`;
  }
  const sourcePort = c.sourceHandle ?? 'out';
  const targetPort = c.targetHandle ?? 'in';
  if (edges.some((e) => e.source === c.source && (e.sourceHandle ?? 'out') === sourcePort && e.target === c.target && (e.targetHandle ?? 'in') === targetPort)) {
    return `${label(source, catalog)} is already connected to ${label(target, catalog)} this way.`;
  }
  const back = pathBetween(c.target, c.source, edges);
  if (back) {
    const names = [...back, c.target].map((id) => {
      const n = nodes.find((x) => x.id === id);
      return n ? n.data.name || catalog[n.data.type]?.title || id : id;
    });
    return `This would make a loop (${names.join(' → ')}). Flows run forward only: connect to a node further along instead.`;
  }
  return null;
}
