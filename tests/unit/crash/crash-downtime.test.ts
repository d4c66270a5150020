import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { crashHaltStart } from '../../../server/engine/run-halts.ts';
import { api, kill, killAllStudios, startStudio } from './studio-process.ts';

/**
 * A run the studio's crash left going stood still while the studio was down: from about the crash
 * (the store's last write before the restart) until the run is resumed. Its report leaves that
 * time out of its duration and says how long it stood still.
 */
afterAll(() => killAllStudios());

const DOWN_MS = 3000;

const slowFlow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_down',
  name: 'Down a while',
  description: '',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
    { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: 100 } },
    { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' },
    { id: 'e2', source: 'wait', sourcePort: 'out', target: 'done', targetPort: 'in' },
  ],
};

it("leaves the time the studio was down out of the run's duration", async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-down-'));
  let studio = await startStudio(dataDir);
  await api(`${studio.url}/api/flows/import`, 'POST', slowFlow);
  const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_down', input: { records: Array.from({ length: 40 }, (_, n) => ({ n })) } })).body;
  // Some records done, most still to do: it is going when the studio dies.
  for (let i = 0; i < 200 && (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.counts.success < 4; i++) await new Promise((r) => setTimeout(r, 25));
  await kill(studio.child);
  const killedAt = Date.now();
  await new Promise((r) => setTimeout(r, DOWN_MS));
  studio = await startStudio(dataDir);
  expect((await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status).toBe('interrupted');
  expect((await api(`${studio.url}/api/runs/${run.id}/resume`, 'POST')).status).toBe(200);
  for (let i = 0; i < 600 && (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
  const report = (await api(`${studio.url}/api/runs/${run.id}/report`, 'GET')).body;
  await kill(studio.child);

  expect(report.status).toBe('completed');
  // Stood still from its last write before the kill (moments before it) to the Resume: at least the time down.
  const resumedBy = Date.parse(report.endedAt);
  expect(report.haltedMs).toBeGreaterThanOrEqual(DOWN_MS);
  expect(report.haltedMs).toBeLessThan(resumedBy - killedAt + 1000);
  const span = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  expect(report.durationMs).toBe(span - report.haltedMs);
});

it('the halt of a crash starts at the last write when it falls within the run, else at the restart', () => {
  const now = '2026-01-01T10:00:00.000Z';
  expect(crashHaltStart({ startedAt: '2026-01-01T09:00:00.000Z' }, '2026-01-01T09:30:00.000Z', now)).toBe('2026-01-01T09:30:00.000Z');
  // Unknown, before the run started (a store idle since), or after now (a clock moved back): the restart.
  expect(crashHaltStart({ startedAt: '2026-01-01T09:00:00.000Z' }, null, now)).toBe(now);
  expect(crashHaltStart({ startedAt: '2026-01-01T09:00:00.000Z' }, '2026-01-01T08:00:00.000Z', now)).toBe(now);
  expect(crashHaltStart({ startedAt: '2026-01-01T09:00:00.000Z' }, '2026-01-01T11:00:00.000Z', now)).toBe(now);
});
