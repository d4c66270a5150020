/**
 * A local OpenAI-compatible model server for the AI step (nodes/ai/chat.ts): tests start it, and so
 * does `npm run demo` (port 3200, PORT_MODEL changes it: demo/start.ts). It answers deterministically from the
 * prompt, so a flow's results are the same from one run to the next, and it can misbehave on demand.
 *
 *   POST /v1/chat/completions   the OpenAI chat-completion call (also without /v1)
 *   GET  /v1/models             the one model it serves
 *   POST /control/faults        { "next": ["429", "500", "malformed", "mismatch", "slow:2000"] } — the next calls misbehave, in order
 *   GET  /control/stats         { calls, byStatus, lastRequest } (without the key)
 *
 * The answer: when the request asks for a JSON Schema (response_format json_schema, or a "JSON Schema:"
 * block in the system message), it builds an object of that schema from the `name: value` lines of the
 * user's messages (a property named like a line takes its value; the others get a sentence about the
 * record's name); otherwise it answers one sentence quoting the last user message.
 *
 * Markers in a message make it misbehave for that conversation (no control call needed, so parallel
 * tests do not disturb each other):
 *   [[model:malformed]]      an answer that is not JSON (every time)
 *   [[model:mismatch]]       JSON that does not fit the schema (every time)
 *   [[model:mismatch-once]]  JSON that does not fit, until the conversation holds a correction (the retry)
 *   [[model:429]]            429 with Retry-After: 1 the first time this conversation is seen, then an answer
 *   [[model:429-always]]     429 every time
 *   [[model:500]]            500 every time;  [[model:500-once]]: the first time only
 *   [[model:slow=MS]]        waits MS milliseconds before answering
 */
import { createHash } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { listenApp, type Listening } from './listen.ts';

/** The model name the server reports and accepts (any name is accepted). */
export const DEMO_MODEL = 'conveyor-demo';
/** The API key `npm run demo` gives its model server (and the credential "demo-model"). */
export const DEMO_MODEL_KEY = 'demo-model-key';
/** Conversations remembered for the -once markers; past this the memory starts afresh (a demo runs for days). */
const SEEN_LIMIT = 10_000;

type Fault = '429' | '500' | 'malformed' | 'mismatch' | `slow:${number}`;

