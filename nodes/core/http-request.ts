import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { parseJsonExact } from '../../server/contract/json-exact.ts';
import { bodyText, cappedBytes, decodeWhole } from '../sdk/text-body.ts';
import { displayUrl, parseWebUrl } from '../sdk/url.ts';
import type { Json, ResolvedCredential } from '../sdk/types.ts';
import { credentialParam } from '../sdk/credentials.ts';
import type { NetworkAccess } from '../sdk/network.ts';
import { limitOf, noteRetryAfter, rateLimitParams, waitForRateLimit } from '../sdk/rate-limit.ts';
import { abortError } from '../sdk/abort.ts';
import { fieldName } from '../sdk/fields.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';

/** Characters a header name may use (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `2xx`, `404`, `200, 201, 3xx` … */
const STATUS_LIST = /^\s*([1-5](?:xx|\d\d))(\s*,\s*[1-5](?:xx|\d\d))*\s*$/i;
/** How much of an unexpected answer's body is quoted in the error message. */
const BODY_EXCERPT = 200;
/** Kinds of credential the node can send. */
const CREDENTIAL_KINDS = ['basic', 'api_key'];
/** Redirects followed (by hand, each hop checked by the network policy; only within the same site when a credential is sent). */
const MAX_REDIRECTS = 10;
/** Answers with Retry-After waited for and sent again within one step, at most. */
const MAX_RETRY_AFTER = 3;

const params = z.object({
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
    .default('GET')
    .describe('GET reads data; POST creates; PUT replaces; PATCH changes part of something; DELETE removes. The service\'s documentation says which to use.')
    .meta({ title: 'Method' }),
  url: z
    .string()
    .trim()
    .default('https://api.example.com/users/{{ id }}')
    .describe('The web address to call. Put record fields in double braces, e.g. https://api.example.com/users/{{ id }}; use {{ $encodeUrlComponent(name) }} for text that may contain spaces or special characters.')
    .meta({ title: 'URL', widget: 'template' }),
  headers: z
    .array(
      z.object({
        name: z
          .string()
          .trim()
          .regex(HEADER_NAME, 'A header name uses letters, digits and dashes only, e.g. X-Api-Key.')
          .describe('The header name, e.g. Authorization or X-Api-Key.')
          .meta({ title: 'Name' }),
        value: z
          .string()
          .default('')
          .describe('The header value; may contain {{ placeholders }}, e.g. Bearer {{ token }}.')
          .meta({ title: 'Value', widget: 'template' }),
      }),
    )
    .default([])
    .describe('Extra request headers. For an API key or a password, use a credential instead: it is kept encrypted and never shows in logs.')
    .meta({ title: 'Headers' }),
  credential: credentialParam(
    CREDENTIAL_KINDS,
    'A credential from the vault to sign in with: an API key (sent in its header) or a user name and password (HTTP Basic). Empty: none. Its secret never shows in the run\'s logs or records.',
  ),
  bodyFormat: z
    .enum(['json', 'text', 'none'])
    .default('json')
    .describe('json: the body is JSON (placeholders are escaped to keep it valid, and it is checked before sending). text: the body is sent as written. none: no body. GET requests never send a body.')
    .meta({ title: 'Body format' }),
  body: z
    .string()
    .default('')
    .describe('What to send, e.g. {"email": "{{ email }}", "age": {{ age }}}. Empty: no body is sent.')
    .meta({ title: 'Body', widget: 'template' }),
  timeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(1, 'The time limit must be at least 1 ms.')
    .max(600_000, 'The time limit can be at most 10 minutes (600000 ms).')
    .default(10_000)
    .describe('How long to wait for the answer, in milliseconds (10000 = 10 seconds), before giving up.')
    .meta({ title: 'Time limit (ms)' }),
  maxAnswerMb: z
    .number()
    .int('Use a whole number of megabytes.')
    .min(1, 'The largest answer must be at least 1 MB.')
    .max(200, 'The largest answer can be at most 200 MB.')
    .default(20)
    .describe('The largest answer to take, in megabytes; a larger one fails the step (E_HTTP_TOO_LARGE) instead of filling the memory. The answer goes into the record: keep records small.')
    .meta({ title: 'Largest answer (MB)' }),
  expectStatus: z
    .string()
    .trim()
    .regex(STATUS_LIST, 'Write status codes separated by commas, e.g. 2xx or 200, 201, 404.')
    .default('2xx')
    .describe('Which answer codes count as success, separated by commas: a code like 404, or a class like 2xx (every code from 200 to 299). Other answers fail the step.')
    .meta({ title: 'Successful status codes' }),
  responseField: fieldName('response')
    .describe('The field that receives the answer: { status, headers, body }. The body is parsed when the service answers JSON, otherwise kept as text — or, for a file, as base64 (see Keep the answer as).')
    .meta({ title: 'Store the answer in' }),
  answerAs: z
    .enum(['auto', 'text', 'base64'])
    .default('auto')
    .describe('auto: JSON is parsed, text kept as text, and a file — an answer whose Content-Type is not text, JSON or XML (a PDF, a picture, application/octet-stream), or whose bytes are not text — kept as its bytes in base64, with encoding: "base64" beside the body (for Browser: attach file). text: always as text. base64: always the bytes in base64.')
    .meta({ title: 'Keep the answer as' }),
  ...rateLimitParams,
});

