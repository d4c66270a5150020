import { checkSyntax, syntaxOf } from '../../server/contract/expression/syntax.ts';

/** The subset of JSON Schema (as zod's toJSONSchema writes it) that the generated forms understand. */
export interface JSONSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  /** `lines`: a list of strings edited as a text area, one item per line. */
  widget?: 'expression' | 'textarea' | 'template' | 'credential' | 'lines' | string;
  /** The language of a text setting beyond its widget ('regex', 'url-pattern'; see server/contract/expression/syntax.ts). */
  syntax?: string;
  /** With an expression: empty means "none" (a step's pre-check). */
  allowEmpty?: boolean;
  /** With `widget: 'file'`: the largest file the param keeps, in bytes. */
  maxBytes?: number;
  /** With `widget: 'credential'`: the credential kind(s) the param accepts. */
  kind?: string | string[];
  placeholder?: string;
  /** What one element of a list is called ("rule"), for its "Add …" button; else derived from the title. */
  itemLabel?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  allOf?: JSONSchema[];
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: boolean | JSONSchema;
  items?: JSONSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** What the rule says when the value breaks `pattern` (server/contract/form-schema.ts). */
  patternMessage?: string;
  format?: string;
  readOnly?: boolean;
  $ref?: string;
  $defs?: Record<string, JSONSchema>;
  definitions?: Record<string, JSONSchema>;
}

export type FieldKind =
  | 'string'
  | 'textarea'
  | 'expression'
  | 'template'
  | 'credential'
  | 'flow'
  | 'file'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'array'
  | 'lines'
  | 'object'
  | 'record'
  | 'json';

/** Resolves $ref (local), merges allOf and unwraps `X | null` so a field sees one plain schema. */
export function resolveSchema(schema: JSONSchema | undefined, root: JSONSchema): JSONSchema & { nullable?: boolean } {
  if (!schema) return {};
  let s: JSONSchema & { nullable?: boolean } = schema;
  for (let guard = 0; s.$ref && guard < 16; guard++) {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
    const target = m ? (root[m[1] as '$defs' | 'definitions'] ?? {})[decodeURIComponent(m[2])] : undefined;
    const { $ref: _ref, ...rest } = s;
    s = { ...(target ?? {}), ...rest };
  }
  if (s.allOf?.length) {
    const { allOf, ...rest } = s;
    s = Object.assign({}, ...allOf.map((x) => resolveSchema(x, root)), rest);
  }
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) {
    const nonNull = alts.filter((a) => a.type !== 'null');
    const hasNull = nonNull.length < alts.length;
    const consts = nonNull.map((a) => resolveSchema(a, root));
    if (consts.length && consts.every((c) => c.const !== undefined || (c.enum && c.enum.length))) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      return { ...rest, enum: consts.flatMap((c) => (c.const !== undefined ? [c.const] : c.enum!)), nullable: hasNull || undefined };
    }
    if (nonNull.length === 1) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      return { ...resolveSchema(nonNull[0], root), ...rest, nullable: hasNull || undefined };
    }
  }
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== 'null');
    if (types.length === 1) return { ...s, type: types[0], nullable: s.type.length > types.length || undefined };
  }
  return s;
}

export function fieldKind(s: JSONSchema): FieldKind {
  if (s.enum && s.enum.length) return 'enum';
  if (s.const !== undefined) return 'enum';
  const type = Array.isArray(s.type) ? undefined : s.type;
  switch (type) {
    case 'string':
      if (s.widget === 'expression') return 'expression';
      if (s.widget === 'textarea' || s.widget === 'code') return 'textarea';
      if (s.widget === 'template') return 'template';
      if (s.widget === 'credential') return 'credential';
      if (s.widget === 'flow') return 'flow';
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return s.widget === 'lines' ? 'lines' : 'array';
    case 'object':
      if (s.widget === 'file') return 'file';
      if (s.properties && Object.keys(s.properties).length) return 'object';
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return 'record';
      return 'json';
    default:
      if (s.properties) return 'object';
      return 'json';
  }
}

