import type { Json, RecordData } from '../../sdk/types.ts';
import { LinearRegExp, linearCompileProblem } from '../../../server/contract/expression/linear-regex.ts';
import { toText } from '../../../server/contract/expression/template.ts';
import { valueAt } from './value-at.ts';

/**
 * The rules of a Score step, evaluated against one record: each rule looks at one field (a dotted
 * path such as address.city), compares it with its operator and value, and gives its points when it
 * holds. Pure functions, so the step and its tests share them.
 */

export const OPERATORS = ['equals', 'not_equals', 'contains', 'not_contains', 'exists', 'missing', 'greater_than', 'at_least', 'less_than', 'at_most', 'matches'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that compare numbers: their value must be a number. */
export const NUMERIC: ReadonlySet<Operator> = new Set(['greater_than', 'at_least', 'less_than', 'at_most']);
/** Operators that need no value. */
export const UNARY: ReadonlySet<Operator> = new Set(['exists', 'missing']);

export interface ScoreRule {
  field: string;
  operator: Operator;
  value: string;
  points: number;
  /** What the explanation calls the rule; empty: "field operator value". */
  label: string;
}

export type RuleOutcome = {
  rule: string;
  matched: boolean;
  /** The points this rule gave (0 when it did not hold). */
  points: number;
  /** What the record held there, shortened (null when the field is missing). */
  actual: Json;
};

/** Longest text of a field quoted in the explanation. */
const ACTUAL_CHARS = 100;

function isEmpty(v: Json | undefined): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/** A number from a number or numeric text ("1 200" and "1,5" are not numbers: say 1200 and 1.5). */
function numberOf(v: Json | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function same(a: Json, b: string, caseSensitive: boolean): boolean {
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== null && nb !== null) return na === nb;
  const ta = toText(a).trim();
  const tb = b.trim();
  return caseSensitive ? ta === tb : ta.toLowerCase() === tb.toLowerCase();
}

function contains(v: Json, needle: string, caseSensitive: boolean): boolean {
  if (Array.isArray(v)) return v.some((item) => same(item, needle, caseSensitive));
  const text = toText(v);
  return caseSensitive ? text.includes(needle) : text.toLowerCase().includes(needle.toLowerCase());
}

/** Whether `rule` holds for `actual` (the field's value; undefined when missing). */
export function holds(rule: Pick<ScoreRule, 'operator' | 'value'>, actual: Json | undefined, caseSensitive = false): boolean {
  switch (rule.operator) {
    case 'exists':
      return !isEmpty(actual);
    case 'missing':
      return isEmpty(actual);
    case 'equals':
      return actual !== undefined && actual !== null && same(actual, rule.value, caseSensitive);
    case 'not_equals':
      return actual === undefined || actual === null || !same(actual, rule.value, caseSensitive);
    case 'contains':
      return !isEmpty(actual) && contains(actual!, rule.value, caseSensitive);
    case 'not_contains':
      return isEmpty(actual) || !contains(actual!, rule.value, caseSensitive);
    case 'matches':
      return actual !== undefined && actual !== null && new LinearRegExp(rule.value, caseSensitive ? '' : 'i').test(toText(actual));
    default: {
      const n = numberOf(actual);
      const limit = Number(rule.value);
      if (n === null) return false;
      if (rule.operator === 'greater_than') return n > limit;
      if (rule.operator === 'at_least') return n >= limit;
      if (rule.operator === 'less_than') return n < limit;
      return n <= limit;
    }
  }
}

/** "employees greater than 10", unless the rule has a label. */
export function describeRule(rule: ScoreRule): string {
  if (rule.label.trim()) return rule.label.trim();
  const op = rule.operator.replace(/_/g, ' ');
  return UNARY.has(rule.operator) ? `${rule.field} ${op}` : `${rule.field} ${op} ${JSON.stringify(rule.value)}`;
}

function shortened(v: Json | undefined): Json {
  if (v === undefined) return null;
  if (typeof v === 'string') return v.length > ACTUAL_CHARS ? `${v.slice(0, ACTUAL_CHARS)}…` : v;
  if (v !== null && typeof v === 'object') {
    const text = JSON.stringify(v);
    return text.length > ACTUAL_CHARS ? `${text.slice(0, ACTUAL_CHARS)}…` : v;
  }
  return v;
}

/** Each rule's outcome for the record, and the sum of the points. */
export function scoreRecord(data: RecordData, rules: ScoreRule[], caseSensitive = false): { score: number; outcomes: RuleOutcome[] } {
  let score = 0;
  const outcomes = rules.map((rule) => {
    const actual = valueAt(data, rule.field);
    const matched = holds(rule, actual, caseSensitive);
    if (matched) score += rule.points;
    return { rule: describeRule(rule), matched, points: matched ? rule.points : 0, actual: shortened(actual) };
  });
  // Sums of decimals (0.1 + 0.2) are rounded to what a person wrote.
  return { score: Math.round(score * 1e6) / 1e6, outcomes };
}

/** Why a rule's value cannot be used (checked when the flow is saved; follows the field's name: "value" must be…), or null. */
export function ruleProblem(rule: Pick<ScoreRule, 'operator' | 'value'>): string | null {
  if (NUMERIC.has(rule.operator) && (rule.value.trim() === '' || !Number.isFinite(Number(rule.value)))) {
    return `must be a number for "${rule.operator.replace(/_/g, ' ')}" (e.g. 10 or 2.5), not ${JSON.stringify(rule.value)}`;
  }
  if (rule.operator === 'matches') {
    if (rule.value === '') return 'must hold the pattern to match, e.g. ^(bakery|cafe)$';
    const problem = linearCompileProblem(rule.value);
    if (problem) return `is not a usable regular expression: ${problem}`;
  }
  return null;
}
