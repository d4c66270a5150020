import jsonata from 'jsonata';
import { NodeError } from '../node-error.ts';
import type { Json } from '../data.ts';
import { LinearRegExp, linearCompileProblem } from './linear-regex.ts';
import { FALLBACK, fastPathFor, type FastPath } from './expression-fast.ts';

/**
 * JSONata expressions as the core nodes use them: compiled once per source text and cached,
 * evaluated against a record, results cleaned into plain JSON.
 *
 * `where` arguments name the place the expression comes from, in words a person understands
 * ("the condition", 'the value of field "fullName"'); it starts the error messages.
 */

/**
 * Guardrails. Every evaluation has a budget of `EXPRESSION_BUDGET_MS` of its own computing time
 * (E_EXPRESSION_TIMEOUT past it) and hands the event loop back every `EXPRESSION_SLICE_MS`, so an
 * expression that loops keeps neither the studio nor other records waiting (JSONata awaits its
 * `__evaluate_entry` hook at every node it evaluates: the hook measures and yields there). Expressions
 * that can recurse (functions, $eval, ranges) also have a depth limit. `/regex/` literals run on
 * linear-time matching (`RegexEngine`), like every pattern a person writes.
 */
export const EXPRESSION_BUDGET_MS = 2000;
const EXPRESSION_SLICE_MS = 10;
const PLAIN_OPTIONS = { RegexEngine: LinearRegExp as unknown as RegExpConstructor };
const GUARDED_OPTIONS = { stack: 500, RegexEngine: LinearRegExp as unknown as RegExpConstructor };
const NEEDS_GUARDRAILS = /function|λ|\.\.|\$eval/;
const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const TIMEOUT_CODE = 'E_EXPRESSION_TIMEOUT';

interface Budget {
  /** When the current slice of computing started (performance.now()). */
  slice: number;
  /** Computing time used by the slices before it. */
  used: number;
}

/** Called by JSONata before it evaluates each node of the expression; `environment.base` is one evaluation's frame. */
function budgetHook(_expr: unknown, _input: unknown, environment: { base: { conveyorBudget?: Budget } }): Promise<void> | undefined {
  const base = environment.base;
  const now = performance.now();
  const budget = base.conveyorBudget;
  if (!budget) {
    base.conveyorBudget = { slice: now, used: 0 };
    return undefined;
  }
  if (now - budget.slice < EXPRESSION_SLICE_MS) return undefined;
  budget.used += now - budget.slice;
  if (budget.used > EXPRESSION_BUDGET_MS) throw { code: TIMEOUT_CODE, message: `It ran for more than ${EXPRESSION_BUDGET_MS / 1000} s` };
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      budget.slice = performance.now();
      resolve();
    }),
  );
}

/** The first `/regex/` literal of a compiled expression that linear-time matching refuses. */
function regexProblem(node: unknown, depth = 0): JsonataErrorLike | null {
  if (!node || typeof node !== 'object' || depth > 200) return null;
  const n = node as { type?: unknown; value?: unknown; position?: number };
  if (n.type === 'regex' && n.value instanceof RegExp) {
    const problem = linearCompileProblem(n.value.source, n.value.flags);
    if (problem) return { code: 'E_PATTERN_UNSUPPORTED', message: `The pattern /${n.value.source}/ cannot be used: ${problem}. Back-references and lookaround are not available (patterns run with linear-time matching)`, position: n.position };
  }
  for (const value of Array.isArray(node) ? node : Object.values(node)) {
    if (value && typeof value === 'object') {
      const found = regexProblem(value, depth + 1);
      if (found) return found;
    }
  }
  return null;
}
const CACHE_LIMIT = 10_000;

type Compiled = { ok: true; expr: jsonata.Expression; fast?: FastPath } | { ok: false; error: JsonataErrorLike };

/** Whether constants and plain field references skip the JSONata evaluator (expression-fast.ts); off only to measure the difference. */
let fastPathOn = true;
export function useExpressionFastPath(on: boolean): void {
  fastPathOn = on;
}

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
        const expr = jsonata(source, NEEDS_GUARDRAILS.test(source) ? GUARDED_OPTIONS : PLAIN_OPTIONS);
        const refused = source.includes('/') ? regexProblem(expr.ast()) : null;
        if (refused) entry = { ok: false, error: refused };
        else {
          expr.assign(ENTRY_HOOK as unknown as string, budgetHook);
          entry = { ok: true, expr, fast: fastPathFor(expr.ast()) };
        }
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
  const compiled = tryCompile(source);
  if (compiled.ok && compiled.fast && fastPathOn) {
    const quick = compiled.fast(data, bindings);
    if (quick !== FALLBACK) return toJson(quick);
  }
  const expr = compiled.ok ? compiled.expr : compile(source, where);
  let result: unknown;
  try {
    result = await expr.evaluate(data, bindings);
  } catch (err) {
    const code = asJsonataError(err).code;
    if (code === TIMEOUT_CODE || code === 'D1011') {
      throw new NodeError(
        'E_EXPRESSION_TIMEOUT',
        `${capitalize(where)} was stopped: ${code === TIMEOUT_CODE ? `it ran for more than ${EXPRESSION_BUDGET_MS / 1000} s of computing` : 'it nested deeper than 500 calls'} (in ${JSON.stringify(source.length > 120 ? `${source.slice(0, 117)}…` : source)}).`,
        'The expression does not end, or does far too much work for one record: check that a recursive function has a case where it stops calling itself, and that ranges ([1..n]) and loops stay small.',
        { cause: err },
      );
    }
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
