import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startModelServer } from '../../../demo/model-server.ts';
import { startTestServer } from '../server/support.ts';

/**
 * A run with an AI step against the local model server, through the whole studio: the report sums
 * the tokens of every answer — corrected ones and those of a step that failed in the end included —
 * per step and for the run, and the key appears nowhere.
 */

const KEY = 'sk-report-secret-5678';
let studio: Awaited<ReturnType<typeof startTestServer>>;
let model: Awaited<ReturnType<typeof startModelServer>>;
const savedAllow = process.env.CONVEYOR_ALLOW_HOSTS;

const SCHEMA = JSON.stringify({ type: 'object', properties: { subject: { type: 'string' }, body: { type: 'string' } }, required: ['subject', 'body'] });

const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_ai_tokens',
  name: 'AI intros',
  description: '',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
    {
      id: 'intro',
      type: 'ai.chat',
      name: 'Write intro',
      position: { x: 200, y: 0 },
      params: { credential: 'model', model: 'conveyor-demo', answerSchema: SCHEMA, schemaRetries: 1, prompt: 'Intro {{ marker }}\nname: {{ name }}' },
    },
  ],
  edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'intro', targetPort: 'in' }],
} as FlowDocument;

beforeAll(async () => {
  process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
  model = await startModelServer({ apiKey: KEY });
  studio = await startTestServer();
  const cred = await studio.api('POST', '/api/credentials', { name: 'model', kind: 'ai_endpoint', fields: { baseUrl: model.baseUrl }, secrets: { apiKey: KEY }, scope: { nodeTypes: ['ai.chat'] } });
  expect(cred.status).toBe(201);
  expect((await studio.api('POST', '/api/flows/import', flow)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await studio?.close();
  await model?.close();
  if (savedAllow === undefined) delete process.env.CONVEYOR_ALLOW_HOSTS;
  else process.env.CONVEYOR_ALLOW_HOSTS = savedAllow;
});

async function runToEnd(records: Array<Record<string, string>>): Promise<string> {
  const run = await studio.api('POST', '/api/runs', { flowId: flow.id, input: { records } });
  expect(run.status).toBe(201);
  for (let i = 0; i < 400; i++) {
    const { body } = await studio.api('GET', `/api/runs/${run.body.id}`);
    if (body.status === 'completed') return run.body.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the run did not complete');
}

describe('run report: tokens of AI steps', () => {
  it('sums the tokens of every answer, per step and for the run, and never shows the key', async () => {
    const runId = await runToEnd([
      { name: 'Maison Dupont', marker: '' },
      { name: 'Le Fournil', marker: '[[model:mismatch-once]]' },
      { name: 'Pain & Co', marker: '[[model:mismatch]]' },
    ]);
    const records = (await studio.api('GET', `/api/runs/${runId}/records`)).body.items as Array<{ index: number; status: string; output: Record<string, any> | null; error: { code: string } | null }>;
    const byIndex = new Map(records.map((r) => [r.index, r]));
    expect(byIndex.get(0)).toMatchObject({ status: 'success', output: { aiUsage: { calls: 1 } } });
    expect(byIndex.get(1)).toMatchObject({ status: 'success', output: { aiUsage: { calls: 2 } } });
    expect(byIndex.get(2)).toMatchObject({ status: 'failed', error: { code: 'E_AI_SCHEMA' } });
    const succeeded = byIndex.get(0)!.output!.aiUsage.total + byIndex.get(1)!.output!.aiUsage.total;

    const report = await studio.api('GET', `/api/runs/${runId}/report`);
    expect(report.status).toBe(200);
    const tokens = report.body.tokens;
    // 1 + 2 answers of the records that succeeded, 2 of the one that failed (its answers were paid for too).
    expect(tokens.answers).toBe(5);
    expect(tokens.total).toBe(tokens.prompt + tokens.completion);
    expect(tokens.total).toBeGreaterThan(succeeded);
    const step = report.body.perStep.find((s: { nodeId: string }) => s.nodeId === 'intro');
    expect(step.tokens).toEqual(tokens);
    expect(report.body.perStep.find((s: { nodeId: string }) => s.nodeId === 'trigger')?.tokens).toBeUndefined();
    // The trigger's step (counted, not stored: engine/entry-step.ts) is reported once per record, in no time.
    expect(report.body.perStep[0]).toMatchObject({ nodeId: 'trigger', count: report.body.recordCount, success: report.body.recordCount, failed: 0, avgMs: 0 });

    const logs = await studio.api('GET', `/api/runs/${runId}/logs?limit=1000`);
    expect(JSON.stringify([report.body, records, logs.body])).not.toContain(KEY);

    const xlsx = await fetch(`${studio.url}/api/runs/${runId}/report.xlsx`);
    expect(xlsx.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
    const summary: unknown[][] = [];
    wb.getWorksheet('Summary')!.eachRow((row) => summary.push((row.values as unknown[]).slice(1)));
    expect(summary).toContainEqual(['AI tokens used', tokens.total]);
    expect(summary).toContainEqual(['AI model answers', 5]);
  });

  it('leaves tokens out of the report of a flow without AI steps', async () => {
    const plain = { ...flow, id: 'flow_plain', nodes: [flow.nodes[0]], edges: [] } as FlowDocument;
    expect((await studio.api('POST', '/api/flows/import', plain)).status).toBe(201);
    const run = await studio.api('POST', '/api/runs', { flowId: 'flow_plain', input: { records: [{ a: 1 }] } });
    for (let i = 0; i < 200; i++) {
      if ((await studio.api('GET', `/api/runs/${run.body.id}`)).body.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await studio.api('GET', `/api/runs/${run.body.id}/report`);
    expect(report.body.tokens).toBeUndefined();
  });
});