const URL_WORDS = { subject: 'The URL', example: 'https://api.example.com/users/{{ id }}' };

export const httpRequest = defineNode({
  type: 'core.http-request',
  title: 'HTTP request',
  category: 'Network',
  description: 'Calls a web service (API) for each record and stores its answer in the record.',
  icon: 'globe',
  params,
  credentials: [{ name: 'credential', kind: CREDENTIAL_KINDS, optional: true }],
  effect: 'unsafe',
  async run(ctx) {
    const p = ctx.params;
    const input = ctx.input;

    const rawUrl = (await renderTemplate(p.url, input, 'the URL')).trim();
    const url = parseWebUrl(rawUrl, URL_WORDS);
    const shownUrl = displayUrl(url);

    const headers = new Headers();
    for (const h of p.headers) {
      const value = await renderTemplate(h.value, input, `header "${h.name}"`);
      try {
        headers.append(h.name, value);
      } catch (err) {
        throw new NodeError(
          'E_HTTP_REQUEST_INVALID',
          `The header "${h.name}" cannot be sent: its value contains characters a header cannot hold (such as a line break).`,
          'Check the header value and the record fields it uses.',
          { cause: err },
        );
      }
    }

    // The engine checks the credential's scope against this node type and the URL's host.
    const credential = p.credential ? await ctx.credentials.get(p.credential, { host: url.host, kind: CREDENTIAL_KINDS }) : null;
    if (credential) applyCredential(headers, credential);

    let body: string | undefined;
    if (p.method !== 'GET' && p.bodyFormat !== 'none' && p.body.trim() !== '') {
      body = await renderTemplate(p.body, input, 'the body', p.bodyFormat === 'json' ? 'json' : 'text');
      if (p.bodyFormat === 'json') {
        try {
          JSON.parse(body);
        } catch (err) {
          throw new NodeError(
            'E_HTTP_REQUEST_INVALID',
            `The body is not valid JSON once the placeholders are filled in: ${(err as Error).message}. It was: ${excerpt(body)}`,
            'Fix the body (check quotes, commas and braces), or set the body format to text.',
          );
        }
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      } else if (!headers.has('content-type')) {
        headers.set('content-type', 'text/plain; charset=utf-8');
      }
    }

    const limit = limitOf(p);
    let response: Response;
    let answer: Uint8Array;
    let retryAfter: number | null = null;
    for (let sent = 0; ; sent++) {
      // The host's rate limit (shared by the flow's steps, across runs and restarts) before each send.
      try {
        await waitForRateLimit(ctx, url, limit);
      } catch (err) {
        if (ctx.signal.aborted) throw abortError(ctx.signal, 'The request was cancelled while it waited for the rate limit.');
        throw err;
      }
      const timeout = AbortSignal.timeout(p.timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      try {
        // Every hop goes through the run's network policy (checked on the address connected to).
        response = await fetchFollowing(ctx.network, url, { method: p.method, headers, body, signal }, credential ? p.credential : null);
        retryAfter = statusMatches(response.status, p.expectStatus) ? null : await noteRetryAfter(ctx, url, response);
        // 429/503 mean the request was not handled: sending it again after the wait asked for is safe.
        if (retryAfter !== null && retryAfter <= p.retryAfterMaxSeconds * 1000 && sent < MAX_RETRY_AFTER) {
          await response.body?.cancel().catch(() => undefined);
          ctx.log.info(`${url.host} answered ${response.status} and asked to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After): sending again then.`);
          continue;
        }
        const bytes = await cappedBytes(response, p.maxAnswerMb * 1024 * 1024);
        if (bytes === null) {
          throw new NodeError(
            'E_HTTP_TOO_LARGE',
            `${p.method} ${shownUrl} answered with more than ${p.maxAnswerMb} MB; nothing of it was kept.`,
            'Ask the service for less at a time (a page of results, a filter), or raise "Largest answer (MB)" of this step.',
          );
        }
        answer = bytes;
        break;
      } catch (err) {
        if (err instanceof NodeError) throw err;
        if (ctx.signal.aborted) throw abortError(ctx.signal, 'The request was cancelled.');
        if (timeout.aborted) {
          throw new NodeError(
            'E_HTTP_TIMEOUT',
            `No answer from ${p.method} ${shownUrl} within ${p.timeoutMs} ms.`,
            'The service may be slow or unavailable: retry later, or raise the time limit.',
            { transient: true, cause: err },
          );
        }
        throw networkError(err, url, shownUrl, p.method);
      }
    }

    const status = response.status;
    const contentType = response.headers.get('content-type');
    // In the answer's own character set (a charset, a <meta charset>), not always UTF-8; a file kept
    // as base64 is never decoded.
    const text = (): string => bodyText(answer, contentType);
    if (!statusMatches(status, p.expectStatus)) {
      const transient = status >= 500 || status === 429 || status === 408;
      const body = text().trim();
      const said = body ? ` It said: ${excerpt(body)}` : '';
      const waitAsked = retryAfter !== null ? ` It asked to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After); later requests of this flow to ${url.host} wait until then.` : '';
      throw new NodeError(
        'E_HTTP_STATUS',
        `${p.method} ${shownUrl} answered ${status}${response.statusText ? ` ${response.statusText}` : ''} (expected ${p.expectStatus}).${said}${waitAsked}`,
        statusHint(status),
        { transient },
      );
    }

    const responseHeaders: { [key: string]: Json } = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    if (p.answerAs === 'base64' || (p.answerAs === 'auto' && isFile(answer, contentType))) {
      // The bytes as they came: text decoding would change a file's bytes it cannot read as letters.
      return out({ ...input, [p.responseField]: { status, headers: responseHeaders, body: Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength).toString('base64'), encoding: 'base64' } });
    }
    const parsed = parseBody(text(), contentType);
    const kept = parsed.keptAsText;
    if (kept.length > 0) {
      // Counted, not shown: a long number may be a card or account number.
      ctx.log.warn(`${url.host} answered with ${kept.length === 1 ? 'a whole number' : `${kept.length} whole numbers`} too long to hold exactly as a number: kept as text, digit for digit, in the step's output.`);
    }
    return out({
      ...input,
      [p.responseField]: { status, headers: responseHeaders, body: parsed.value },
    });
  },
});

