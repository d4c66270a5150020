import type { z } from 'zod';

/** One thing wrong with a flow file: where (a JSON path like `$.nodes[2].params.url`) and what to do. */
export interface FlowProblem {
  path: string;
  message: string;
  /** Set on problems that have their own error code, e.g. E_EXPRESSION_INVALID for a bad expression. */
  code?: string;
  /** The node the problem is in, when it is in one node's settings. */
  nodeId?: string;
  /** 1-based character in the field's text where the mistake is (expressions, templates, patterns). */
  position?: number;
}

export function jsonPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * Turns zod issues into sentences a person can act on. `input` is the value that was checked: a
 * field's own value is read from it to tell one that is missing from one of the wrong kind (zod's
 * issues carry neither unless asked to, and then not undefined). Only the value's kind is named,
 * never the value: it may be a secret. `root` names the whole value when it is what is wrong.
 */
export function zodProblems(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = [], input?: unknown, root = 'The file'): FlowProblem[] {
  return error.issues.map((issue) => {
    const path = jsonPath([...prefix, ...issue.path]);
    return { path, message: describeIssue(issue, valueAt(input, issue.path), root) };
  });
}

/** The value at `path` inside `input`, or undefined where the path leads nowhere. */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** The field a path ends at; an item of a list with its list's name (`records[0]`, not `0`). */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  const last = path[path.length - 1];
  const before = path[path.length - 2];
  return typeof last === 'number' && before !== undefined ? `${String(before)}[${last}]` : String(last);
}

/** zod's name of an expected type, as a person says it. */
const KIND_NAMES: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', record: 'an object', array: 'a list', null: 'null' };

/** What kind of value `v` is, never the value itself. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number' && Number.isNaN(v)) return 'not a number';
  // 1e999 is read as Infinity and 1.5 is no whole number: "must be a number, not a number" said neither.
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number too large to use';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a number with decimals';
  // A whole number too long for a number reaches the checks as its digits (json-exact.ts): 1e20 sent
  // as a record index was told it was text.
  if (typeof v === 'string' && /^-?\d{16,}$/.test(v)) return 'a number too large to use';
  return KIND_NAMES[typeof v] ?? typeof v;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, root: string): string {
  const field = issue.path.length ? `"${fieldName(issue.path)}"` : root;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = KIND_NAMES[issue.expected] ?? issue.expected;
      if (value === undefined) return `${field} is missing: add it (${expected} expected).`;
      return `${field} ${issue.message.startsWith('must') ? issue.message : `must be ${expected}, not ${kindOf(value)}`}; fix its value.`;
    }
    case 'unrecognized_keys':
      return `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling.`;
    case 'invalid_value':
      return `${field} ${issue.message.startsWith('must') ? issue.message : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}.`;
    case 'too_small':
    case 'too_big': {
      // zod's own wording ("Too small: expected …") only: a schema's own message is kept (default branch).
      if (/^Too (small|big):/.test(issue.message)) return `${field} ${boundSentence(issue)}: change its value.`;
      return describeOther(issue, field);
    }
    default:
      return describeOther(issue, field);
  }
}

function describeOther(issue: z.core.$ZodIssue, field: string): string {
  const own = issue.message;
  // A rule's own message may end its sentence already.
  const end = /[.!?]$/.test(own) ? '' : '.';
  // A rule's own sentence ("The time limit must be at least 1 ms.", "Use only letters…") follows the
  // field's name as written: lowercased after it, it read '"timeoutMs" the time limit must…'.
  // zod's own wording (Invalid…, Too…, Expected…) is still folded into the field's sentence.
  if (/^[A-Z]/.test(own) && !/^(Invalid|Too (small|big)|Expected|Unrecognized)\b/.test(own)) return `${field}: ${own}${end}`;
  const text = own.startsWith('must') ? own : own.charAt(0).toLowerCase() + own.slice(1);
  return `${field} ${text}${end}`;
}

/**
 * A size or range limit without a message of its own, said as a person says it ("must not be
 * empty", "must be at least 1") instead of zod's "Too small: expected string to have >=1 characters".
 */
function boundSentence(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const exact = 'exact' in issue && issue.exact;
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  switch (issue.origin) {
    case 'string':
      if (exact) return `must be exactly ${plural(limit, 'character')} long`;
      if (small && limit === 1) return 'must not be empty';
      return `must be at ${small ? 'least' : 'most'} ${plural(limit, 'character')} long`;
    case 'array':
    case 'set':
      if (exact) return `must have exactly ${plural(limit, 'item')}`;
      if (small && limit === 1) return 'must not be an empty list';
      return `must have at ${small ? 'least' : 'most'} ${plural(limit, 'item')}`;
    default: {
      const n = limit.toLocaleString('en-US');
      if (issue.inclusive === false) return `must be ${small ? 'more' : 'less'} than ${n}`;
      return `must be at ${small ? 'least' : 'most'} ${n}`;
    }
  }
}
