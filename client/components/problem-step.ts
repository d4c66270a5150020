import { nodeTitle } from '../pages/use-node-names.ts';

type NodeLike = { id: string; data: { type: string; name?: string } };

/**
 * The step a flow problem is in, as the canvas names it ("HTTP request"), from its JSON path
 * (`$.nodes[3].policy.timeoutMs`) and the nodes in document order — a path alone makes the person
 * count nodes. Undefined when the path is not in a node, or the message names the step already
 * (the expression checks say `Step "…"`).
 */
export function problemStep(problem: { path: string; message: string }, nodes: readonly NodeLike[], byType: Record<string, { title?: string } | undefined>): string | undefined {
  const m = /^\$\.nodes\[(\d+)\]/.exec(problem.path);
  if (!m || problem.message.startsWith('Step "')) return undefined;
  const node = nodes[Number(m[1])];
  return node ? nodeTitle({ id: node.id, type: node.data.type, name: node.data.name }, byType) : undefined;
}

/** The nodes of a flow file being imported, read defensively (the file may be anything), as problemStep takes them. */
export function fileNodes(file: unknown): NodeLike[] {
  const nodes = file && typeof file === 'object' ? (file as { nodes?: unknown }).nodes : undefined;
  if (!Array.isArray(nodes)) return [];
  return nodes.map((n, i) => {
    const o = (n && typeof n === 'object' ? n : {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return { id: text(o.id) ?? `#${i + 1}`, data: { type: text(o.type) ?? '', name: text(o.name) } };
  });
}
