import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer } from '../../../demo/model-server.ts';

/** The demo's OpenAI-compatible model server as any client sees it: key, models, answers, faults on demand. */

const KEY = 'demo-test-key-1234';
let model: Awaited<ReturnType<typeof startModelServer>>;

beforeAll(async () => {
  model = await startModelServer({ apiKey: KEY });
});
afterAll(async () => {
  await model?.close();
});

function chat(body: unknown, key = KEY) {
  return fetch(`${model.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
}

const schema = { type: 'object', properties: { subject: { type: 'string' }, employees: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } }, required: ['subject'] };
const request = { model: 'any', messages: [{ role: 'user', content: 'Write it.\nname: Le Fournil\nemployees: 7' }], response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } };

describe('demo model server', () => {
  it('lists its model and refuses a wrong key like OpenAI (401)', async () => {
    const models = await fetch(`${model.baseUrl}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await models.json()).toMatchObject({ object: 'list', data: [{ id: 'conveyor-demo' }] });
    const refused = await chat(request, 'wrong-key');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers the same JSON for the same prompt, built from its name: value lines, with usage', async () => {
    const first = await (await chat(request)).json();
    const second = await (await chat(request)).json();
    expect(first.choices[0].message.content).toBe(second.choices[0].message.content);
    expect(JSON.parse(first.choices[0].message.content)).toEqual({ subject: 'A quick idea for Le Fournil', employees: 7, tags: ['tags for Le Fournil'] });
    expect(first.usage.total_tokens).toBe(first.usage.prompt_tokens + first.usage.completion_tokens);
    expect(first).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'stop', message: { role: 'assistant' } }] });
  });

  it('refuses a request without messages (400)', async () => {
    const res = await chat({ model: 'x', messages: [] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/messages/);
  });

  it('misbehaves on the next calls as the control endpoint queues, in order, then answers again', async () => {
    const bad = await fetch(`${model.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: ['explode'] }) });
    expect(bad.status).toBe(400);
    const queued = await fetch(`${model.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: ['429', '500', 'malformed', 'mismatch'] }) });
    expect(await queued.json()).toEqual({ queued: 4 });
    const limited = await chat(request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await chat(request)).status).toBe(500);
    const malformed = (await (await chat(request)).json()).choices[0].message.content;
    expect(() => JSON.parse(malformed)).toThrow();
    expect(JSON.parse((await (await chat(request)).json()).choices[0].message.content)).toEqual({ subject: 12345 });
    expect(JSON.parse((await (await chat(request)).json()).choices[0].message.content)).toMatchObject({ subject: 'A quick idea for Le Fournil' });
    const stats = await (await fetch(`${model.url}/control/stats`)).json();
    expect(stats.byStatus).toMatchObject({ 429: 1, 500: 1, 401: 1, 400: 1 });
    expect(JSON.stringify(stats)).not.toContain(KEY);
  });
});
