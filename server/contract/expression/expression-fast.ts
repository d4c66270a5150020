/**
 * The expression fast path: constants ("text", 42, true, null) and plain field references
 * (name, address.city, `first name`, $.email) are worked out without the JSONata evaluator, which
 * costs an async walk with a hook per node even for `name`. Which expressions qualify is read
 * from JSONata's own parse tree, so the syntax is JSONata's exactly.
 *
 * A reference is answered here only where the result is certainly what JSONata gives: the record
 * is a plain object and every field on the way is an own field holding a plain object, text, a
 * number, true/false or null. Lists (which JSONata maps over and flattens), inherited names
 * (`constructor`), functions and every other case answer FALLBACK, and the caller asks JSONata.
 * expression-fast.test.ts compares both on a table of expressions and records.
 */

export const FALLBACK: unique symbol = Symbol('ask JSONata');

/** Works out the expression for one input, or FALLBACK. */
export type FastPath = (data: unknown) => unknown;

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

/** The fast path for a compiled expression's parse tree, or undefined when it needs JSONata. */
export function fastPathFor(ast: unknown): FastPath | undefined {
  const node = ast as AstNode;
  if (!node || typeof node !== 'object') return undefined;
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
