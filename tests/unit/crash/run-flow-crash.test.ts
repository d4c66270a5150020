import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { api, kill, killAllStudios, startStudio } from './studio-process.ts';

/**
 * Run flow across a kill -9: the studio dies while three records each wait for the child run they
 * started. After the restart and Resume, every record waits for its own child again (resumed with
 * it), and takes its result; no record started a second child.
 */
afterAll(killAllStudios);

function flow(id: string, steps: Array<[string, string, Record<string, unknown>]>): FlowDocument {
  const nodes: Array<[string, string, Record<string, unknown>]> = [['trigger', 'core.manual-trigger', { format: 'json', records: '[]' }], ...steps];
  return {
    format: FLOW_FORMAT,
    id,
    name: id,
    description: '',
    settings: { concurrency: 3 },
    nodes: nodes.map(([nid, type, params], i) => ({ id: nid, type, position: { x: i * 200, y: 0 }, params })),
    edges: nodes.slice(1).map(([nid], i) => ({ id: `e${i}`, source: nodes[i][0], sourcePort: 'out', target: nid, targetPort: 'in' })),
  } as FlowDocument;
}

const runsOf = async (url: string, flowId: string) => (await api(`${url}/api/runs?flowId=${flowId}&limit=100`, 'GET')).body as Array<{ id: string; status: string }>;

describe('Run flow after kill -9', () => {
  it('re-attaches each waiting step to the child run it started', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-run-flow-crash-'));
    let studio = await startStudio(dataDir);
    const child = flow('flow_stage', [['nap', 'core.delay', { ms: 2500 }], ['greet', 'core.set-fields', { fields: [{ name: 'greeting', value: '"Hello " & name' }] }]]);
    const parent = flow('flow_conductor', [['call', 'flow.run', { flowId: 'flow_stage' }]]);
    expect((await api(`${studio.url}/api/flows/import`, 'POST', child)).status).toBeLessThan(300);
    expect((await api(`${studio.url}/api/flows/import`, 'POST', parent)).status).toBeLessThan(300);
    const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_conductor', input: { records: [{ name: 'Ada' }, { name: 'Bo' }, { name: 'Cy' }] } })).body;
    for (let i = 0; i < 200 && (await runsOf(studio.url, 'flow_stage')).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const before = (await runsOf(studio.url, 'flow_stage')).map((r) => r.id).sort();
    expect(before).toHaveLength(3);

    await kill(studio.child);
    studio = await startStudio(dataDir);
    expect((await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status).toBe('interrupted');
    expect((await api(`${studio.url}/api/runs/${run.id}/resume`, 'POST')).status).toBe(200);
    let status = 'running';
    for (let i = 0; i < 400 && status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status;
    }
    expect(status).toBe('completed');
    const children = await runsOf(studio.url, 'flow_stage');
    expect(children.map((r) => r.id).sort()).toEqual(before);
    expect(children.every((r) => r.status === 'completed')).toBe(true);
    const records = (await api(`${studio.url}/api/runs/${run.id}/records?limit=10`, 'GET')).body.items as Array<{ index: number; status: string }>;
    expect(records.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    for (const [i, name] of ['Ada', 'Bo', 'Cy'].entries()) {
      const detail = (await api(`${studio.url}/api/runs/${run.id}/records/${i}`, 'GET')).body;
      expect(detail.record.output).toMatchObject({ name, greeting: `Hello ${name}`, childRun: { status: 'completed' } });
      expect(before).toContain(detail.record.output.childRun.id);
    }
    await kill(studio.child);
  }, 180_000);
});
