// What a /metrics scrape costs with many runs in the store: the runs-by-status gauge read from whole
// runs (listRunsWithStatus, as before) and from run heads (listRunHeads, what metrics.ts reads now),
// interleaved in one process on one store, with process CPU time, wall time and load average.
// Prints one JSON line.
//   node --import tsx bench/metrics-scrape.ts [runs] [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openConveyor } from '../server/conveyor.ts';
import { RUN_STATUSES } from '../server/contract/status.ts';
import { Metrics } from '../server/monitoring/metrics.ts';
import { flowDoc, recordData, runRow } from '../tests/unit/store/fixtures.ts';

const runs = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-metrics-'));
const c = await openConveyor(dir, { schedules: false });
await c.store.putFlow(flowDoc('f1'));
const pending: Promise<void>[] = [];
for (let i = 0; i < runs; i++) {
  const row = runRow(`run_${i}`, 'f1', new Date(Date.now() - i * 1000).toISOString(), 1);
  pending.push(c.store.createRun({ ...row, status: 'completed' }, [recordData(0)]));
  if (pending.length >= 200) await Promise.all(pending.splice(0));
}
await Promise.all(pending);

const ways: Record<string, () => Promise<number>> = {
  'whole runs (before)': async () => (await c.store.listRunsWithStatus([...RUN_STATUSES])).length,
  'run heads (now)': async () => (await c.store.listRunHeads()).length,
};
const metrics = new Metrics(c.engine, c.store);
const rows: Array<{ read: string; round: number; runs: number; wallMs: number; cpuMs: number; load: string }> = [];
for (let round = 1; round <= rounds; round++) {
  for (const [read, fn] of Object.entries(ways)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const n = await fn();
    const cpu = process.cpuUsage(cpu0);
    rows.push({ read, round, runs: n, wallMs: Math.round(performance.now() - t0), cpuMs: Math.round((cpu.user + cpu.system) / 1000), load: os.loadavg().map((x) => x.toFixed(1)).join(' / ') });
  }
}
// The whole scrape as served, once, to check it reads what the gauge needs.
const text = await metrics.render();
if (!text.includes(`conveyor_runs{status="completed"} ${runs}`)) throw new Error('the scrape does not count the runs');
metrics.close();
await c.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ cores: os.cpus().length, runs, rows }));
