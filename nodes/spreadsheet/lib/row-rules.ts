import type { Json } from '../../sdk/types.ts';
import { isEmptyValue } from './cell-value.ts';
import { LinearRegExp, wholeMatch } from '../../../server/contract/expression/linear-regex.ts';

export type LetterCase = 'keep' | 'lower' | 'upper';
export type MustBe = 'anything' | 'email' | 'number' | 'date';

/** One mapped column of the Spreadsheet node, as its form holds it. */
export interface ColumnSpec {
  /** The record field the value goes to. */
  field: string;
  /** The header text in the file; empty = the same as `field`. */
  column: string;
  required: boolean;
  trim: boolean;
  letterCase: LetterCase;
  mustBe: MustBe;
  /** A regular expression the whole value must match; empty = no pattern. */
  pattern: string;
  /** Most characters the value may have, after trim and letter case; absent = no limit. */
  maxLength?: number;
}

/** The rule names a reject can carry (RejectInfo.rule). */
export type RuleName = 'required' | 'email' | 'number' | 'date' | 'pattern' | 'maxLength' | 'cellSize' | 'rowSize' | 'columns' | 'formula';

/** Why one value of a row cannot be used. `value` is the cell as it is in the file. */
export interface ValueProblem {
  field: string;
  rule: RuleName;
  value: Json;
  message: string;
}

export interface CompiledColumn extends ColumnSpec {
  /** The header to look for (column, or field when column is empty). */
  header: string;
  regex: LinearRegExp | null;
}

export function compileColumn(spec: ColumnSpec): CompiledColumn {
  return {
    ...spec,
    header: spec.column.trim() || spec.field.trim(),
    regex: spec.pattern ? patternRegex(spec.pattern) : null,
  };
}

/**
 * The whole value must match: `[0-9]{5}` accepts 75001, not 750012. Matched in linear time (RE2
 * semantics), so no pattern can freeze the studio whatever the cell holds.
 */
export function patternRegex(pattern: string): LinearRegExp {
  new RegExp(pattern); // JavaScript's syntax errors first, in its words
  return wholeMatch(pattern);
}

/** Null when the pattern compiles, otherwise why not (for the form). */
export function patternError(pattern: string): string | null {
  try {
    patternRegex(pattern);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

// A practical check, not RFC 5322: something@domain.tld, no spaces, no double dots.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A decimal text as its significant digits and the power of ten of the last one ("0012.50" → 125, -1). */
function decimalParts(text: string): { digits: string; exp: number } {
  const m = /^[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text)!;
  const whole = m[1] ?? '';
  const frac = m[2] ?? '';
  let digits = (whole + frac).replace(/^0+/, '');
  let exp = Number(m[3] ?? 0) - frac.length;
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return digits === '' ? { digits: '0', exp: 0 } : { digits, exp };
}

/**
 * Whether the number `n` read from `text` is the decimal written: up to 15 significant digits it
 * always is (a double holds any 15-digit decimal); past that, only when the shortest text of `n`
 * names the same decimal (0.30000000000000004 does, 1234567890123456789 does not).
 */
function sameDecimal(text: string, n: number): boolean {
  const written = decimalParts(text);
  if (written.digits.length <= 15) return true;
  const read = decimalParts(String(Math.abs(n)));
  return written.digits === read.digits && written.exp === read.exp;
}
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value) && !value.includes('..') && !value.startsWith('.') && !value.split('@')[0].endsWith('.');
}

function isIsoDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return true;
}

/**
 * Applies one column's transforms (trim, letter case) then its checks, in this order:
 * required, must be (email / number / date), maximum length, pattern. Returns the value for the record, or the
 * first problem. Empty values are only checked by `required`: an optional empty cell is kept as "".
 * `number` turns text such as "12.50" into the number 12.5.
 */
export function applyColumn(col: CompiledColumn, raw: Json): { ok: true; value: Json } | { ok: false; problem: ValueProblem } {
  let value: Json = raw === null ? '' : raw;
  if (typeof value === 'string') {
    if (col.trim) value = value.trim();
    if (col.letterCase === 'lower') value = value.toLowerCase();
    else if (col.letterCase === 'upper') value = value.toUpperCase();
  }
  const fail = (rule: RuleName, message: string) => ({ ok: false as const, problem: { field: col.field, rule, value: raw, message } });

  if (isEmptyValue(value)) {
    return col.required ? fail('required', 'empty, but this field is required') : { ok: true, value };
  }
  switch (col.mustBe) {
    case 'email':
      if (typeof value !== 'string' || !isEmail(value)) return fail('email', 'not a valid email address');
      break;
    case 'number':
      if (typeof value === 'string' && NUMBER.test(value.trim())) {
        const n = Number(value.trim());
        // 1234567890123456789 would become 1234567890123456800: refused, never rounded.
        if (Number.isFinite(n) && !sameDecimal(value.trim(), n)) {
          return fail('number', 'more digits than a number holds exactly (about 15): it would be rounded. Set "Must be" to anything to keep it as text, digit for digit');
        }
        value = n;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail('number', 'not a number (write it like 1234.5, with a dot for decimals and no thousands separator)');
      break;
    case 'date':
      if (typeof value !== 'string' || !isIsoDate(value.trim())) return fail('date', 'not a date (use a date cell, or write it as YYYY-MM-DD)');
      value = value.trim();
      break;
    default:
      break;
  }
  if (col.maxLength !== undefined) {
    const length = (typeof value === 'string' ? value : String(value)).length;
    if (length > col.maxLength) {
      return fail('maxLength', `${length.toLocaleString('en-US')} characters, longer than the maximum of ${col.maxLength.toLocaleString('en-US')}`);
    }
  }
  if (col.regex && !col.regex.test(typeof value === 'string' ? value : String(value))) {
    return fail('pattern', `does not match the pattern ${col.pattern}`);
  }
  return { ok: true, value };
}

/** Shows a value in a message: text in quotes, cut when long. */
export function showValue(value: Json): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}
