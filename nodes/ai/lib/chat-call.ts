import { z } from 'zod';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NetworkAccess } from '../../sdk/network.ts';
import type { NodeLogger } from '../../sdk/types.ts';
import { noteRetryAfter, parseRetryAfter, waitForRateLimit, type RateLimit } from '../../sdk/rate-limit.ts';
import { abortError, sleep } from '../../sdk/abort.ts';
import type { TokenUsage } from './usage.ts';

/**
 * One chat-completion answer from an OpenAI-compatible server (`POST {baseUrl}/chat/completions`),
 * through the run's network policy and the flow's per-host rate limit (nodes/sdk/rate-limit.ts: each
 * request waits for its slot; a 429/503 with `Retry-After` holds the host back for every step of the
 * flow). Rate limits (429) and server errors (5xx) are retried within the step, waiting what
 * `Retry-After` says (else an exponential backoff); what is still refused after the retries fails with
 * E_AI_RATE_LIMITED or E_AI_UPSTREAM, both transient (a later retry may pass).
 */

const BACKOFF_BASE_MS = 500;
const EXCERPT = 300;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCall {
  network: NetworkAccess;
  signal: AbortSignal;
  log: NodeLogger;
  /** The run's flow: rate limits are kept per flow and host. */
  run: { flowId: string };
  /** The step's per-host limit, or null for none. */
  limit: RateLimit | null;
  /** Longest `Retry-After` waited for within the step; a longer one fails at once (the step policy can retry later). */
  maxRetryAfterMs: number;
  /** The endpoint's base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1. */
  baseUrl: URL;
  apiKey: string;
  /** The request body without `messages`: model, temperature, max_tokens, response_format. */
  body: Record<string, unknown>;
  messages: ChatMessage[];
  timeoutMs: number;
  /** Retries of 429 and 5xx answers within this call. */
  retries: number;
}

export interface ChatAnswer {
  content: string;
  /** `length` when the answer was cut at the token limit. */
  finishReason: string | null;
  usage: TokenUsage;
  ms: number;
}

/** What an OpenAI-compatible answer must hold (validated where it enters). */
const answerShape = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }).passthrough(),
        finish_reason: z.string().nullable().optional(),
      }).passthrough(),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().nonnegative().optional(),
      completion_tokens: z.number().nonnegative().optional(),
      total_tokens: z.number().nonnegative().optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
}).passthrough();

/** The address for messages: no credentials, no query. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** A server's words, cut short and without the key (some servers quote the key they refused). */
function excerpt(text: string, apiKey: string): string {
  let t = text.trim();
  if (apiKey.length >= 4) t = t.split(apiKey).join('***');
  return JSON.stringify(t.length > EXCERPT ? `${t.slice(0, EXCERPT)}…` : t);
}

export function chatUrl(baseUrl: URL): URL {
  const url = new URL(baseUrl.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  return url;
}

export async function chatCompletion(call: ChatCall): Promise<ChatAnswer> {
  const url = chatUrl(call.baseUrl);
  const payload = JSON.stringify({ ...call.body, messages: call.messages });
  for (let retry = 0; ; retry++) {
    try {
      await waitForRateLimit(call, url, call.limit);
    } catch (err) {
      if (call.signal.aborted) throw abortError(call.signal, 'The AI step was cancelled while it waited for the rate limit.');
      throw err;
    }
    const started = Date.now();
    const response = await send(call, url, payload);
    // A 429/503 with Retry-After holds the host back for every step of the flow, this one included.
    const blocked = await noteRetryAfter(call, url, response);
    const text = await readBody(call, url, response);
    const ms = Date.now() - started;
    const status = response.status;
    if (status >= 200 && status < 300) return parseAnswer(text, url, call.apiKey, ms);

    const retriable = status === 429 || status >= 500;
    if (!retriable) throw refused(status, text, url, call.apiKey);
    const asked = blocked ?? parseRetryAfter(response.headers.get('retry-after'));
    const wait = asked ?? BACKOFF_BASE_MS * 2 ** retry * (1 + Math.random() * 0.25);
    if (retry >= call.retries || wait > call.maxRetryAfterMs) throw exhausted(status, text, url, call.apiKey, retry, asked, call.maxRetryAfterMs);
    call.log.warn(`${shown(url)} answered ${status}${status === 429 ? ' (too many requests)' : ''}: retry ${retry + 1} of ${call.retries} in ${Math.round(wait)} ms${asked !== null ? ' (as its Retry-After asks)' : ''}.`);
    await sleep(wait, call.signal);
  }
}

async function send(call: ChatCall, url: URL, payload: string): Promise<Response> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  // A server without keys (a local Ollama) is given none rather than a made-up one.
  if (call.apiKey) headers.set('authorization', `Bearer ${call.apiKey}`);
  try {
    // Asking again changes nothing for anyone else (the AI step is idempotent): sent again like a GET.
    return await call.network.fetch(url, { method: 'POST', headers, body: payload, signal, repeatable: true });
  } catch (err) {
    throw transportError(err, call, url, timeout);
  }
}

