import type { NodeRegistry } from '../../nodes/registry.ts';
import { flowSchema, flowNodeSchema, flowEdgeSchema, FLOW_FORMAT, type FlowDocument, type FlowNode, type FlowEdge } from '../contract/flow/schema.ts';
import { jsonPath, zodProblems, type FlowProblem } from '../contract/flow/problems.ts';
import { migrateFlow } from '../contract/flow/migrate.ts';
import { nodeSyntaxProblems } from './syntax-check.ts';
import { FlowGraph } from '../contract/graph.ts';
import { ConveyorError } from '../errors.ts';
import { tooDeepAt } from '../contract/json-depth.ts';

export type FlowCheck = { ok: true; flow: FlowDocument } | { ok: false; problems: FlowProblem[] };

/** Parses JSON text; a syntax error is reported as one problem at the root. */
export function parseFlowText(text: string, registry: NodeRegistry): FlowCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ path: '$', message: `The file is not valid JSON (${(err as Error).message}). Export the flow again or fix the syntax.` }] };
  }
  return validateFlow(raw, registry);
}

/**
 * Full check of a flow document: structure (zod), then meaning: known node types, valid params,
 * expressions, templates and patterns that compile, edges between existing ports, one trigger,
 * no cycles. Every problem is reported, not just the first.
 */
export function validateFlow(raw: unknown, registry: NodeRegistry): FlowCheck {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '$', message: `A flow file must be a JSON object with "format": "${FLOW_FORMAT}".` }] };
  }
  const deep = tooDeepAt(raw, MAX_DEPTH);
  if (deep) {
    return { ok: false, problems: [{ path: deep, message: `The flow nests values more than ${MAX_DEPTH} levels deep here; no flow needs that. Remove the nested value (the file may be damaged or hand-edited).` }] };
  }
  const migrated = migrateFlow(raw as Record<string, unknown>);
  if (!migrated.ok) return { ok: false, problems: [migrated.problem] };
  const parsed = flowSchema.safeParse(migrated.value);
  if (parsed.success) {
    const problems = checkGraph(parsed.data.nodes, parsed.data.edges, registry, true);
    return problems.length ? { ok: false, problems } : { ok: true, flow: parsed.data };
  }
  // Still check the meaning of every node and edge that is well-formed, so one answer lists everything.
  const doc = migrated.value;
  const nodes = Array.isArray(doc.nodes) ? doc.nodes.map((n) => flowNodeSchema.safeParse(n).data ?? withoutPolicy(n)) : [];
  const edges = Array.isArray(doc.edges) ? doc.edges.map((e) => flowEdgeSchema.safeParse(e).data ?? null) : [];
  const complete = nodes.every((n) => n !== null) && Array.isArray(doc.nodes);
  const malformedIds = new Set<string>();
  nodes.forEach((n, i) => {
    const id = n ? undefined : ((doc.nodes as unknown[])[i] as { id?: unknown } | null)?.id;
    if (typeof id === 'string') malformedIds.add(id);
  });
  const problems = [...zodProblems(parsed.error, [], doc), ...checkGraph(nodes, edges, registry, complete, malformedIds)];
  return { ok: false, problems: dedupe(problems) };
}

/**
 * A node whose only malformed part is its step policy, read without it: its params are still
 * checked in the same answer (they were reported only once the policy was fixed, one save later).
 */
function withoutPolicy(n: unknown): FlowNode | null {
  if (!n || typeof n !== 'object' || !('policy' in n)) return null;
  const { policy: _policy, ...rest } = n as Record<string, unknown>;
  return flowNodeSchema.safeParse(rest).data ?? null;
}

/** Deeper than any real flow: refused before anything walks the document recursively. */
const MAX_DEPTH = 64;

