import { z } from 'zod';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';

/**
 * The answer schema of an AI step: a JSON Schema written in the step's form. It is checked when
 * the flow is saved (`schemaTextProblem`) and turned into a zod validator for the model's answers
 * (`compileAnswerSchema`), compiled once per text.
 *
 * Keywords that carry a regular expression (`pattern`, `patternProperties`) are refused: JavaScript
 * would run them with backtracking on text the model wrote, which a pattern can turn into a freeze
 * (see server/contract/expression/linear-regex.ts). Check such text with a later If or Score step instead.
 */

/** Longest schema text accepted (a schema is a few hundred characters; this stops pasted documents). */
export const MAX_SCHEMA_CHARS = 20_000;
const REGEX_KEYWORDS = new Set(['pattern', 'patternProperties']);

export interface AnswerSchema {
  /** The schema as JSON, sent to the model server and written into the system message. */
  json: { [key: string]: Json };
  validator: z.ZodType;
}

const cache = new Map<string, AnswerSchema | string>();
const CACHE_LIMIT = 500;

/** The first place a regex keyword is used, as a JSON path ("properties.email.pattern"), or null. */
function regexKeyword(value: unknown, path: string[] = []): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    // A property *named* "pattern" (under properties) is not the keyword.
    if (REGEX_KEYWORDS.has(key) && path[path.length - 1] !== 'properties') return [...path, key].join('.');
    const found = regexKeyword(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

function build(text: string): AnswerSchema | string {
  if (text.length > MAX_SCHEMA_CHARS) return `it has ${text.length} characters; at most ${MAX_SCHEMA_CHARS} are accepted`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `it is not valid JSON (${(err as Error).message})`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'it must be a JSON object, e.g. {"type": "object", "properties": {…}}';
  const regex = regexKeyword(parsed);
  if (regex) return `"${regex}" uses a regular expression, which answer schemas do not support (check such text with an If or Score step after this one)`;
  try {
    // fromJSONSchema refuses unknown types, broken $refs and the like with a message of its own.
    const validator = z.fromJSONSchema(parsed as Parameters<typeof z.fromJSONSchema>[0]);
    return { json: parsed as { [key: string]: Json }, validator };
  } catch (err) {
    return `it is not a JSON Schema the step can read (${(err as Error).message})`;
  }
}

function cached(text: string): AnswerSchema | string {
  let entry = cache.get(text);
  if (entry === undefined) {
    entry = build(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, entry);
  }
  return entry;
}

/**
 * Why the schema text cannot be used, or null when it is fine or empty. Worded to follow the field's
 * name in flow validation: "answerSchema" is not a usable answer schema: it is not valid JSON (…).
 */
export function schemaTextProblem(text: string): string | null {
  if (text.trim() === '') return null;
  const entry = cached(text.trim());
  return typeof entry === 'string' ? `is not a usable answer schema: ${entry}` : null;
}

/** The compiled schema, or null when the text is empty (free-text answers). */
export function compileAnswerSchema(text: string): AnswerSchema | null {
  if (text.trim() === '') return null;
  const entry = cached(text.trim());
  if (typeof entry === 'string') {
    throw new NodeError('E_AI_SCHEMA_INVALID', `The answer schema cannot be used: ${entry}.`, 'Correct the JSON Schema in the step settings, e.g. {"type": "object", "properties": {"subject": {"type": "string"}}, "required": ["subject"]}.');
  }
  return entry;
}

export type AnswerCheck = { ok: true; value: Json } | { ok: false; problem: string };

/** The model's text without a Markdown code fence around it (```json … ```), which many models add. */
export function unfence(text: string): string {
  const m = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?\s*```\s*$/.exec(text);
  return (m ? m[1] : text).trim();
}

/** Parses the answer as JSON and validates it: the problem is worded for the model (it is sent back to it). */
export function checkAnswer(text: string, schema: AnswerSchema): AnswerCheck {
  let value: unknown;
  try {
    value = JSON.parse(unfence(text));
  } catch (err) {
    return { ok: false, problem: `it is not valid JSON (${(err as Error).message})` };
  }
  const result = schema.validator.safeParse(value);
  if (result.success) return { ok: true, value: value as Json };
  const issues = result.error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : '(the whole answer)'}: ${i.message}`);
  return { ok: false, problem: `it does not match the JSON Schema — ${issues.join('; ')}` };
}