async function readBody(call: ChatCall, url: URL, response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    throw transportError(err, call, url, null);
  }
}

function transportError(err: unknown, call: ChatCall, url: URL, timeout: AbortSignal | null): Error {
  if (err instanceof NodeError) return err; // E_NETWORK_BLOCKED from the policy
  if (call.signal.aborted) return abortError(call.signal, 'The AI step was cancelled.');
  if (timeout?.aborted || (err as Error)?.name === 'TimeoutError') {
    return new NodeError(
      'E_AI_TIMEOUT',
      `The model at ${shown(url)} gave no answer within ${call.timeoutMs} ms.`,
      'The model may be busy or the answer long: raise the time limit, lower "Max answer tokens", or retry later.',
      { transient: true, cause: err },
    );
  }
  const code = findCode(err);
  return new NodeError(
    'E_AI_NETWORK',
    `The model at ${shown(url)} could not be reached${code ? ` (${code})` : ''}: ${(err as Error)?.message ?? String(err)}.`,
    code === 'ENOTFOUND' ? `Check the base URL of the AI credential (${url.host}).` : 'Check that the model server is running and reachable from this computer; retrying later may help.',
    { transient: code !== 'ENOTFOUND', cause: err },
  );
}

function findCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; cause?: unknown };
    if (typeof e.code === 'string') return e.code;
    current = e.cause;
  }
  return undefined;
}

function parseAnswer(text: string, url: URL, apiKey: string, ms: number): ChatAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = answerShape.safeParse(json);
  if (!parsed.success) {
    throw new NodeError(
      'E_AI_UPSTREAM',
      `${shown(url)} did not answer like an OpenAI-compatible server (no choices[0].message): ${excerpt(text, apiKey)}.`,
      'Check the base URL of the AI credential: it must be the API root that has /chat/completions under it, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1.',
      { transient: false },
    );
  }
  const choice = parsed.data.choices[0];
  const u = parsed.data.usage ?? {};
  const prompt = u.prompt_tokens ?? 0;
  const completion = u.completion_tokens ?? 0;
  return {
    content: choice.message.content ?? '',
    finishReason: choice.finish_reason ?? null,
    usage: { prompt, completion, total: u.total_tokens ?? prompt + completion },
    ms,
  };
}

function refused(status: number, text: string, url: URL, apiKey: string): NodeError {
  const said = text.trim() ? ` It said: ${excerpt(text, apiKey)}` : '';
  const hint =
    status === 401 || status === 403
      ? 'The server refused the key: check the API key of the AI credential on the Credentials page.'
      : status === 404
        ? 'Check the base URL of the AI credential (it must end where /chat/completions follows, e.g. …/v1) and the model name.'
        : 'Check the step settings (model name, max answer tokens, temperature) against what the server accepts.';
  return new NodeError('E_AI_REQUEST', `The model at ${shown(url)} refused the request: ${status}.${said}`, hint);
}

function exhausted(status: number, text: string, url: URL, apiKey: string, retries: number, asked: number | null, maxWaitMs: number): NodeError {
  const said = text.trim() ? ` It said: ${excerpt(text, apiKey)}` : '';
  const tried = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  if (status === 429) {
    const long = asked !== null && asked > maxWaitMs ? ` It asked to wait ${Math.ceil(asked / 1000)} s, longer than the step waits ("Wait for Retry-After up to"); later requests of this flow to ${url.host} wait until then.` : '';
    return new NodeError(
      'E_AI_RATE_LIMITED',
      `The model at ${shown(url)} still answered 429 (too many requests)${tried}.${long}${said}`,
      'Lower the run\'s concurrency or add a Delay before this step, raise the retries, or retry the record later (the step policy can retry it).',
      { transient: true },
    );
  }
  return new NodeError(
    'E_AI_UPSTREAM',
    `The model at ${shown(url)} answered ${status}${tried}: the server had a problem on its side.${said}`,
    'Retry later (the step policy can retry it); if it lasts, check the model server.',
    { transient: true },
  );
}
