import type { FlowDocument } from '../contract/flow/schema.ts';
import type { FlowProblem } from '../contract/flow/problems.ts';

/** The Run flow node type (nodes/flow/run-flow.ts); spelled here so flow checks need no node code. */
const RUN_FLOW = 'flow.run';

/**
 * Flows calling flows, checked when a flow is saved or imported: a Run flow step that calls its own
 * flow, or a flow that leads back to it through the saved flows it calls, is refused with
 * E_FLOW_RECURSION. (A cycle made later by editing another flow is caught there, or at run time.)
 */
export async function flowCallProblems(doc: FlowDocument, load: (id: string) => Promise<FlowDocument | null>): Promise<FlowProblem[]> {
  const problems: FlowProblem[] = [];
  for (const [i, node] of doc.nodes.entries()) {
    const target = calledFlow(node);
    if (!target) continue;
    const path = await pathBack(target, doc.id, load);
    if (path) {
      problems.push({
        path: `$.nodes[${i}].params.flowId`,
        nodeId: node.id,
        code: 'E_FLOW_RECURSION',
        message: path.length === 0
          ? 'This Run flow step starts the flow it is in: it would start itself again and again. Choose another flow.'
          : `This Run flow step starts "${target}", which leads back to this flow (${[doc.id, target, ...path].join(' → ')}): the calls would never end. Choose another flow.`,
      });
    }
  }
  return problems;
}

function calledFlow(node: FlowDocument['nodes'][number]): string | null {
  if (node.type !== RUN_FLOW) return null;
  const id = (node.params as { flowId?: unknown } | undefined)?.flowId;
  return typeof id === 'string' && id.trim() ? id.trim() : null;
}

/** The flows from `from` back to `home` (empty when from is home), or null when there is no way back. */
async function pathBack(from: string, home: string, load: (id: string) => Promise<FlowDocument | null>): Promise<string[] | null> {
  if (from === home) return [];
  const seen = new Set<string>([from]);
  const queue: Array<{ id: string; path: string[] }> = [{ id: from, path: [] }];
  while (queue.length) {
    const { id, path } = queue.shift()!;
    const doc = await load(id);
    for (const node of doc?.nodes ?? []) {
      const next = calledFlow(node);
      if (!next) continue;
      if (next === home) return [...path, home];
      if (seen.has(next) || seen.size > 1_000) continue;
      seen.add(next);
      queue.push({ id: next, path: [...path, next] });
    }
  }
  return null;
}
