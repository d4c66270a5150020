import { linearCompileProblem, unsupportedFeature } from './linear-regex.ts';

/**
 * Why a regular expression does not compile, and where. JavaScript's own error says what is wrong
 * ("Unterminated group") but not where; `locate` finds the character for the common mistakes
 * (an unclosed or stray bracket, a quantifier with nothing before it, a trailing backslash).
 */

export interface RegexSyntaxError {
  reason: string;
  /** 1-based character of the mistake, when it can be told. */
  position?: number;
  /**
   * Valid JavaScript, but a feature linear-time matching refuses (back-reference, lookaround):
   * patterns run on RE2 semantics so that none can freeze the studio (see `linear-regex.ts`).
   */
  unsupported?: string;
}

const cache = new Map<string, RegexSyntaxError | null>();
const CACHE_LIMIT = 10_000;

export function regexSyntaxError(pattern: string, flags = ''): RegexSyntaxError | null {
  const key = `${flags}/${pattern}`;
  let entry = cache.get(key);
  if (entry === undefined) {
    entry = check(pattern, flags);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, entry);
  }
  return entry;
}

function check(pattern: string, flags: string): RegexSyntaxError | null {
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    // "Invalid regular expression: /a(/: Unterminated group" → "Unterminated group"
    const raw = err instanceof Error ? err.message : String(err);
    const reason = raw.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '').replace(/^Invalid regular expression: /, '');
    const position = locate(pattern);
    return position === null ? { reason } : { reason, position };
  }
  const feature = unsupportedFeature(pattern);
  if (feature) return { reason: `It uses ${feature.feature}, which Conveyor does not support`, position: feature.position, unsupported: feature.feature };
  const problem = linearCompileProblem(pattern, flags);
  return problem === null ? null : { reason: `It uses a feature Conveyor does not support (${problem})`, unsupported: problem };
}

type Prev = 'start' | 'atom' | 'quantifier';

/** 1-based position of the first structural mistake found by a light scan, or null. */
function locate(pattern: string): number | null {
  const groups: number[] = [];
  let classStart = -1;
  let prev: Prev = 'start';
  let lazy = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i === pattern.length - 1) return i + 1;
      i++;
      if (classStart === -1) prev = 'atom';
      continue;
    }
    if (classStart !== -1) {
      if (ch === ']') {
        classStart = -1;
        prev = 'atom';
      }
      continue;
    }
    switch (ch) {
      case '[':
        classStart = i;
        break;
      case '(':
        groups.push(i);
        prev = 'start';
        if (pattern[i + 1] === '?') i = skipGroupPrefix(pattern, i + 1);
        break;
      case ')':
        if (!groups.length) return i + 1;
        groups.pop();
        prev = 'atom';
        break;
      case '|':
        prev = 'start';
        break;
      case '*':
      case '+':
      case '?':
        if (prev === 'start') return i + 1;
        if (prev === 'quantifier') {
          // `a*?` is a lazy quantifier; anything else after a quantifier has nothing to repeat (a**, a+*)
          if (ch === '?' && !lazy) {
            lazy = true;
            break;
          }
          return i + 1;
        }
        prev = 'quantifier';
        lazy = false;
        break;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (m) {
          if (prev !== 'atom') return i + 1;
          if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) return i + 1;
          i += m[0].length - 1;
          prev = 'quantifier';
          lazy = false;
        } else prev = 'atom';
        break;
      }
      default:
        prev = 'atom';
    }
  }
  if (classStart !== -1) return classStart + 1;
  if (groups.length) return groups[groups.length - 1] + 1;
  return null;
}

/** Skips "?:", "?=", "?!", "?<=", "?<!" or "?<name>" after an opening bracket; returns the last index used. */
function skipGroupPrefix(pattern: string, at: number): number {
  const rest = pattern.slice(at);
  const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(rest);
  return m ? at + m[0].length - 1 : at;
}
