import type { FlowDocument, FlowNode, FlowEdge, FlowNote } from './schema.ts';

/**
 * Canonical form of a flow: fixed key order, params keys sorted, positions rounded, so that the
 * same flow always produces the same bytes (git-friendly diffs, exact export → import round-trip).
 */
export function canonicalFlow(flow: FlowDocument): FlowDocument {
  return {
    format: flow.format,
    id: flow.id,
    name: flow.name,
    description: flow.description ?? '',
    settings: {
      concurrency: flow.settings.concurrency,
      ...(flow.settings.businessKey ? { businessKey: flow.settings.businessKey } : {}),
      ...(flow.settings.safeStop ? { safeStop: sortKeys(flow.settings.safeStop) as FlowDocument['settings']['safeStop'] } : {}),
      ...(flow.settings.allowHosts?.length ? { allowHosts: [...flow.settings.allowHosts] } : {}),
    },
    nodes: flow.nodes.map(canonicalNode),
    edges: flow.edges.map(canonicalEdge),
    ...(flow.notes?.length ? { notes: flow.notes.map(canonicalNote) } : {}),
  };
}

function canonicalNote(note: FlowNote): FlowNote {
  return {
    id: note.id,
    position: { x: round(note.position.x), y: round(note.position.y) },
    ...(note.size ? { size: { width: round(note.size.width), height: round(note.size.height) } } : {}),
    text: note.text ?? '',
    ...(note.color ? { color: note.color } : {}),
  };
}

function canonicalNode(node: FlowNode): FlowNode {
  const out: FlowNode = {
    id: node.id,
    type: node.type,
    ...(node.name !== undefined && node.name !== '' ? { name: node.name } : {}),
    position: { x: round(node.position.x), y: round(node.position.y) },
    params: sortKeys(node.params) as Record<string, unknown>,
  };
  if (node.policy && Object.keys(node.policy).length) out.policy = sortKeys(node.policy) as FlowNode['policy'];
  if (node.notes) out.notes = node.notes;
  if (node.disabled) out.disabled = true;
  return out;
}

function canonicalEdge(edge: FlowEdge): FlowEdge {
  return { id: edge.id, source: edge.source, sourcePort: edge.sourcePort, target: edge.target, targetPort: edge.targetPort };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The text of an exported flow file: canonical, pretty-printed, newline-terminated. */
export function serializeFlow(flow: FlowDocument): string {
  return JSON.stringify(canonicalFlow(flow), null, 2) + '\n';
}