interface ChatMessage {
  role: string;
  content: string;
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

export interface ModelServerStats {
  calls: number;
  byStatus: Record<string, number>;
  /** The last request's body (the key is in a header and never kept). */
  lastRequest: unknown;
}

export interface ModelServer {
  app: Express;
  stats: ModelServerStats;
  /** Queues faults for the next calls (the same as POST /control/faults). */
  queue(...faults: Fault[]): void;
}

const MARKER = /\[\[model:([a-z0-9-]+)(?:=(\d+))?\]\]/g;
/** `name: value` lines of a prompt: the record's fields as a template writes them. */
const FIELD_LINE = /^\s*[-*]?\s*([A-Za-z][A-Za-z0-9 _.-]{0,40}?)\s*:\s*(.+?)\s*$/gm;

/** Tokens as OpenAI-compatible servers roughly count them: about four characters each. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function markers(messages: ChatMessage[]): Map<string, number | null> {
  const found = new Map<string, number | null>();
  for (const m of messages) {
    if (m.role === 'assistant') continue;
    for (const match of m.content.matchAll(MARKER)) found.set(match[1], match[2] === undefined ? null : Number(match[2]));
  }
  return found;
}

/** The JSON Schema the caller asked for: response_format first, else a "JSON Schema:" block of the system message. */
function requestedSchema(body: Record<string, unknown>, messages: ChatMessage[]): JsonSchemaNode | null {
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema' && format.json_schema?.schema && typeof format.json_schema.schema === 'object') {
    return format.json_schema.schema as JsonSchemaNode;
  }
  for (const m of messages) {
    if (m.role !== 'system') continue;
    const at = m.content.indexOf('JSON Schema:');
    if (at < 0) continue;
    const start = m.content.indexOf('{', at);
    const end = m.content.lastIndexOf('}');
    if (start < 0 || end < start) continue;
    try {
      return JSON.parse(m.content.slice(start, end + 1)) as JsonSchemaNode;
    } catch {
      // not a schema after all: answer text
    }
  }
  return null;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The `name: value` lines of the user's messages, by normalized name (the first one wins). */
function promptFields(messages: ChatMessage[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const m of messages) {
    if (m.role !== 'user') continue;
    for (const match of m.content.replace(MARKER, '').matchAll(FIELD_LINE)) {
      const key = normalize(match[1]);
      if (!fields.has(key)) fields.set(key, match[2]);
    }
  }
  return fields;
}

/** A sentence for a text property no prompt line names, built from what the record is called. */
function sentenceFor(property: string, fields: Map<string, string>): string {
  const who = fields.get('name') ?? fields.get('company') ?? fields.get('business') ?? [...fields.values()][0] ?? 'you';
  const city = fields.get('city');
  const p = normalize(property);
  if (p.includes('subject')) return `A quick idea for ${who}`;
  if (p.includes('headline') || p.includes('title')) return `${who}: more customers${city ? ` in ${city}` : ''}, less busywork`;
  if (p.includes('body') || p.includes('message') || p.includes('text')) {
    return `Hello ${who},\n\nWe help businesses${city ? ` in ${city}` : ''} like yours win new customers every week. May I show you how in ten minutes?\n\nBest regards`;
  }
  return `${property} for ${who}`;
}

function typeOf(schema: JsonSchemaNode): string {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? 'null';
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  return 'string';
}

/** A value of `schema` made from the prompt's fields (deterministic: same prompt, same value). */
function build(schema: JsonSchemaNode, name: string, fields: Map<string, string>): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) {
    const given = fields.get(normalize(name));
    return schema.enum.find((v) => String(v) === given) ?? schema.enum[0];
  }
  const given = fields.get(normalize(name));
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) out[key] = build(sub, key, fields);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => build(schema.items ?? { type: 'string' }, name, fields));
    case 'integer':
    case 'number': {
      const n = given !== undefined && Number.isFinite(Number(given)) ? Number(given) : (schema.minimum ?? 1);
      const clamped = Math.min(schema.maximum ?? n, Math.max(schema.minimum ?? n, n));
      return typeOf(schema) === 'integer' ? Math.round(clamped) : clamped;
    }
    case 'boolean':
      return given !== undefined ? /^(true|yes|1)$/i.test(given) : true;
    case 'null':
      return null;
    default: {
      let text = given ?? sentenceFor(name, fields);
      if (schema.minLength && text.length < schema.minLength) text = text.padEnd(schema.minLength, '.');
      if (schema.maxLength && text.length > schema.maxLength) text = text.slice(0, schema.maxLength);
      return text;
    }
  }
}

/** JSON that does not fit `schema`: every required property left out, a property of the wrong type added. */
function mismatching(schema: JsonSchemaNode): unknown {
  if (typeOf(schema) !== 'object') return { unexpected: true };
  const first = Object.keys(schema.properties ?? {})[0];
  return first ? { [first]: 12345 } : ['not', 'an', 'object'];
}

function answerText(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')?.content.replace(MARKER, '').trim() ?? '';
  return `You asked: ${last.length > 200 ? `${last.slice(0, 200)}…` : last}`;
}

function conversationKey(messages: ChatMessage[]): string {
  return createHash('sha256').update(JSON.stringify(messages.filter((m) => m.role !== 'assistant').slice(0, 2))).digest('hex');
}

function openAiError(res: Response, status: number, message: string, type: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ error: { message, type, code: null } });
}