function dedupe(problems: FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Checks what the schema cannot: types, params, expressions, ports, ids, trigger, cycles. Entries that are null
 * were malformed (already reported) and are skipped; `complete` says whether every node was readable.
 */
function checkGraph(
  nodes: Array<FlowNode | null>,
  edges: Array<FlowEdge | null>,
  registry: NodeRegistry,
  complete: boolean,
  malformedIds: ReadonlySet<string> = new Set(),
): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const nodeIndex = new Map<string, number>();
  let triggers = 0;

  nodes.forEach((node, i) => {
    if (!node) return;
    if (nodeIndex.has(node.id)) {
      problems.push({ path: jsonPath(['nodes', i, 'id']), message: `Node id "${node.id}" is used twice: give each node its own id.` });
    }
    nodeIndex.set(node.id, i);
    const def = registry.get(node.type);
    if (!def) {
      problems.push({ path: jsonPath(['nodes', i, 'type']), message: `Unknown node type "${node.type}": this Conveyor has no such node. Remove the node or install the connector that provides it.` });
      problems.push(...nodeSyntaxProblems(node, i, undefined));
      return;
    }
    if (def.trigger) triggers++;
    const params = def.params.safeParse(node.params);
    // A field whose own rule (zod) and whose syntax check both object is reported once, by the
    // syntax check: it says where in the text the mistake is.
    const syntax = nodeSyntaxProblems(node, i, def);
    const syntaxPaths = new Set(syntax.map((p) => p.path));
    if (!params.success) problems.push(...zodProblems(params.error, ['nodes', i, 'params'], node.params).filter((p) => !syntaxPaths.has(p.path)));
    problems.push(...syntax);
  });

  if (complete && nodes.length > 0 && triggers === 0) {
    problems.push({ path: '$.nodes', message: 'The flow has no trigger: add a trigger node (for example "Manual trigger") so records can enter it.' });
  }
  if (triggers > 1) {
    problems.push({ path: '$.nodes', message: `The flow has ${triggers} triggers: keep exactly one.` });
  }

  const edgeIds = new Set<string>();
  // The connection rules (self, duplicate, loop) are the canvas's too: server/contract/graph.ts.
  const graph = new FlowGraph();
  let cycle: string[] | null = null;
  edges.forEach((edge, i) => {
    if (!edge) return;
    if (edgeIds.has(edge.id)) problems.push({ path: jsonPath(['edges', i, 'id']), message: `Edge id "${edge.id}" is used twice: give each edge its own id.` });
    edgeIds.add(edge.id);
    const si = nodeIndex.get(edge.source);
    const ti = nodeIndex.get(edge.target);
    if (si === undefined && !malformedIds.has(edge.source)) problems.push({ path: jsonPath(['edges', i, 'source']), message: `The edge starts at node "${edge.source}", which does not exist: remove the edge or fix the id.` });
    if (ti === undefined && !malformedIds.has(edge.target)) problems.push({ path: jsonPath(['edges', i, 'target']), message: `The edge ends at node "${edge.target}", which does not exist: remove the edge or fix the id.` });
    if (si === undefined || ti === undefined) return;
    const refusal = graph.refusal(edge, true);
    if (refusal?.rule === 'self') {
      problems.push({ path: jsonPath(['edges', i]), message: 'A node cannot be connected to itself: remove this edge.' });
      return;
    }
    const source = nodes[si]!;
    const target = nodes[ti]!;
    const sourceDef = registry.get(source.type);
    const targetDef = registry.get(target.type);
    if (sourceDef) {
      const ports = registry.outputPorts(source.type, source.params).map((p) => p.id);
      if (!ports.includes(edge.sourcePort)) {
        problems.push({ path: jsonPath(['edges', i, 'sourcePort']), message: `Node "${source.id}" has no output "${edge.sourcePort}" (it has ${ports.map((p) => `"${p}"`).join(', ')}): connect from one of those.` });
      }
    }
    if (targetDef) {
      // A trigger's empty input list answers the "into a trigger" rule with the ports it does have.
      const ports = targetDef.inputs.map((p) => p.id);
      if (!ports.includes(edge.targetPort)) {
        problems.push({
          path: jsonPath(['edges', i, 'targetPort']),
          message: ports.length
            ? `Node "${target.id}" has no input "${edge.targetPort}" (it has ${ports.map((p) => `"${p}"`).join(', ')}): connect to one of those.`
            : `Node "${target.id}" is a trigger and takes no input: remove this edge.`,
        });
      }
    }
    if (refusal?.rule === 'duplicate') {
      problems.push({ path: jsonPath(['edges', i]), message: 'This connection exists twice: remove the duplicate edge.' });
      return;
    }
    if (refusal?.rule === 'loop') cycle ??= refusal.cycle;
    graph.add(edge);
  });

  if (cycle) {
    problems.push({ path: '$.edges', message: `The flow loops back on itself (${(cycle as string[]).join(' → ')}): remove one of these connections; loops are not supported.` });
  }
  return problems;
}

/** A flow refused: every problem, each with its path (E_FLOW_INVALID, HTTP 422). */
export function invalid(problems: FlowProblem[]): ConveyorError {
  const n = problems.length;
  return new ConveyorError('E_FLOW_INVALID', `The flow has ${n} problem${n === 1 ? '' : 's'}.`, 'Fix each problem listed (the path says where) and try again.', 422, { problems });
}
