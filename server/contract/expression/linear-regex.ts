import { RE2JS } from 're2js';

/**
 * Regular expressions written by people (column rules, mail code patterns, error-map rules, address
 * patterns, `/regex/` in expressions) run on RE2JS: matching takes time proportional to the text,
 * whatever the pattern, so no pattern can freeze the studio (`([A-Za-z]+ ?)*` on a long cell took
 * 112 s with JavaScript's backtracking engine). Patterns are written in JavaScript syntax and
 * translated; the few features that need backtracking (back-references, lookahead, lookbehind) are
 * refused when the flow is checked, with `E_PATTERN_UNSUPPORTED` (see `unsupportedFeature`).
 */

/** A feature of JavaScript patterns that linear-time matching cannot offer, and where it is. */
export interface UnsupportedFeature {
  /** In words, with an example: "a lookahead (?=…)". */
  feature: string;
  /** 1-based character where it starts. */
  position: number;
}

const FEATURES: Array<[RegExp, string]> = [
  [/^\(\?<=/, 'a lookbehind (?<=…)'],
  [/^\(\?<!/, 'a negative lookbehind (?<!…)'],
  [/^\(\?=/, 'a lookahead (?=…)'],
  [/^\(\?!/, 'a negative lookahead (?!…)'],
  [/^\\k<[^>]*>/, 'a named back-reference (\\k<name>)'],
  [/^\\[1-9]/, 'a back-reference (\\1 … \\9)'],
];

/** The first feature of `pattern` that RE2 semantics refuse, or null. Escaped characters are skipped. */
export function unsupportedFeature(pattern: string): UnsupportedFeature | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && !inClass) {
      const rest = pattern.slice(i, i + 40);
      for (const [re, feature] of FEATURES) if (re.test(rest)) return { feature, position: i + 1 };
      i++;
      continue;
    }
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      continue;
    }
    if (ch === '(') {
      const rest = pattern.slice(i, i + 4);
      for (const [re, feature] of FEATURES) if (re.test(rest)) return { feature, position: i + 1 };
    }
  }
  return null;
}

/** Thrown when a pattern cannot be compiled for linear-time matching. */
export class LinearRegexError extends Error {
  constructor(
    message: string,
    readonly unsupported: UnsupportedFeature | null,
  ) {
    super(message);
    this.name = 'LinearRegexError';
  }
}

/** The reason RE2 refuses `pattern` (JavaScript syntax, flags d g i m s u y), or null when it compiles. */
export function linearCompileProblem(pattern: string, flags = ''): string | null {
  try {
    toRe2(pattern, flags);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function toRe2(pattern: string, flags: string): RE2JS {
  const feature = unsupportedFeature(pattern);
  if (feature) throw new LinearRegexError(`it uses ${feature.feature} at character ${feature.position}, which linear-time matching does not support`, feature);
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  try {
    return RE2JS.compile(RE2JS.translateRegExp(pattern), bits);
  } catch (err) {
    const raw = err as { getDescription?: () => string; message?: string };
    const reason = typeof raw.getDescription === 'function' ? raw.getDescription() : String(raw.message ?? err);
    throw new LinearRegexError(reason.replace(/^error parsing regexp: /, ''), null);
  }
}

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 2_000;

function cached(pattern: string, flags: string): RE2JS {
  const key = `${flags}/${pattern}`;
  let re = cache.get(key);
  if (!re) {
    re = toRe2(pattern, flags);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/**
 * A compiled pattern with the part of the `RegExp` interface the nodes use: `test`, `exec`
 * (index, groups), `source`, `flags` and `lastIndex` (honoured by `exec` with the `g` or `y` flag,
 * as JSONata's `RegexEngine` needs). Throws `LinearRegexError` when the pattern cannot be used.
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  lastIndex = 0;
  private readonly re: RE2JS;

  constructor(pattern: string | RegExp, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.re = cached(this.source, this.flags);
  }

  /** Number of capture groups. */
  get groupCount(): number {
    return this.re.groupCount();
  }

  test(text: string): boolean {
    if (this.global) return this.exec(text) !== null;
    return this.re.test(text);
  }

  exec(text: string): RegExpExecArray | null {
    const from = this.global ? this.lastIndex : 0;
    if (from > text.length) {
      this.lastIndex = 0;
      return null;
    }
    const m = this.re.matcher(text);
    if (!m.find(from)) {
      if (this.global) this.lastIndex = 0;
      return null;
    }
    const count = this.re.groupCount();
    const out: string[] = [];
    for (let g = 0; g <= count; g++) out.push(m.group(g) ?? (undefined as unknown as string));
    const result = out as unknown as RegExpExecArray;
    result.index = m.start();
    result.input = text;
    const names = this.re.namedGroups();
    const keys = Object.keys(names);
    result.groups = keys.length ? Object.fromEntries(keys.map((k) => [k, m.group(names[k]) ?? undefined])) as Record<string, string> : undefined;
    if (this.global) this.lastIndex = m.end();
    return result;
  }

  private get global(): boolean {
    return this.flags.includes('g') || this.flags.includes('y');
  }
}

/** The whole text must match `pattern` (a column rule: `[0-9]{5}` accepts 75001, not 750012). */
export function wholeMatch(pattern: string, flags = ''): LinearRegExp {
  return new LinearRegExp(`^(?:${pattern})$`, flags);
}