export function createModelServer(opts: { apiKey?: string | null } = {}): ModelServer {
  const stats: ModelServerStats = { calls: 0, byStatus: {}, lastRequest: null };
  const faults: Fault[] = [];
  /** Conversations already rate-limited or failed once (for the -once markers). */
  const seen = new Set<string>();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '2mb' }));

  const count = (status: number): void => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  };

  const authorized = (req: Request, res: Response): boolean => {
    if (!opts.apiKey || req.get('authorization') === `Bearer ${opts.apiKey}`) return true;
    count(401);
    openAiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error');
    return false;
  };

  app.get(['/v1/models', '/models'], (req, res) => {
    if (!authorized(req, res)) return;
    res.json({ object: 'list', data: [{ id: DEMO_MODEL, object: 'model', owned_by: 'conveyor' }] });
  });

  app.post(['/v1/chat/completions', '/chat/completions'], async (req, res) => {
    stats.calls++;
    if (!authorized(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    stats.lastRequest = body;
    const raw = body.messages;
    if (!Array.isArray(raw) || raw.length === 0 || !raw.every((m) => m && typeof m.role === 'string' && typeof m.content === 'string')) {
      count(400);
      openAiError(res, 400, "'messages' must be a non-empty list of { role, content }.", 'invalid_request_error');
      return;
    }
    const messages = raw as ChatMessage[];
    const marks = markers(messages);
    const key = conversationKey(messages);
    const fault = faults.shift();

    const slow = marks.get('slow') ?? (fault?.startsWith('slow:') ? Number(fault.slice(5)) : null);
    if (slow) await new Promise((r) => setTimeout(r, slow));
    if (res.destroyed) return;

    if (seen.size >= SEEN_LIMIT) seen.clear();
    const firstTime = (tag: string): boolean => !seen.has(`${tag}:${key}`) && Boolean(seen.add(`${tag}:${key}`));
    if (fault === '429' || marks.has('429-always') || (marks.has('429') && firstTime('429'))) {
      count(429);
      openAiError(res, 429, 'Rate limit reached for requests. Please try again in 1s.', 'rate_limit_exceeded', { 'retry-after': '1' });
      return;
    }
    if (fault === '500' || marks.has('500') || (marks.has('500-once') && firstTime('500'))) {
      count(500);
      openAiError(res, 500, 'The server had an error while processing your request.', 'server_error');
      return;
    }

    const schema = requestedSchema(body, messages);
    const corrected = messages.some((m) => m.role === 'assistant');
    let content: string;
    if (fault === 'malformed' || marks.has('malformed')) content = 'Sure! Here is the JSON you asked for: {"subject": "Hello", "body": ';
    else if (schema && (fault === 'mismatch' || marks.has('mismatch') || (marks.has('mismatch-once') && !corrected))) content = JSON.stringify(mismatching(schema));
    else if (schema) content = JSON.stringify(build(schema, 'answer', promptFields(messages)));
    else content = answerText(messages);

    const promptTokens = messages.reduce((sum, m) => sum + countTokens(m.content), 0);
    const completionTokens = countTokens(content);
    count(200);
    res.json({
      id: `chatcmpl-${key.slice(0, 12)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === 'string' ? body.model : DEMO_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  });

  const queue = (...next: Fault[]): void => {
    faults.push(...next);
  };

  app.post('/control/faults', (req, res) => {
    const next = (req.body as { next?: unknown })?.next;
    const valid = Array.isArray(next) && next.every((f) => typeof f === 'string' && /^(429|500|malformed|mismatch|slow:\d{1,6})$/.test(f));
    if (!valid) {
      res.status(400).json({ error: { code: 'E_DEMO_FAULTS', message: 'next must be a list of "429", "500", "malformed", "mismatch" or "slow:<ms>".', hint: 'e.g. { "next": ["429", "mismatch"] }' } });
      return;
    }
    queue(...(next as Fault[]));
    res.json({ queued: faults.length });
  });

  app.get('/control/stats', (_req, res) => {
    res.json(stats);
  });

  return { app, stats, queue };
}

/** Starts a model server on host:port (0 = a free port); its base URL for the AI step is `${url}/v1`. */
export async function startModelServer(opts: { port?: number; host?: string; apiKey?: string | null } = {}): Promise<ModelServer & Listening & { baseUrl: string }> {
  const server = createModelServer({ apiKey: opts.apiKey });
  const listening = await listenApp(server.app, opts.port ?? 0, opts.host ?? '127.0.0.1');
  return { ...server, ...listening, baseUrl: `${listening.url}/v1` };
}
