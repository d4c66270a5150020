import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';
import { startModelServer } from '../../demo/model-server.ts';

/**
 * The lead steps in the studio: the inspector's forms of Score, AI: ask a model and Extract list from
 * page, an answer schema refused on save, and a run whose report shows the AI tokens it used.
 */

const studio = useStudio();
const KEY = 'sk-e2e-model-key-4321';
let model: Awaited<ReturnType<typeof startModelServer>>;

beforeAll(async () => {
  model = await startModelServer({ apiKey: KEY });
});
afterAll(async () => {
  await model?.close();
});

const SCHEMA = '{"type":"object","properties":{"subject":{"type":"string"},"body":{"type":"string"},"headline":{"type":"string"}},"required":["subject","body","headline"]}';

const flow = {
  format: 'conveyor.flow/v1',
  id: 'flow_leads',
  name: 'Leads',
  description: '',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
    { id: 'extract', type: 'web.extract', position: { x: 0, y: 200 }, params: {
        url: 'https://directory.example.com/?q={{ term }}',
        itemSelector: 'article.biz',
        fields: [
          { name: 'name', selector: 'h2' },
          { name: 'link', selector: 'h2 a', read: 'attribute', attribute: 'href' },
        ],
        nextSelector: 'a.next',
      },
    },
    {
      id: 'score',
      type: 'data.score',
      position: { x: 250, y: 0 },
      params: {
        rules: [
          { field: 'employees', operator: 'at_least', value: '10', points: 60, label: 'Team of 10+' },
          { field: 'email', operator: 'exists', value: '', points: 10, label: '' },
        ],
        threshold: 50,
      },
    },
    { id: 'intro', type: 'ai.chat', name: 'Write intro', position: { x: 500, y: -80 }, params: { credential: 'model', model: 'conveyor-demo', answerSchema: SCHEMA, prompt: 'Write an intro.\nname: {{ name }}\ncity: {{ city }}' } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'score', targetPort: 'in' },
    { id: 'e2', source: 'score', sourcePort: 'qualified', target: 'intro', targetPort: 'in' },
  ],
};

async function openFlow(page: Page, id: string) {
  await page.goto(`${studio.url}/flows/${id}`);
  await page.locator(s.tid('editor')).waitFor();
  await s.waitForCanvas(page);
}

describe('lead steps in the studio', () => {
  beforeAll(async () => {
    await api(studio.url, 'POST', '/api/credentials', { name: 'model', kind: 'ai_endpoint', fields: { baseUrl: model.baseUrl }, secrets: { apiKey: KEY }, scope: { nodeTypes: ['ai.chat'] } });
    await importFlowViaApi(studio.url, flow);
  });

  test('a run with an AI step shows the tokens it used on its report', async () => {
    const records = [
      { name: 'Maison Dupont', city: 'Lyon', employees: 12, email: 'a@dupont.test' },
      { name: 'Le Fournil', city: 'Lyon', employees: 3, email: 'b@fournil.test' },
      { name: 'Pain & Co', city: 'Bron', employees: 40 },
    ];
    const run = await api<{ id: string }>(studio.url, 'POST', '/api/runs', { flowId: 'flow_leads', input: { records } });
    await waitForRun(studio.url, run.id);
    const report = await api<{ tokens: { total: number; prompt: number; completion: number; answers: number } }>(studio.url, 'GET', `/api/runs/${run.id}/report`);
    // Two records qualify (12 and 40 employees): two answers.
    expect(report.tokens.answers).toBe(2);

    const page = await studio.page();
    await page.goto(`${studio.url}/runs/${run.id}/report`);
    await page.locator(s.tid('report-tokens')).waitFor();
    expect((await page.locator(s.tid('report-tokens-total')).textContent())?.replace(/\D/g, '')).toBe(String(report.tokens.total));
    expect((await page.locator(s.tid('report-tokens-prompt')).textContent())?.replace(/\D/g, '')).toBe(String(report.tokens.prompt));
    expect(await page.locator(s.tid('report-tokens-answers')).textContent()).toBe('2 answers');
    expect(await page.content()).not.toContain(KEY);
    expect(studio.pageErrors).toEqual([]);
  });

  test('the inspector shows the forms of Score, AI: ask a model and Extract list from page, and a bad answer schema is refused on save', async () => {
    const page = await studio.page();
    await openFlow(page, 'flow_leads');
    const inspector = page.locator(s.tid('inspector'));

    await s.selectNode(page, 'score');
    await inspector.locator(s.tid('row-rules.1')).waitFor();
    expect(await s.fieldValue(page, 'rules.0.field')).toBe('employees');
    const operators = await inspector.locator(`${s.tid('field-rules.0.operator')} option`).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean));
    expect(operators).toEqual(['equals', 'not_equals', 'contains', 'not_contains', 'exists', 'missing', 'greater_than', 'at_least', 'less_than', 'at_most', 'matches']);
    expect(await s.fieldValue(page, 'threshold')).toBe('50');

    await s.selectNode(page, 'extract');
    await inspector.locator(s.tid('field-itemSelector')).waitFor();
    expect(await s.fieldValue(page, 'itemSelector')).toBe('article.biz');
    await inspector.locator(s.tid('row-fields.1')).waitFor();
    const reads = await inspector.locator(`${s.tid('field-fields.1.read')} option`).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean));
    expect(reads).toEqual(['text', 'attribute', 'html']);

    await s.selectNode(page, 'intro');
    const credentials = await inspector.locator(`${s.tid('field-credential')} option`).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(credentials).toContain('model');
    expect(await s.fieldValue(page, 'answerSchema')).toBe(SCHEMA);
    expect(await s.fieldValue(page, 'prompt')).toBe('Write an intro.\nname: {{ name }}\ncity: {{ city }}');

    await s.fillField(page, 'answerSchema', '{"type": "objekt"}');
    await page.locator(s.tid('btn-save')).click();
    await expect.poll(() => page.locator('body').textContent(), { timeout: 10_000 }).toContain('"answerSchema" is not a usable answer schema: it is not a JSON Schema the step can read (Unsupported type: objekt).');
    const stored = await api<{ flow: { nodes: Array<{ id: string; params: Record<string, unknown> }> } }>(studio.url, 'GET', '/api/flows/flow_leads');
    expect(stored.flow.nodes.find((n) => n.id === 'intro')!.params.answerSchema).toBe(SCHEMA);
  });
});
