// One benchmark case in its own process (so CPU time and peak RSS are its own): N records through
// a flow with durable commits on. Cases (third argument):
//   jsonata   10 set-fields nodes, each f_i = n * i + $length(name)        (the "10-step chain")
//   field     10 set-fields nodes, each f_i = n (a plain field reference: the expression fast path)
//   code      one code step: return { ...record, total: record.n * 2 + record.name.length }
// A fourth argument `slow` turns the expression fast path off (the figure before it existed).
// CPU time is the process's user + system time (every thread, the code sandbox's workers too) from
// the run's start to its end; bytesPerStep is everything the process wrote with write(2) in that
// time (journal, snapshots, step segments; Linux only, else null) over the steps; prints one JSON line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { useExpressionFastPath } from '../server/contract/expression/expression.ts';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const records = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 64);
const kind = (process.argv[4] ?? 'jsonata') as 'jsonata' | 'field' | 'code';
const fastPath = process.argv[5] !== 'slow';
const CHAIN = 10;
useExpressionFastPath(fastPath);

function flow(): FlowDocument {
  const nodes: FlowDocument['nodes'] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: FlowDocument['edges'] = [];
  const steps = kind === 'code' ? 1 : CHAIN;
  for (let i = 1; i <= steps; i++) {
    const params =
      kind === 'code'
        ? { code: 'return { ...record, total: record.n * 2 + record.name.length };' }
        : { fields: [{ name: `f${i}`, value: kind === 'field' ? 'n' : `n * ${i} + $length(name)` }], keepOtherFields: true };
    nodes.push({ id: `s${i}`, type: kind === 'code' ? 'core.code' : 'core.set-fields', position: { x: i * 220, y: 0 }, params });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `s${i - 1}`, sourcePort: 'out', target: `s${i}`, targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id: 'bench', name: 'Bench chain', description: '', settings: { concurrency }, nodes, edges };
}

function expected(last: Record<string, unknown> | undefined): boolean {
  const n = records - 1;
  if (kind === 'code') return last?.total === n * 2 + `Person ${n}`.length;
  return last?.[`f${CHAIN}`] === (kind === 'field' ? n : n * CHAIN + `Person ${n}`.length);
}

const cpuSeconds = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
const written = (): number | null => {
  try {
    return Number(/wchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return null;
  }
};
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
try {
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir });
  const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
  const wrote0 = written();
  const usage0 = process.resourceUsage();
  const cpu0 = cpuSeconds(usage0);
  const t0 = performance.now();
  const run = await engine.startRun(flow(), { input: { records: input } });
  const summary = await engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  const usage1 = process.resourceUsage();
  const cpu = cpuSeconds(usage1) - cpu0;
  const systemSeconds = (usage1.systemCPUTime - usage0.systemCPUTime) / 1e6;
  await engine.shutdown();
  await store.close();
  const wrote1 = written();
  const steps = records * ((kind === 'code' ? 1 : CHAIN) + 1);
  const bytesPerStep = wrote0 === null || wrote1 === null || Number.isNaN(wrote0) ? null : Math.round((wrote1 - wrote0) / steps);
  if (summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  const check = await openSqlJsStore(path.join(dir, 'store'));
  const last = await check.getRecord(run.id, records - 1);
  await check.close();
  if (!expected(last?.output as Record<string, unknown> | undefined)) throw new Error('wrong output after reopening the store');
  process.stdout.write(
    JSON.stringify({ system: 'conveyor', kind, fastPath, records, concurrency, steps, seconds, cpuSeconds: cpu, systemSeconds, recordsPerSec: records / seconds, bytesPerStep, stepsPerSec: steps / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
