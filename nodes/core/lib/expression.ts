import jsonata from 'jsonata';
import { NodeError } from '../../sdk/node-error.ts';
import type { Json } from '../../sdk/types.ts';

/**
 * JSONata expressions as the core nodes use them: compiled once per source text and cached,
 * evaluated against a record, results cleaned into plain JSON.
 *
 * `where` arguments name the place the expression comes from, in words a person understands
 * ("the condition", 'the value of field "fullName"'); it starts the error messages.
 */

/** Guardrails for expressions that can loop (recursive functions, $eval, ranges). */
const GUARDED_OPTIONS = { timeout: 2000, stack: 500 } as const;
const NEEDS_GUARDRAILS = /function|λ|\.\.|\$eval/;
const CACHE_LIMIT = 10_000;

type Compiled = { ok: true; expr: jsonata.Expression } | { ok: false; error: JsonataErrorLike };

interface JsonataErrorLike {
  code?: string;
  message?: string;
  position?: number;
  token?: string;
}

const cache = new Map<string, Compiled>();

/** Compiles (or fetches from the cache) without throwing. */
export function tryCompile(source: string): Compiled {
  let entry = cache.get(source);
  if (entry === undefined) {
    try {
      if (source.trim() === '') {
        entry = { ok: false, error: { message: 'The expression is empty' } };
      } else {
        const options = NEEDS_GUARDRAILS.test(source) ? GUARDED_OPTIONS : undefined;
        entry = { ok: true, expr: jsonata(source, options) };
      }
    } catch (err) {
      entry = { ok: false, error: asJsonataError(err) };
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, entry);
  }
  return entry;
}

/** The syntax problem of an expression in plain words, or null when it is valid. */
export function expressionProblem(source: string): string | null {
  const compiled = tryCompile(source);
  return compiled.ok ? null : describeJsonataError(compiled.error, source);
}

/**
 * The syntax problem of an expression as data: JSONata's own sentence and the character
 * (1-based) where it noticed the mistake, when it says. Null when the expression compiles.
 */
export function expressionSyntaxError(source: string): { reason: string; position?: number } | null {
  const compiled = tryCompile(source);
  if (compiled.ok) return null;
  const { message, code, position } = compiled.error;
  const reason = message || (code ? `JSONata error ${code}` : 'unknown error');
  // JSONata counts the character after the offending token; clamp to the text so "the end" reads right.
  return typeof position === 'number' && position > 0 ? { reason, position: Math.min(position, source.length) } : { reason };
}

/** Compiles an expression; a syntax error becomes E_EXPRESSION_INVALID naming `where`. */
export function compile(source: string, where = 'the expression'): jsonata.Expression {
  const compiled = tryCompile(source);
  if (compiled.ok) return compiled.expr;
  throw new NodeError(
    'E_EXPRESSION_INVALID',
    `${capitalize(where)} is not a valid expression: ${describeJsonataError(compiled.error, source)}.`,
    'Correct the expression. Put text in double quotes ("like this"), write field names as they are (email, address.city) and put names with spaces in backticks (`first name`).',
  );
}

/**
 * Evaluates a JSONata expression with `data` as its input (`$`, and field names directly).
 * Returns plain JSON, or undefined when the expression found nothing.
 * Throws E_EXPRESSION_INVALID (syntax) or E_EXPRESSION_FAILED (could not be worked out for this data).
 */
export async function evaluate(source: string, data: unknown, where = 'the expression', bindings?: Record<string, unknown>): Promise<Json | undefined> {
  const expr = compile(source, where);
  let result: unknown;
  try {
    result = await expr.evaluate(data, bindings);
  } catch (err) {
    throw new NodeError(
      'E_EXPRESSION_FAILED',
      `${capitalize(where)} could not be worked out for this record: ${describeJsonataError(asJsonataError(err), source)}.`,
      'Check that the record has the fields the expression uses, holding the right kind of value. Values read from CSV are text: use $number(age) before doing arithmetic with them.',
      { cause: err },
    );
  }
  return toJson(result);
}

/** Truthiness with JSONata's $boolean rules; "found nothing" (undefined) is false. */
export function toBoolean(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    case 'object':
      if (Array.isArray(value)) {
        if (value.length === 1) return toBoolean(value[0]);
        return value.some((v) => toBoolean(v));
      }
      if (isJsonataFunction(value)) return false;
      for (const _key in value) return true;
      return false;
    default:
      return false;
  }
}

/**
 * Turns a JSONata result into plain JSON: functions → null, non-finite numbers → null,
 * undefined inside arrays → null, undefined object members dropped. Returns the very same
 * object when nothing needed changing (the common case), so it costs no copy.
 */
export function toJson(value: unknown): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'undefined':
      return undefined;
    case 'object':
      return value === null ? null : cleanObject(value);
    default:
      return null; // function, bigint, symbol
  }
}

function cleanObject(obj: object): Json {
  if (Array.isArray(obj)) {
    let copy: Json[] | undefined;
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      const cleaned = toJson(item) ?? null;
      if (copy === undefined && cleaned !== item) copy = obj.slice(0, i) as Json[];
      if (copy !== undefined) copy.push(cleaned);
    }
    return copy ?? (obj as Json[]);
  }
  if (isJsonataFunction(obj)) return null;
  let copy: { [key: string]: Json } | undefined;
  for (const key of Object.keys(obj)) {
    const item: unknown = (obj as Record<string, unknown>)[key];
    const cleaned = toJson(item);
    if (cleaned !== item) {
      copy ??= { ...(obj as { [key: string]: Json }) };
      if (cleaned === undefined) delete copy[key];
      else copy[key] = cleaned;
    }
  }
  return copy ?? (obj as { [key: string]: Json });
}

function isJsonataFunction(value: object): boolean {
  const v = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return v._jsonata_function === true || v._jsonata_lambda === true;
}

function asJsonataError(err: unknown): JsonataErrorLike {
  if (err && typeof err === 'object') return err as JsonataErrorLike;
  return { message: String(err) };
}

function describeJsonataError(error: JsonataErrorLike, source: string): string {
  let text = error.message || (error.code ? `JSONata error ${error.code}` : 'unknown error');
  if (typeof error.position === 'number' && error.position > 0) {
    text += ` (at character ${error.position} of ${JSON.stringify(source)})`;
  } else if (source.trim() !== '') {
    text += ` (in ${JSON.stringify(source)})`;
  }
  return text;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
