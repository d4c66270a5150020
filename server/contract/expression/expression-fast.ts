/**
 * The expression fast path: constants ("text", 42, true, null), plain field references
 * (name, address.city, `first name`, $.email), arithmetic on them (`n * 3 + 1`), joining text
 * (`first & " " & last`) and $length, $uppercase and $lowercase of text are worked out without the
 * JSONata evaluator, which costs an async walk with a hook per node even for `name` (the 10-step
 * chain of bench/engine-chain.ts, `n * i + $length(name)`: JSONata was 5-7 % of its CPU, issue 17).
 * Which expressions qualify is read from JSONata's own parse tree, so the syntax is JSONata's exactly.
 *
 * A reference is answered here only where the result is certainly what JSONata gives: the record
 * is a plain object and every field on the way is an own field holding a plain object, text, a
 * number, true/false or null. Lists (which JSONata maps over and flattens), inherited names
 * (`constructor`), functions and every other case answer FALLBACK, and the caller asks JSONata.
 * Arithmetic is answered only on finite numbers (or a missing side: nothing), joining only on text
 * (or a missing side: ""), the functions only on text: anything else — numbers written as text,
 * JSONata's errors — goes to JSONata, which then gives its own answer or error. A function named in
 * the evaluation's bindings (`$length` given by the caller) is the caller's: JSONata again.
 * expression-fast.test.ts compares both on a table of expressions and records.
 */

export const FALLBACK: unique symbol = Symbol('ask JSONata');

/** Works out the expression for one input, or FALLBACK. `bindings`: the variables the evaluation is given. */
export type FastPath = (data: unknown, bindings?: Record<string, unknown>) => unknown;

interface AstNode {
  type?: string;
  value?: unknown;
  steps?: AstNode[];
  [key: string]: unknown;
}

/** Keys a plain step or literal carries; any other key (stages, focus, index, keepArray…) changes its meaning. */
const PLAIN_KEYS = new Set(['type', 'value', 'position']);

function isPlainNode(node: AstNode): boolean {
  for (const key of Object.keys(node)) if (!PLAIN_KEYS.has(key)) return false;
  return true;
}

/** Keys of a binary operation and of a function call with nothing attached (no predicate, stages, group…). */
const BINARY_KEYS = new Set(['type', 'value', 'position', 'lhs', 'rhs']);
const BLOCK_KEYS = new Set(['type', 'position', 'expressions']);
// A call's parse node also carries `name` (undefined for a plain call; checked in textCall).
const CALL_KEYS = new Set(['type', 'value', 'position', 'arguments', 'procedure', 'name']);

function hasOnly(node: AstNode, keys: Set<string>): boolean {
  for (const key of Object.keys(node)) if (!keys.has(key)) return false;
  return true;
}

/** JSONata's functions of one text argument answered here: what they give for a string. */
const TEXT_FUNCTIONS: Record<string, (text: string) => unknown> = {
  // Characters as JSONata counts them: code points (an emoji is one).
  length: (text) => {
    let n = 0;
    for (const _ of text) n++;
    return n;
  },
  uppercase: (text) => text.toUpperCase(),
  lowercase: (text) => text.toLowerCase(),
};

