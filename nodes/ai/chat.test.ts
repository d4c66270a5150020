import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiChat } from './chat.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import { networkPolicy } from '../sdk/network.ts';
import { startModelServer } from '../../demo/model-server.ts';

/** The AI step against the local OpenAI-compatible model server (demo/model-server.ts), for real. */

const KEY = 'sk-test-secret-key-1234';
let model: Awaited<ReturnType<typeof startModelServer>>;

const INTRO_SCHEMA = JSON.stringify({
  type: 'object',
  properties: { subject: { type: 'string', minLength: 5 }, body: { type: 'string' }, headline: { type: 'string' } },
  required: ['subject', 'body', 'headline'],
  additionalProperties: false,
});

const LEAD = { name: 'Maison Dupont', city: 'Lyon', email: 'contact@maison-dupont.test' };

function credentials(baseUrl = model.baseUrl, apiKey = KEY) {
  return fakeCredentials([{ name: 'model', kind: 'ai_endpoint', fields: { baseUrl }, secrets: { apiKey } }]);
}

function ask(params: Record<string, unknown>, input: Record<string, unknown> = LEAD, extra: Record<string, unknown> = {}) {
  return runNode(
    aiChat,
    { credential: 'model', model: 'conveyor-demo', answerSchema: INTRO_SCHEMA, prompt: 'Write an intro.\nname: {{ name }}\ncity: {{ city }}', ...params },
    input as never,
    { credentials: credentials(), network: networkPolicy(['127.0.0.1']), ...extra },
  );
}

beforeAll(async () => {
  model = await startModelServer({ apiKey: KEY });
});
afterAll(async () => {
  await model?.close();
});