/** Adds the credential's header: `Authorization: Basic …` or the API key's header with its prefix. */
function applyCredential(headers: Headers, credential: ResolvedCredential): void {
  let name: string;
  let value: string;
  if (credential.kind === 'basic') {
    name = 'authorization';
    value = `Basic ${Buffer.from(`${String(credential.fields.username ?? '')}:${credential.secrets.password ?? ''}`, 'utf8').toString('base64')}`;
  } else {
    name = typeof credential.fields.header === 'string' && credential.fields.header ? credential.fields.header : 'Authorization';
    value = `${typeof credential.fields.prefix === 'string' ? credential.fields.prefix : ''}${credential.secrets.key ?? ''}`;
  }
  try {
    headers.set(name, value);
  } catch {
    // Never quote the value: it holds the secret.
    throw new NodeError(
      'E_HTTP_REQUEST_INVALID',
      `The credential "${credential.name}" cannot be sent in the header "${name}": its value holds characters a header cannot carry.`,
      'Edit the credential on the Credentials page: check its header name, prefix and key.',
    );
  }
}

/**
 * Redirects are followed by hand, each hop through the network policy (a redirect to a blocked
 * address is refused like the address itself). With a credential, only within the same site
 * (scheme, host and port): the credential is never sent to an address its scope was not checked against.
 */
async function fetchFollowing(
  network: NetworkAccess,
  start: URL,
  init: { method: string; headers: Headers; body?: string; signal: AbortSignal },
  credentialName: string | null,
): Promise<Response> {
  let url = start;
  let { method, body } = init;
  for (let hops = 0; ; hops++) {
    const response = await network.fetch(url, { method, headers: init.headers, body, signal: init.signal });
    const location = response.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return response;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return response;
    await response.body?.cancel().catch(() => undefined);
    if (credentialName !== null && next.origin !== start.origin) {
      throw new NodeError(
        'E_HTTP_REDIRECT',
        `${method} ${displayUrl(url)} redirected to ${displayUrl(next)}, another site: the credential "${credentialName}" is not sent there, so the redirect was not followed.`,
        'If that address is right, put it in the URL directly (and allow its host in the credential\'s scope).',
      );
    }
    if (hops >= MAX_REDIRECTS) {
      throw new NodeError('E_HTTP_REDIRECT', `${method} ${displayUrl(start)} redirected more than ${MAX_REDIRECTS} times.`, 'Check the URL: the service keeps sending the request elsewhere.');
    }
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = response.status === 303 && method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      init.headers.delete('content-type');
    }
    if (next.origin !== url.origin) {
      // Like fetch: what signs the request in is not carried to another site.
      init.headers.delete('authorization');
      init.headers.delete('cookie');
    }
    url = next;
  }
}

