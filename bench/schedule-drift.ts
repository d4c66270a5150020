// Schedule drift: 100 interval ticks (0.2 s) through the real Scheduler and engine, with durable
// commits. late = when the tick fired − when it was scheduled; endDrift = the last tick's lateness
// (interval ticks are anchored, so lateness does not accumulate).
// Run: node --import tsx bench/schedule-drift.ts [ticks] [intervalSeconds]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openConveyor } from '../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const ticks = Number(process.argv[2] ?? 100);
const intervalSeconds = Number(process.argv[3] ?? 0.2);

const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'bench_schedule',
  name: 'Bench schedule',
  description: '',
  settings: { concurrency: 1 },
  nodes: [
    { id: 'tick', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds, overlap: 'allow' } },
    { id: 'log', type: 'core.log', position: { x: 220, y: 0 }, params: {} },
  ],
  edges: [{ id: 'e1', source: 'tick', sourcePort: 'out', target: 'log', targetPort: 'in' }],
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-schedule-'));
try {
  const c = await openConveyor(dir, { schedules: true });
  const late: number[] = [];
  const runIds: string[] = [];
  const done = new Promise<void>((resolve) => {
    c.scheduler.on((e) => {
      if (e.type === 'skipped' || e.type === 'error') throw new Error(`unexpected ${JSON.stringify(e)}`);
      late.push(Date.parse(e.firedAt) - Date.parse(e.scheduledFor));
      runIds.push(e.runId);
      if (late.length === ticks) resolve();
    });
  });
  await c.flows.import(flow);
  await c.scheduler.setEnabled(flow.id, true);
  await done;
  await c.scheduler.setEnabled(flow.id, false);
  await Promise.all(runIds.map((id) => c.engine.waitForRun(id)));
  await c.close();
  const sorted = [...late].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  console.log(
    JSON.stringify({
      ticks: late.length,
      intervalMs: Math.round(intervalSeconds * 1000),
      meanLateMs: round(late.reduce((a, b) => a + b, 0) / late.length),
      p95LateMs: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)],
      maxLateMs: sorted[sorted.length - 1],
      endDriftMs: late[late.length - 1],
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