describe('ai.chat against an OpenAI-compatible server', () => {
  it('sends the prompt made from the record with the key, and stores the answer as JSON matching the schema, with the tokens used', async () => {
    const before = model.stats.calls;
    const { result, ctx } = await ask({ system: 'You write for {{ city }} shops.' });
    expect(model.stats.calls).toBe(before + 1);
    const sent = model.stats.lastRequest as { model: string; messages: Array<{ role: string; content: string }>; response_format: { type: string; json_schema: { schema: unknown } }; temperature: number; max_tokens: number };
    expect(sent.model).toBe('conveyor-demo');
    expect(sent.messages[0]).toMatchObject({ role: 'system' });
    expect(sent.messages[0].content).toMatch(/^You write for Lyon shops\./);
    expect(sent.messages[0].content).toContain('JSON Schema');
    expect(sent.messages[1]).toEqual({ role: 'user', content: 'Write an intro.\nname: Maison Dupont\ncity: Lyon' });
    expect(sent.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: JSON.parse(INTRO_SCHEMA) } });
    expect(sent).toMatchObject({ temperature: 0.2, max_tokens: 800 });

    const data = result.emit[0].data as Record<string, any>;
    expect(result.emit[0].port).toBe('out');
    expect(data.email).toBe(LEAD.email);
    expect(data.ai).toEqual({ subject: 'A quick idea for Maison Dupont', body: expect.stringContaining('Hello Maison Dupont'), headline: expect.stringContaining('Maison Dupont') });
    expect(data.aiUsage).toMatchObject({ calls: 1 });
    expect(data.aiUsage.total).toBe(data.aiUsage.prompt + data.aiUsage.completion);
    expect(data.aiUsage.total).toBeGreaterThan(10);
    // One log line per answer carries its tokens (the run report sums them).
    const usageLines = ctx.logs.filter((l) => (l.data as any)?.tokenUsage);
    expect(usageLines).toHaveLength(1);
    expect((usageLines[0].data as any).tokenUsage).toEqual({ prompt: data.aiUsage.prompt, completion: data.aiUsage.completion, total: data.aiUsage.total });
    expect(JSON.stringify({ result, logs: ctx.logs })).not.toContain(KEY);
  });

  it('stores a free-text answer when no schema is given', async () => {
    const { result } = await ask({ answerSchema: '', prompt: 'Say hello to {{ name }}' });
    expect(result.emit[0].data.ai).toBe('You asked: Say hello to Maison Dupont');
    expect((model.stats.lastRequest as Record<string, unknown>).response_format).toBeUndefined();
  });

  it('sends an answer that misses the schema back with what is wrong, and keeps the corrected one', async () => {
    const { result, ctx } = await ask({ prompt: 'Intro please [[model:mismatch-once]]\nname: {{ name }}' });
    const sent = model.stats.lastRequest as { messages: Array<{ role: string; content: string }> };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent.messages[3].content).toMatch(/does not fit: it does not match the JSON Schema — subject: .*expected string/);
    const data = result.emit[0].data as Record<string, any>;
    expect(data.ai.subject).toBe('A quick idea for Maison Dupont');
    expect(data.aiUsage.calls).toBe(2);
    expect(ctx.logs.filter((l) => (l.data as any)?.tokenUsage)).toHaveLength(2);
    expect(ctx.logs.some((l) => l.level === 'warn' && /asking for a correction \(1 of 2\)/.test(l.message))).toBe(true);
  });

  it('fails with E_AI_SCHEMA and the last answer when the model never conforms', async () => {
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:mismatch]]', schemaRetries: 1 }));
    expect(err.code).toBe('E_AI_SCHEMA');
    expect(err.message).toMatch(/after 2 answers/);
    expect(err.message).toContain('Last answer: "{\\"subject\\":12345}"');
    expect(err.hint).toMatch(/prompt/);
    expect(err.transient).toBe(false);
  });

  it('treats an answer that is not JSON like one that misses the schema', async () => {
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:malformed]]', schemaRetries: 0 }));
    expect(err.code).toBe('E_AI_SCHEMA');
    expect(err.message).toMatch(/after 1 answer: it is not valid JSON/);
    expect(err.message).toContain('Sure! Here is the JSON');
  });

  it('waits as Retry-After asks when the server answers 429, then gets the answer', async () => {
    const started = Date.now();
    const { result, ctx } = await ask({ prompt: 'Intro [[model:429]]\nname: {{ name }}' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.emit[0].data.ai).toMatchObject({ subject: 'A quick idea for Maison Dupont' });
    expect(ctx.logs.some((l) => l.level === 'warn' && /answered 429 \(too many requests\): retry 1 of 3 in 1000 ms \(as its Retry-After asks\)/.test(l.message))).toBe(true);
  });

  it('fails with E_AI_RATE_LIMITED (transient) when the server keeps answering 429', async () => {
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:429-always]]', retries: 1 }));
    expect(err).toMatchObject({ code: 'E_AI_RATE_LIMITED', transient: true });
    expect(err.message).toMatch(/still answered 429 \(too many requests\) after 1 retry/);
  });

  it('keeps the flow\'s rate limit per host: answers are spaced by the limit', async () => {
    const run = { id: 'run_rl', flowId: 'flow_rate_limited' };
    const started = Date.now();
    for (let i = 0; i < 3; i++) await ask({ answerSchema: '', prompt: `Hello ${i}`, rateLimit: 4, ratePer: 'second' }, LEAD, { run });
    // 4 per second: at least 250 ms between two requests to the host.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('fails at once when Retry-After asks longer than the step waits, and holds the host back for the rest of the flow', async () => {
    const run = { id: 'run_ra', flowId: 'flow_retry_after' };
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:429-always]]', retryAfterMaxSeconds: 0 }, LEAD, { run }));
    expect(err).toMatchObject({ code: 'E_AI_RATE_LIMITED', transient: true });
    expect(err.message).toMatch(/It asked to wait 1 s, longer than the step waits .*later requests of this flow to 127\.0\.0\.1:\d+ wait until then/);
    const started = Date.now();
    await ask({ answerSchema: '', prompt: 'Hello again' }, LEAD, { run });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('retries a 500 once, and fails with E_AI_UPSTREAM (transient) when it lasts', async () => {
    const { result } = await ask({ prompt: 'Intro [[model:500-once]]\nname: {{ name }}' });
    expect(result.emit[0].data.ai).toMatchObject({ subject: 'A quick idea for Maison Dupont' });
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:500]]', retries: 0 }));
    expect(err).toMatchObject({ code: 'E_AI_UPSTREAM', transient: true });
    expect(err.message).toMatch(/answered 500: the server had a problem on its side\. It said: .*server had an error/);
  });

  it('gives up after the time limit with E_AI_TIMEOUT', async () => {
    const err = await failureOf(() => ask({ prompt: 'Intro [[model:slow=3000]]', timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'E_AI_TIMEOUT', transient: true });
    expect(err.message).toMatch(/gave no answer within 300 ms/);
  });

  it('reports a refused key with E_AI_REQUEST, never quoting the key', async () => {
    const wrong = 'sk-wrong-key-9876';
    const err = await failureOf(() => ask({}, LEAD, { credentials: credentials(model.baseUrl, wrong) }));
    expect(err.code).toBe('E_AI_REQUEST');
    expect(err.message).toMatch(/refused the request: 401/);
    expect(err.hint).toMatch(/API key/);
    expect(`${err.message} ${err.hint}`).not.toContain(wrong);
  });

  it('cuts the key out of what a server says when it quotes it back', async () => {
    // Some servers quote the key they refused ("Incorrect API key provided: sk-…").
    const quoting = createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).slice('Bearer '.length)}` } }));
    });
    await new Promise<void>((resolve) => quoting.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(quoting.address() as AddressInfo).port}/v1`;
      const err = await failureOf(() => ask({}, LEAD, { credentials: credentials(url) }));
      expect(err.code).toBe('E_AI_REQUEST');
      expect(err.message).toContain('Incorrect API key provided: ***');
      expect(err.message).not.toContain(KEY);
    } finally {
      quoting.close();
    }
  });

  it('goes through the network policy: a local server not allowed is refused before any call', async () => {
    const before = model.stats.calls;
    const err = await failureOf(() => ask({}, LEAD, { network: networkPolicy([], {}) }));
    expect(err.code).toBe('E_NETWORK_BLOCKED');
    expect(model.stats.calls).toBe(before);
  });
});

describe('ai.chat settings', () => {
  it('refuses an answer schema that is not JSON, not a schema, or uses a regular expression, when the flow is saved', () => {
    const problems = (answerSchema: string) => aiChat.params.safeParse({ credential: 'model', answerSchema }).error?.issues.map((i) => i.message) ?? [];
    expect(problems('{"type": "object",')).toEqual([expect.stringMatching(/^is not a usable answer schema: it is not valid JSON/)]);
    expect(problems('{"type": "objekt"}')).toEqual(['is not a usable answer schema: it is not a JSON Schema the step can read (Unsupported type: objekt)']);
    expect(problems('{"type":"object","properties":{"code":{"type":"string","pattern":"(a+)+$"}}}')).toEqual([expect.stringMatching(/"properties\.code\.pattern" uses a regular expression/)]);
    expect(problems('{"type":"object","properties":{"pattern":{"type":"string"}}}')).toEqual([]);
    expect(problems(INTRO_SCHEMA)).toEqual([]);
    expect(problems('')).toEqual([]);
  });
});