/** A side of arithmetic JSONata accepts without an error: a finite number, or nothing. */
function arithmeticOperand(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

function arithmetic(op: unknown, lhs: FastPath, rhs: FastPath): FastPath | undefined {
  const compute =
    op === '+' ? (a: number, b: number) => a + b
    : op === '-' ? (a: number, b: number) => a - b
    : op === '*' ? (a: number, b: number) => a * b
    : op === '/' ? (a: number, b: number) => a / b
    : op === '%' ? (a: number, b: number) => a % b
    : null;
  if (!compute) return undefined;
  return (data, bindings) => {
    const a = lhs(data, bindings);
    if (!arithmeticOperand(a)) return FALLBACK;
    const b = rhs(data, bindings);
    if (!arithmeticOperand(b)) return FALLBACK;
    return a === undefined || b === undefined ? undefined : compute(a as number, b as number);
  };
}

function join(lhs: FastPath, rhs: FastPath): FastPath {
  return (data, bindings) => {
    const a = lhs(data, bindings);
    if (a !== undefined && typeof a !== 'string') return FALLBACK;
    const b = rhs(data, bindings);
    if (b !== undefined && typeof b !== 'string') return FALLBACK;
    return (a ?? '') + (b ?? '');
  };
}

function textCall(node: AstNode): FastPath | undefined {
  const procedure = node.procedure as AstNode | undefined;
  const args = node.arguments as AstNode[] | undefined;
  if (node.value !== '(' || node.name !== undefined || !procedure || procedure.type !== 'variable' || !isPlainNode(procedure) || !Array.isArray(args) || args.length !== 1) return undefined;
  const name = procedure.value as string;
  const fn = Object.hasOwn(TEXT_FUNCTIONS, name) ? TEXT_FUNCTIONS[name] : undefined;
  const arg = fastPathFor(args[0]);
  if (!fn || !arg) return undefined;
  return (data, bindings) => {
    if (bindings && Object.hasOwn(bindings, name)) return FALLBACK;
    const text = arg(data, bindings);
    return typeof text === 'string' ? fn(text) : FALLBACK;
  };
}

/** The fast path for a compiled expression's parse tree, or undefined when it needs JSONata. */
export function fastPathFor(ast: unknown): FastPath | undefined {
  const node = ast as AstNode;
  if (!node || typeof node !== 'object') return undefined;
  if (node.type === 'binary' && hasOnly(node, BINARY_KEYS)) {
    const lhs = fastPathFor(node.lhs);
    const rhs = lhs && fastPathFor(node.rhs);
    if (!lhs || !rhs) return undefined;
    return node.value === '&' ? join(lhs, rhs) : arithmetic(node.value, lhs, rhs);
  }
  if (node.type === 'function' && hasOnly(node, CALL_KEYS)) return textCall(node);
  // Parentheses around one expression: `(n + 1) * 2`.
  if (node.type === 'block' && hasOnly(node, BLOCK_KEYS) && Array.isArray(node.expressions) && node.expressions.length === 1) return fastPathFor(node.expressions[0]);
  if ((node.type === 'string' || node.type === 'number' || node.type === 'value') && isPlainNode(node)) {
    const constant = node.value;
    return () => constant;
  }
  if (node.type !== 'path' || !Array.isArray(node.steps) || Object.keys(node).some((k) => k !== 'type' && k !== 'steps')) return undefined;
  const steps = node.steps;
  // `$.x` is `x`: the context variable `$` at the start of a path is the record itself.
  const start = steps[0]?.type === 'variable' && steps[0].value === '' && isPlainNode(steps[0]) ? 1 : 0;
  const names: string[] = [];
  for (let i = start; i < steps.length; i++) {
    const step = steps[i];
    if (step.type !== 'name' || typeof step.value !== 'string' || !isPlainNode(step)) return undefined;
    names.push(step.value);
  }
  if (names.length === 0) return undefined;
  return (data) => lookupPath(data, names);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lookupPath(data: unknown, names: string[]): unknown {
  if (!isPlainObject(data)) return FALLBACK;
  let current: unknown = data;
  for (let i = 0; i < names.length; i++) {
    // JSONata finds nothing in text, numbers, true/false and null, and the path ends there.
    if (!isPlainObject(current)) return current === null || typeof current !== 'object' && typeof current !== 'function' ? undefined : FALLBACK;
    const name = names[i];
    if (!Object.hasOwn(current, name)) return name in current ? FALLBACK : undefined;
    current = current[name];
  }
  if (current === undefined || current === null) return current;
  switch (typeof current) {
    case 'string':
    case 'number':
    case 'boolean':
      return current;
    case 'object':
      return Array.isArray(current) ? FALLBACK : current;
    default:
      return FALLBACK;
  }
}