/** Value for a new field or array item: the schema's default, else an empty value of its kind. */
export function initialValue(schema: JSONSchema, root: JSONSchema): unknown {
  const s = resolveSchema(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  switch (fieldKind(s)) {
    case 'string':
    case 'textarea':
    case 'expression':
    case 'template':
    case 'credential':
    case 'flow':
      return '';
    case 'boolean':
      return false;
    case 'enum':
      return s.const !== undefined ? s.const : s.enum?.[0];
    case 'array':
    case 'lines':
      return [];
    case 'record':
      return {};
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        const req = s.required?.includes(k);
        const v = initialValue(p, root);
        if (req || resolveSchema(p, root).default !== undefined) out[k] = v;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * Kinds whose empty look (an empty list, an empty editor) is not how they run when the flow leaves
 * the param out: the step then takes the schema's default ("{{ email }}", a selector list). Text
 * and number inputs show such a default as their placeholder instead (cleared, they fall back to it).
 */
const SHOWN_DEFAULT_KINDS: ReadonlySet<FieldKind> = new Set(['array', 'lines', 'expression', 'template', 'textarea']);

/** What a field shows: its value, or — when the param is left out — the default the step will use. */
export function shownValue(schema: JSONSchema, value: unknown): unknown {
  if (value !== undefined || schema.default === undefined) return value;
  return SHOWN_DEFAULT_KINDS.has(fieldKind(schema)) ? schema.default : value;
}

/**
 * Whether a select offers an empty choice. A param with a default never runs without a value (left
 * out, it takes the default, which the select shows), so an empty choice there would snap back.
 */
export function offersEmptyChoice(schema: JSONSchema & { nullable?: boolean }, required: boolean, known: boolean): boolean {
  if (!known || schema.nullable) return true;
  return !required && schema.default === undefined;
}

export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export function labelOf(key: string, s: JSONSchema): string {
  return s.title || humanize(key);
}

/** A short sentence when the value breaks the schema (shown under the field), else null. */
export function fieldProblem(s: JSONSchema, value: unknown, required: boolean): string | null {
  const empty = value === undefined || value === null || value === '';
  if (empty) return required && !(s as { nullable?: boolean }).nullable && s.default === undefined ? 'Required.' : null;
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) return s.minLength === 1 ? 'Required.' : `At least ${s.minLength} characters.`;
    if (s.maxLength !== undefined && value.length > s.maxLength) return `At most ${s.maxLength} characters.`;
    if (s.pattern) {
      try {
        if (!new RegExp(s.pattern).test(value)) return patternProblem(s);
      } catch {
        /* ignore bad patterns */
      }
    }
    // Expressions, templates and patterns: the same check as flow validation, as it is typed.
    const syntax = syntaxOf(s);
    const mistake = syntax && checkSyntax(syntax, value, s);
    if (mistake) return mistake.message;
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) return `At least ${s.minimum}.`;
    if (s.maximum !== undefined && value > s.maximum && s.maximum < Number.MAX_SAFE_INTEGER) return `At most ${s.maximum}.`;
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return `More than ${s.exclusiveMinimum}.`;
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) return `Less than ${s.exclusiveMaximum}.`;
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return `Add at least ${s.minItems}.`;
    if (s.maxItems !== undefined && value.length > s.maxItems) return `At most ${s.maxItems}.`;
  }
  return null;
}

/** The rule's own sentence for a value its pattern refuses ("must look like E_SOMETHING" → "Must look like E_SOMETHING."), else a generic one. */
function patternProblem(s: JSONSchema): string {
  const m = s.patternMessage?.trim();
  if (!m) return 'Not in the expected format.';
  const sentence = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** "fields.0.value" — stable id of a field inside the form, used for test ids and labels. */
export function joinPath(base: string, key: string | number): string {
  return base ? `${base}.${key}` : String(key);
}
