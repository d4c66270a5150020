import { NodeError } from '../node-error.ts';
import { evaluate, expressionSyntaxError, tryCompile } from './expression.ts';

/**
 * Text with `{{ expression }}` placeholders, e.g. `https://api.example.com/users/{{ id }}`.
 * Each placeholder is a JSONata expression evaluated against the record.
 *
 * Rendering a value into text: text as-is, numbers and true/false as written, nothing/null as
 * empty text, lists and objects as JSON.
 *
 * In `json` mode (request bodies) placeholders are made safe for JSON: inside a "quoted string"
 * the value is escaped (`"{{ name }}"` stays valid when the name contains a quote); outside a
 * string the value is written as JSON (`{{ tags }}` → `["a","b"]`, `{{ name }}` → `"Ada"`).
 */

export type TemplateMode = 'text' | 'json';

/** A placeholder's expression, with where it starts in the template (0-based) for error positions. */
type Part = string | { source: string; inString: boolean; start: number };
type Parsed = { ok: true; parts: Part[] } | { ok: false; problem: string; position: number };

const cache = new Map<string, Parsed>();
const CACHE_LIMIT = 10_000;

export function hasPlaceholders(template: string): boolean {
  return template.includes('{{');
}

/** Renders a template against `data`. `where` names the setting for error messages ("the URL"). */
export async function renderTemplate(template: string, data: unknown, where: string, mode: TemplateMode = 'text'): Promise<string> {
  if (!template.includes('{{')) return template;
  const parsed = parseTemplate(template);
  if (!parsed.ok) {
    throw new NodeError(
      'E_EXPRESSION_INVALID',
      `${capitalize(where)} is not a valid template: ${parsed.problem}.`,
      'Each placeholder must look like {{ fieldName }} or {{ expression }}, with both the opening {{ and the closing }}.',
    );
  }
  let text = '';
  for (const part of parsed.parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const value = await evaluate(part.source, data, `the placeholder {{ ${part.source.trim()} }} in ${where}`);
    if (mode === 'json') {
      text += part.inString ? JSON.stringify(toText(value)).slice(1, -1) : JSON.stringify(value === undefined ? null : value);
    } else {
      text += toText(value);
    }
  }
  return text;
}

/**
 * The first syntax mistake of a template, with its character position (1-based) in the whole
 * template, or null when every placeholder is closed and holds a valid expression.
 */
export function templateSyntaxError(template: string): { reason: string; position: number } | null {
  if (!template.includes('{{')) return null;
  const parsed = parseTemplate(template);
  if (!parsed.ok) return { reason: `The placeholder has no closing }}`, position: parsed.position };
  for (const part of parsed.parts) {
    if (typeof part === 'string') continue;
    const error = expressionSyntaxError(part.source);
    if (error) {
      const inner = error.position ?? part.source.length;
      return { reason: `The placeholder {{ ${part.source.trim()} }}: ${error.reason}`, position: part.start + inner };
    }
  }
  return null;
}

/** A value as it appears inside rendered text. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function parseTemplate(template: string): Parsed {
  let parsed = cache.get(template);
  if (parsed === undefined) {
    parsed = parse(template);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(template, parsed);
  }
  return parsed;
}

function parse(template: string): Parsed {
  const parts: Part[] = [];
  let inString = false; // JSON string state of the literal text so far (used by json mode)
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open === -1) break;
    const literal = template.slice(pos, open);
    if (literal) parts.push(literal);
    inString = scanJsonStringState(literal, inString);
    // The placeholder ends at the first "}}" that closes a valid expression, so expressions
    // that themselves contain "}}" (an object inside an object) still work.
    let close = template.indexOf('}}', open + 2);
    if (close === -1) {
      return { ok: false, problem: `the placeholder starting at character ${open + 1} has no closing }}`, position: open + 1 };
    }
    const firstClose = close;
    while (close !== -1 && !isUsable(template.slice(open + 2, close))) {
      close = template.indexOf('}}', close + 1);
    }
    if (close === -1) close = firstClose; // not valid anywhere: keep the shortest, its error is reported on use
    const source = template.slice(open + 2, close);
    if (source.trim() !== '') parts.push({ source, inString, start: open + 2 });
    pos = close + 2;
  }
  if (pos < template.length) parts.push(template.slice(pos));
  return { ok: true, parts };
}

function isUsable(source: string): boolean {
  return source.trim() === '' || tryCompile(source).ok;
}

/** Tracks whether the end of `text` is inside a JSON "string", starting from `inString`. */
function scanJsonStringState(text: string, inString: boolean): boolean {
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (escaped) escaped = false;
    else if (ch === 92 /* \ */ && inString) escaped = true;
    else if (ch === 34 /* " */) inString = !inString;
  }
  return inString;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
