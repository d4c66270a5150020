import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringFlow, startTestServer } from './support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('REST: a flow with an invalid expression is refused before any record meets it', () => {
  it('save (PUT) answers 422 naming the node, the field and the position, and keeps the stored flow', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_expr'))).body.flow;
    const bad = structuredClone(flow);
    bad.nodes[1].params.fields[0].value = '$.a & (';
    const put = await s.api('PUT', `/api/flows/${flow.id}`, bad);
    expect(put.status).toBe(422);
    expect(put.body.error.code).toBe('E_FLOW_INVALID');
    expect(put.body.error.problems).toEqual([
      expect.objectContaining({ path: '$.nodes[1].params.fields[0].value', code: 'E_EXPRESSION_INVALID', nodeId: 'score', position: 7, message: expect.stringMatching(/^Step "score", "Value" \(fields\[0\]\.value\): The expression is not valid/) }),
    ]);
    expect((await s.api('GET', `/api/flows/${flow.id}`)).body.flow.nodes[1].params.fields[0].value).toBe('n * 2');

    const imported = await s.api('POST', '/api/flows/import', { ...bad, id: 'flow_expr_copy' });
    expect(imported.status).toBe(422);
    expect((await s.api('GET', '/api/flows')).body.map((f: { id: string }) => f.id)).not.toContain('flow_expr_copy');
  });

  it('the dry check of the editor\'s flow lists the problem', async () => {
    const flow = scoringFlow('flow_expr_check', '[{"n": 3}]');
    flow.nodes[2].params = { condition: 'score >' };
    await s.api('POST', '/api/flows/import', scoringFlow('flow_expr_check', '[{"n": 3}]'));
    const r = await s.api('POST', '/api/flows/flow_expr_check/preflight', { flow });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    expect(r.body.problems).toEqual([expect.objectContaining({ path: '$.nodes[2].params.condition', code: 'E_EXPRESSION_INVALID', position: 7 })]);
  });
});
