import { z } from 'zod';
import type { AnyNodeDefinition } from '../../nodes/sdk/types.ts';
import { checkSyntax, syntaxOf, type SyntaxMeta } from '../contract/expression/syntax.ts';
import { stepPolicySchema, type FlowNode } from '../contract/flow/schema.ts';
import { jsonPath, type FlowProblem } from '../contract/flow/problems.ts';

/**
 * Finds every expression, template and pattern a node carries — in its params (nested lists and
 * objects included, e.g. each field of Set fields) and in its step policy (pre/post-check, the
 * error map's patterns) — by walking the value along its JSON Schema, where the metadata says which
 * language a string is written in (see server/contract/expression/syntax.ts). Each is compiled once (the
 * compilers cache by text), so a flow with a mistake is refused before any record meets it.
 */

interface SchemaNode extends SyntaxMeta {
  title?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode | SchemaNode[];
  prefixItems?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
  definitions?: Record<string, SchemaNode>;
}

/** The JSON Schema of each node type's params, made once per schema object. */
const schemas = new WeakMap<z.ZodType, SchemaNode>();
let policySchema: SchemaNode | undefined;

function jsonSchemaOf(type: z.ZodType): SchemaNode {
  let schema = schemas.get(type);
  if (!schema) {
    schema = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
    schemas.set(type, schema);
  }
  return schema;
}

/** The syntax problems of one node (at `index` in the flow); `def` undefined: its policy only. */
export function nodeSyntaxProblems(node: FlowNode, index: number, def: AnyNodeDefinition | undefined): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const step = node.name ? `Step "${node.name}" (${node.id})` : `Step "${node.id}"`;
  const report = (segments: Array<string | number>, at: Array<string | number>, schema: SchemaNode, text: string) => {
    const kind = syntaxOf(schema);
    if (!kind) return;
    const path = jsonPath(['nodes', index, ...at, ...segments]);
    const problem = checkSyntax(kind, text, schema);
    if (!problem) return;
    const field = `${schema.title ? `"${schema.title}" ` : ''}(${fieldPath([at[0], ...segments].slice(at[0] === 'params' ? 1 : 0))})`;
    problems.push({
      path,
      code: problem.code,
      nodeId: node.id,
      ...(problem.position !== undefined ? { position: problem.position } : {}),
      message: `${step}, ${field}: ${problem.message} ${problem.hint}`,
    });
  };
  if (def && node.params && typeof node.params === 'object') {
    const root = jsonSchemaOf(def.params);
    walk(root, root, node.params, [], (segments, schema, text) => report(segments, ['params'], schema, text));
  }
  if (node.policy) {
    policySchema ??= z.toJSONSchema(stepPolicySchema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
    const root = policySchema;
    walk(root, root, node.policy, [], (segments, schema, text) => report(segments, ['policy'], schema, text));
  }
  // One problem per place, even when a value matched several alternatives of a union.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.path) && seen.add(p.path));
}

type Visit = (segments: Array<string | number>, schema: SchemaNode, text: string) => void;

/** Walks `value` along `schema`, calling `visit` for every string whose schema node says its syntax. */
function walk(schema: SchemaNode | undefined, root: SchemaNode, value: unknown, segments: Array<string | number>, visit: Visit, depth = 0): void {
  if (!schema || depth > 64) return;
  const s = resolve(schema, root);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(alt, root, value, segments, visit, depth + 1);
  if (typeof value === 'string') {
    visit(segments, s, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const itemSchema = s.prefixItems?.[i] ?? (Array.isArray(s.items) ? s.items[i] : s.items);
      walk(itemSchema, root, item, [...segments, i], visit, depth + 1);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
      walk(s.properties?.[key] ?? extra, root, item, [...segments, key], visit, depth + 1);
    }
  }
}

function resolve(schema: SchemaNode, root: SchemaNode): SchemaNode {
  let s = schema;
  for (let guard = 0; s.$ref && guard < 16; guard++) {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
    const target = m ? root[m[1] as '$defs' | 'definitions']?.[decodeURIComponent(m[2])] : undefined;
    const { $ref: _ref, ...rest } = s;
    s = { ...(target ?? {}), ...rest };
  }
  return s;
}

/** `fields[0].value`: the place inside params or policy, as a person reads it. */
function fieldPath(segments: Array<string | number>): string {
  return jsonPath(segments).replace(/^\$\.?/, '');
}