/** Whether `status` matches a list like "2xx, 304". */
export function statusMatches(status: number, expected: string): boolean {
  const code = String(status);
  for (const raw of expected.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    if (item.endsWith('xx') ? code[0] === item[0] : code === item) return true;
  }
  return false;
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return 'The service refused access: check the API key or credentials in the headers.';
  if (status === 404) return 'The address does not exist on the service: check the URL and the record fields it uses.';
  if (status === 429) return 'The service says too many requests were sent: set a rate limit on this step (or raise "Wait for Retry-After up to"), or retry later.';
  if (status >= 500) return 'The service had a problem on its side: retrying later may help.';
  if (status >= 400) return 'The service rejected the request: check the URL, headers and body against the service\'s documentation.';
  return 'If this answer is fine, add its code to "Successful status codes".';
}

/** Content types of answers that are text (read as such); any other names a file. */
const TEXT_TYPE = /^\s*(?:text\/|[\w.+-]+\/(?:[\w.-]+\+)?(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|csv|yaml|x-yaml|x-ndjson|graphql)\b)/i;

/**
 * Whether an answer is a file rather than text (`answerAs` auto): its Content-Type names neither
 * text, JSON nor XML (application/pdf, image/png, application/octet-stream…); without one, when its
 * bytes are not UTF-8 text (a NUL, or a byte sequence no text has). Decoded as text, a PDF's or a
 * picture's bytes became U+FFFD and were lost.
 */
function isFile(bytes: Uint8Array, contentType: string | null): boolean {
  if (bytes.length === 0) return false;
  if (contentType !== null && contentType.trim() !== '') return !TEXT_TYPE.test(contentType);
  if (bytes.includes(0)) return true;
  try {
    decodeWhole(bytes, 'utf-8', true);
    return false;
  } catch {
    return true;
  }
}

/** The answer's body: JSON parsed (integers too long for a number kept as text, json-exact.ts), else its text. */
function parseBody(text: string, contentType: string | null): { value: Json; keptAsText: string[] } {
  if (contentType && /[/+]json\b/i.test(contentType)) {
    if (text.trim() === '') return { value: null, keptAsText: [] };
    try {
      const parsed = parseJsonExact(text);
      return { value: parsed.value as Json, keptAsText: parsed.keptAsText };
    } catch {
      return { value: text, keptAsText: [] }; // the service said JSON but sent something else: keep the text
    }
  }
  return { value: text, keptAsText: [] };
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the server refused the connection; nothing is listening at that address and port',
  ENOTFOUND: 'the server name was not found',
  EAI_AGAIN: 'the server name could not be looked up right now',
  ECONNRESET: 'the connection was cut off',
  EPIPE: 'the connection was cut off',
  ETIMEDOUT: 'connecting took too long',
  UND_ERR_CONNECT_TIMEOUT: 'connecting took too long',
  EHOSTUNREACH: 'the server cannot be reached from here',
  ENETUNREACH: 'the network cannot be reached',
  UND_ERR_SOCKET: 'the connection failed',
};

function networkError(err: unknown, url: URL, shownUrl: string, method: string): NodeError {
  const cause = findCause(err);
  const code = cause?.code ?? '';
  const certificate = /CERT|SSL|TLS/i.test(code);
  const reason = NETWORK_REASONS[code] ?? (certificate ? "the site's security certificate was not accepted" : cause?.message || (err as Error)?.message || 'unknown error');
  // A request that may act twice, cut off once sent (network.ts): it was not sent again.
  const mayHaveArrived = cause?.mayHaveArrived === true;
  return new NodeError(
    'E_HTTP_NETWORK',
    `${method} ${shownUrl} failed${code ? ` (${code})` : ''}: ${reason}${mayHaveArrived ? ' after the request was sent' : ''}.`,
    code === 'ENOTFOUND' || certificate
      ? `Check the address (${url.host}) for typing mistakes.`
      : mayHaveArrived
        ? `The service may have received the request before the connection was cut, and a ${method} sent again may act twice: check with the service whether it was handled before retrying this record.`
        : 'Check that the service is up and reachable from this computer; retrying later may help.',
    { transient: code !== 'ENOTFOUND' && !certificate, cause: err },
  );
}

/** The innermost error with a code (fetch wraps network failures: TypeError → cause → …). */
function findCause(err: unknown): { code?: string; message?: string; mayHaveArrived?: boolean } | undefined {
  let current: unknown = err;
  let found: { code?: string; message?: string; mayHaveArrived?: boolean } | undefined;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; mayHaveArrived?: unknown };
    if (typeof e.code === 'string') found = { code: e.code, message: typeof e.message === 'string' ? e.message : undefined, mayHaveArrived: e.mayHaveArrived === true };
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  if (found) return found;
  const outer = err as { cause?: { message?: unknown } } | undefined;
  return typeof outer?.cause?.message === 'string' ? { message: outer.cause.message } : undefined;
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text);
}
