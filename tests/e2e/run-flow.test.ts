import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

/** The Run flow step in the editor: its flow is picked from the saved flows (never itself), saved, and run. */
const studio = useStudio();

function flow(id: string, name: string, steps: Array<{ id: string; type: string; params: Record<string, unknown> }>) {
  const nodes = [{ id: 'trigger', type: 'core.manual-trigger', params: { format: 'json', records: '[{"name": "Ada"}]' } }, ...steps];
  return {
    format: 'conveyor.flow/v1',
    id,
    name,
    description: '',
    settings: { concurrency: 1 },
    nodes: nodes.map((n, i) => ({ ...n, position: { x: 100 + i * 260, y: 200 } })),
    edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i].id, sourcePort: 'out', target: n.id, targetPort: 'in' })),
  };
}

describe('Run flow in the editor', () => {
  test('offers the other saved flows, not the flow itself; the saved step runs the chosen flow and takes its result; the child run links back', async () => {
    await api(studio.url, 'POST', '/api/flows/import', flow('flow_stage', 'Stage: greet', [{ id: 'greet', type: 'core.set-fields', params: { fields: [{ name: 'greeting', value: '"Hello " & name' }] } }]));
    await api(studio.url, 'POST', '/api/flows/import', flow('flow_conductor', 'Conductor', [{ id: 'call', type: 'flow.run', params: {} }]));

    const page = await studio.page();
    await page.goto(`${studio.url}/flows/flow_conductor`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'call');
    const select = page.locator(`${s.tid('inspector')} ${s.tid('field-flowId')}`);
    await expect.poll(() => select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', 'flow_stage']);
    await s.selectField(page, 'flowId', 'flow_stage');
    await s.save(page);

    const saved = await api<{ flow: { nodes: Array<{ id: string; params: Record<string, unknown> }> } }>(studio.url, 'GET', '/api/flows/flow_conductor');
    expect(saved.flow.nodes.find((n) => n.id === 'call')!.params.flowId).toBe('flow_stage');
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: 'flow_conductor' });
    expect((await waitForRun(studio.url, run.id)).status).toBe('completed');
    const detail = await api<{ record: { output: Record<string, unknown> } }>(studio.url, 'GET', `/api/runs/${run.id}/records/0`);
    expect(detail.record.output).toMatchObject({ name: 'Ada', greeting: 'Hello Ada', childRun: { flowId: 'flow_stage', status: 'completed' } });
    // The child run's page links back to the run that started it.
    const childRun = (detail.record.output.childRun as { url: string }).url;
    await page.goto(`${studio.url}${childRun}`);
    const caller = page.locator(s.tid('run-caller'));
    await caller.waitFor();
    expect(await caller.textContent()).toBe(`Started by record #1 of run ${run.id}`);
    await caller.click();
    await page.waitForURL(new RegExp(`/runs/${run.id}$`));
    expect(studio.pageErrors).toEqual([]);
  }, 120_000);
});
