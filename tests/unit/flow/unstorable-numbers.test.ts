import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from '../server/support.ts';

/**
 * Issue 12: a flow with `position.x = 1e308` imported (201) but was stored as null — the canonical
 * form rounds positions to 0.1 (x × 10 overflows to Infinity, which JSON writes as null) — and
 * then failed validation. Numbers that the store cannot keep exactly are now refused at import,
 * with their JSON path, and nothing is stored.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

function flowText(x: string, extra = '1'): string {
  return `{"format": "${FLOW_FORMAT}", "id": "flow_numbers", "name": "Numbers", "settings": {"concurrency": 1},
    "nodes": [
      {"id": "t", "type": "core.manual-trigger", "position": {"x": ${x}, "y": 0}, "params": {"format": "json", "records": "[]"}},
      {"id": "s", "type": "core.set-fields", "position": {"x": 200, "y": 0}, "params": {"fields": [], "limit": ${extra}}}
    ],
    "edges": [{"id": "e", "source": "t", "sourcePort": "out", "target": "s", "targetPort": "in"}]}`;
}

async function importText(text: string) {
  return s.api('POST', '/api/flows/import?onConflict=replace', text);
}

describe('numbers that cannot be stored exactly are refused at import', () => {
  it.each(['1e308', '-1e308', '1e300', '1e16'])('position.x = %s: 422 naming $.nodes[0].position.x, nothing stored', async (x) => {
    const answer = await importText(flowText(x));
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('E_FLOW_INVALID');
    const problem = answer.body.error.problems.find((p: { path: string }) => p.path === '$.nodes[0].position.x');
    expect(problem?.message).toMatch(/canvas position/);
    expect((await s.api('GET', '/api/flows/flow_numbers')).status).toBe(404);
  });

  it('a number JSON reads as Infinity (1e999) in a step setting: 422 with its path', async () => {
    const answer = await importText(flowText('0', '1e999'));
    expect(answer.status).toBe(422);
    const problem = answer.body.error.problems.find((p: { path: string }) => p.path === '$.nodes[1].params.limit');
    expect(problem?.message).toMatch(/too large to be stored/);
  });

  it('ordinary large positions still import and come back exactly', async () => {
    const answer = await importText(flowText('123456789.5'));
    expect(answer.status).toBe(201);
    const stored = await s.api('GET', '/api/flows/flow_numbers');
    expect(stored.body.flow?.nodes?.[0]?.position?.x ?? stored.body.nodes?.[0]?.position?.x).toBe(123456789.5);
  });
});
