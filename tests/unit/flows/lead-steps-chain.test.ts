import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { createDirectory, directoryListing } from '../../../demo/directory.ts';
import { listenApp, type Listening } from '../../../demo/listen.ts';
import { startModelServer } from '../../../demo/model-server.ts';
import { startTestServer } from '../server/support.ts';

/**
 * The lead steps chained in one real run, as the lead pipeline uses them: a search term → Extract
 * list from page over the demo directory's pages (one record per business) → Score → AI intro for
 * the qualified ones; the others end unqualified.
 */

const KEY = 'sk-chain-key-0001';
const THRESHOLD = 20;
let studio: Awaited<ReturnType<typeof startTestServer>>;
let model: Awaited<ReturnType<typeof startModelServer>>;
let directory: Listening;
const savedAllow = process.env.CONVEYOR_ALLOW_HOSTS;

beforeAll(async () => {
  process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
  model = await startModelServer({ apiKey: KEY });
  const app = express();
  app.use(createDirectory().app);
  directory = await listenApp(app);
  studio = await startTestServer();
  expect((await studio.api('POST', '/api/credentials', { name: 'model', kind: 'ai_endpoint', fields: { baseUrl: model.baseUrl }, secrets: { apiKey: KEY }, scope: { nodeTypes: ['ai.chat'] } })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await studio?.close();
  await directory?.close();
  await model?.close();
  if (savedAllow === undefined) delete process.env.CONVEYOR_ALLOW_HOSTS;
  else process.env.CONVEYOR_ALLOW_HOSTS = savedAllow;
});

function chain(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_lead_chain',
    name: 'Lead steps chained',
    description: '',
    settings: { concurrency: 2 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
      {
        id: 'extract',
        type: 'web.extract',
        position: { x: 200, y: 0 },
        params: {
          url: `${directory.url}/directory?q={{ $encodeUrlComponent(term) }}`,
          itemSelector: 'article.business',
          fields: [
            { name: 'name', selector: 'h2' },
            { name: 'city', selector: '.city' },
            { name: 'employees', selector: '.employees' },
            { name: 'email', selector: 'a.email' },
          ],
          nextSelector: 'a.next',
          maxPages: 5,
        },
      },
      {
        id: 'score',
        type: 'data.score',
        position: { x: 400, y: 0 },
        params: {
          rules: [
            { field: 'employees', operator: 'at_least', value: '10', points: 15, label: 'Team of 10+' },
            { field: 'email', operator: 'exists', value: '', points: 10, label: 'Has an email' },
          ],
          threshold: THRESHOLD,
        },
      },
      {
        id: 'intro',
        type: 'ai.chat',
        position: { x: 600, y: -80 },
        params: {
          credential: 'model',
          model: 'conveyor-demo',
          answerSchema: JSON.stringify({ type: 'object', properties: { subject: { type: 'string' }, body: { type: 'string' }, headline: { type: 'string' } }, required: ['subject', 'body', 'headline'] }),
          prompt: 'Write an intro.\nname: {{ name }}\ncity: {{ city }}',
        },
      },
      { id: 'later', type: 'core.end', position: { x: 600, y: 80 }, params: { status: 'skipped', reason: 'Not qualified' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'extract', targetPort: 'in' },
      { id: 'e2', source: 'extract', sourcePort: 'out', target: 'score', targetPort: 'in' },
      { id: 'e3', source: 'score', sourcePort: 'qualified', target: 'intro', targetPort: 'in' },
      { id: 'e4', source: 'score', sourcePort: 'unqualified', target: 'later', targetPort: 'in' },
    ],
  } as FlowDocument;
}

describe('lead steps chained in a run', () => {
  it('extracts every business of the term, scores each, and writes an intro for the qualified ones only', async () => {
    expect((await studio.api('POST', '/api/flows/import', chain())).status).toBe(201);
    const listing = directoryListing('bakery lyon');
    const qualified = listing.filter((b) => (b.employees >= 10 ? 15 : 0) + (b.listsEmail ? 10 : 0) >= THRESHOLD);
    expect(qualified.length).toBeGreaterThan(0);
    expect(qualified.length).toBeLessThan(listing.length);

    const run = await studio.api('POST', '/api/runs', { flowId: 'flow_lead_chain', input: { records: [{ term: 'bakery lyon' }] } });
    expect(run.status).toBe(201);
    let status = '';
    for (let i = 0; i < 400 && status !== 'completed'; i++) {
      status = (await studio.api('GET', `/api/runs/${run.body.id}`)).body.status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');

    const steps = (await studio.api('GET', `/api/runs/${run.body.id}/records/0`)).body.steps as Array<{ nodeId: string; status: string; output: Array<{ port: string; data: Record<string, any> }> }>;
    const scored = steps.filter((s) => s.nodeId === 'score');
    expect(scored).toHaveLength(listing.length);
    expect(scored.filter((s) => s.output[0].port === 'qualified').map((s) => s.output[0].data.name).sort()).toEqual(qualified.map((b) => b.name).sort());
    const intros = steps.filter((s) => s.nodeId === 'intro');
    expect(intros).toHaveLength(qualified.length);
    for (const step of intros) {
      const data = step.output[0].data;
      expect(data.ai).toEqual({ subject: `A quick idea for ${data.name}`, body: expect.stringContaining(`Hello ${data.name}`), headline: expect.stringContaining(data.name) });
      expect(data.scoreDetails.qualified).toBe(true);
    }

    const report = (await studio.api('GET', `/api/runs/${run.body.id}/report`)).body;
    expect(report.tokens.answers).toBe(qualified.length);
    expect(report.perStep.find((s: { nodeId: string }) => s.nodeId === 'extract')).toMatchObject({ count: 1, success: 1 });
  });
});
