// One benchmark case in its own process (so CPU time and peak RSS are its own): N records through
// a flow with durable commits on. Cases (third argument):
//   jsonata   10 set-fields nodes, each f_i = n * i + $length(name)        (the "10-step chain")
//   field     10 set-fields nodes, each f_i = n (a plain field reference: the expression fast path)
//   code      one code step: return { ...record, total: record.n * 2 + record.name.length }
// A fourth argument `slow` turns the expression fast path off (the figure before it existed).
// BENCH_DURABLE tells how much of the durable path runs, to see where its CPU goes (a measurement,
// nothing a user can turn off): `engine` (step commits and record updates answered at once: nothing
// serialized nor written), `entries` (each step's journal entry made, not written), `journal` (written
// and synced, not applied to the database), `all` (the default: the store as it is).
// CPU time is the process's user + system time (every thread, the code sandbox's workers too) from
// the run's start to its end; bytesPerStep is everything the process wrote with write(2) in that
// time (journal, snapshots, step segments; Linux only, else null) over the steps; mainSeconds the main
// thread's share of the CPU time (Linux only, else null); prints one JSON line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { useExpressionFastPath } from '../server/contract/expression/expression.ts';
import { Engine } from '../server/engine/engine.ts';
import { commitStepOp, encodeOp } from '../server/store/ops.ts';
import { openSqlJsStore, type SqlJsStore } from '../server/store/sqljs-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const records = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 64);
const kind = (process.argv[4] ?? 'jsonata') as 'jsonata' | 'field' | 'code';
const fastPath = process.argv[5] !== 'slow';
const durable = (process.env.BENCH_DURABLE ?? 'all') as 'engine' | 'entries' | 'journal' | 'all';
if (!['engine', 'entries', 'journal', 'all'].includes(durable)) throw new Error(`BENCH_DURABLE: engine, entries, journal or all, not ${durable}`);
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
/**
 * CPU seconds of the main thread alone (Linux; null elsewhere). The rest of the process's CPU time is
 * V8's helper threads (the collector's parallel and concurrent work, the optimizing compilers — for
 * sql.js's WebAssembly too) and libuv's pool (the journal's write and fdatasync).
 */
const mainThreadSeconds = (): number | null => {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
};
const written = (): number | null => {
  try {
    return Number(/wchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return null;
  }
};
/**
 * The store the engine is given: the store itself, or (BENCH_DURABLE) one whose step commits, record
 * updates and log lines stop short (`journal`: the database's part is off once the run exists).
 */
function partOf(store: SqlJsStore): { store: SqlJsStore; runStarted(): void } {
  if (durable === 'all') return { store, runStarted: () => undefined };
  if (durable === 'journal') {
    let started = false;
    const applier = (store as unknown as { applier: { applyBatch(entries: unknown[]): unknown[] } }).applier;
    const apply = applier.applyBatch.bind(applier);
    applier.applyBatch = (entries) => (started ? entries.map(() => ({ ok: true, value: undefined })) : apply(entries));
    return { store, runStarted: () => (started = true) };
  }
  const answered = new Set(['commitStep', 'updateRecord', 'appendLogs']);
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      if (durable === 'entries' && key === 'commitStep') {
        return (step: Parameters<SqlJsStore['commitStep']>[0], update: Parameters<SqlJsStore['commitStep']>[1]) => {
          encodeOp(commitStepOp(step, update));
          return Promise.resolve();
        };
      }
      if (answered.has(key as string)) return () => Promise.resolve();
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, runStarted: () => undefined };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
try {
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const part = partOf(store);
  const engine = new Engine({ store: part.store, registry: createRegistry(), dataDir: dir });
  const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
  const wrote0 = written();
  const usage0 = process.resourceUsage();
  const cpu0 = cpuSeconds(usage0);
  const main0 = mainThreadSeconds();
  const t0 = performance.now();
  const run = await engine.startRun(flow(), { input: { records: input } });
  part.runStarted();
  const summary = await engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  const usage1 = process.resourceUsage();
  const cpu = cpuSeconds(usage1) - cpu0;
  const main1 = mainThreadSeconds();
  const mainSeconds = main0 === null || main1 === null ? null : Math.round((main1 - main0) * 100) / 100;
  const systemSeconds = (usage1.systemCPUTime - usage0.systemCPUTime) / 1e6;
  await engine.shutdown();
  await store.close();
  const wrote1 = written();
  const steps = records * ((kind === 'code' ? 1 : CHAIN) + 1);
  const bytesPerStep = wrote0 === null || wrote1 === null || Number.isNaN(wrote0) ? null : Math.round((wrote1 - wrote0) / steps);
  if (durable === 'all' && summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  const check = await openSqlJsStore(path.join(dir, 'store'));
  const last = await check.getRecord(run.id, records - 1);
  await check.close();
  if (durable === 'all' && !expected(last?.output as Record<string, unknown> | undefined)) throw new Error('wrong output after reopening the store');
  process.stdout.write(
    JSON.stringify({ system: 'conveyor', kind, fastPath, ...(durable === 'all' ? {} : { durable }), records, concurrency, steps, seconds, cpuSeconds: cpu, mainSeconds, systemSeconds, recordsPerSec: records / seconds, bytesPerStep, stepsPerSec: steps / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
