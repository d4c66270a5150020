import type { NodeTypeInfo } from '../api/types.ts';
import type { CanvasEdge, CanvasNode } from '../stores/flow-doc.ts';
import { FlowGraph } from '../../server/contract/graph.ts';

export interface ProposedConnection {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

function name(id: string, nodes: CanvasNode[], catalog: Record<string, NodeTypeInfo>): string {
  const n = nodes.find((x) => x.id === id);
  return n ? n.data.name || catalog[n.data.type]?.title || id : id;
}

/**
 * Why a connection must be refused, or null when it is fine. The rules are the flow checks' own
 * (server/contract/graph.ts); this words them with the nodes' names, shown to the person as is.
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
  const graph = new FlowGraph(edges.map((e) => ({ source: e.source, sourcePort: e.sourceHandle ?? 'out', target: e.target, targetPort: e.targetHandle ?? 'in' })));
  const targetInfo = catalog[target.data.type];
  const takesInput = !(targetInfo?.trigger || (targetInfo && targetInfo.inputs.length === 0));
  const refusal = graph.refusal({ source: c.source, sourcePort: c.sourceHandle ?? 'out', target: c.target, targetPort: c.targetHandle ?? 'in' }, takesInput);
  const label = (id: string) => `"${name(id, nodes, catalog)}"`;
  switch (refusal?.rule) {
    case undefined:
      return null;
    case 'self':
      return `A node cannot be connected to itself: connect ${label(source.id)} to another node.`;
    case 'into-trigger':
      return `${label(target.id)} is a trigger: records start there, so it takes no input.`;
    case 'duplicate':
      return `${label(source.id)} is already connected to ${label(target.id)} this way.`;
    case 'loop':
      return `This would make a loop (${refusal.cycle.map((id) => name(id, nodes, catalog)).join(' → ')}). Flows run forward only: connect to a node further along instead.`;
  }
}
