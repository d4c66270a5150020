// The code step in a process of its own (so CPU time and peak RSS are its own), three ways, to
// tell the engine's share of a code step from the sandbox's (issue 17, point 3):
//   code      N records through manual trigger → one code step, durable (as bench/engine-chain.ts
//             `code`): `return { ...record, total: record.n * 2 + record.name.length }` in QuickJS
//   noop      the same flow with a set-fields step that sets nothing in place of the code step:
//             what the engine alone costs per record for a trigger and one step
//   sandbox   the sandbox alone: runFunction (nodes/core/lib/sandbox/pool.ts) on the N records,
//             64 at a time, no engine and no store
//   warm      as `code`, after N records went through the sandbox alone (not measured): the
//             code step once its worker has started and warmed up, as in a studio that ran code
//             in the last minute (a worker idle for a minute ends)
//   restarted as `sandbox`, after N records went through the sandbox and a Stop ended its worker
//             (not measured): the records meet a worker started anew, as after a Stop, a record's
//             time limit, or a minute idle (wasm-module.ts)
//   steady, noop-steady
//             as `code` and `noop`, after WARMUP_RUNS runs of WARMUP records through the same
//             flow, engine and store (not measured): the cost of a record once the process is warm
//             (compiled code, a started sandbox), as in a studio that has run flows; Node-RED's
//             `function-steady` case (bench/node-red/nr-case.cjs) warms up on as many messages
// CPU time is the process's user + system time (every thread: the sandbox's workers too) from the
// first record to the last, as in bench/engine-chain.ts. Prints one JSON line.
//   node --import tsx bench/code-step.ts <records> <code|noop|sandbox|warm>
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { poolCounters, runFunction } from '../nodes/core/lib/sandbox/pool.ts';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const records = Number(process.argv[2] ?? 5000);
const kind = (process.argv[3] ?? 'code') as 'code' | 'noop' | 'sandbox' | 'warm' | 'restarted' | 'steady' | 'noop-steady';
/** Records of the run before the measured one, in the steady cases. */
const WARMUP = 1000;
const WARMUP_RUNS = Number(process.env.BENCH_WARMUP_RUNS ?? 5);
const steady = kind === 'steady' || kind === 'noop-steady';
const noop = kind === 'noop' || kind === 'noop-steady';
const CONCURRENCY = 64;
const CODE = 'return { ...record, total: record.n * 2 + record.name.length };';

const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
const cpuSeconds = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
let measured = { seconds: 0, cpuSeconds: 0 };

/** Measures `work` alone: CPU (every thread) and wall time from its start to its end. */
async function measure<T>(work: () => Promise<T>): Promise<T> {
  const cpu0 = cpuSeconds(process.resourceUsage());
  const t0 = performance.now();
  const result = await work();
  measured = { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(process.resourceUsage()) - cpu0 };
  return result;
}

function flow(): FlowDocument {
  const step =
    !noop
      ? { id: 's1', type: 'core.code', position: { x: 220, y: 0 }, params: { code: CODE } }
      : { id: 's1', type: 'core.set-fields', position: { x: 220, y: 0 }, params: { fields: [], keepOtherFields: true } };
  return {
    format: FLOW_FORMAT,
    id: 'bench',
    name: 'Bench code step',
    description: '',
    settings: { concurrency: CONCURRENCY },
    nodes: [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }, step],
    edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 's1', targetPort: 'in' }],
  };
}

/** The records through the engine; the last record's output, read back from the reopened store. */
async function throughEngine(dir: string): Promise<unknown> {
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir });
  // Warm-up runs: WARMUP_RUNS of them, because V8 throws away the optimized code of the walk when
  // the second run starts (the run's objects differ from the first's: "code dependencies" under
  // --trace-deopt) and compiles it again: a run measured second carried 40–70 optimizing compiles
// (300–650 ms of compile jobs, --trace-opt), after 5 runs about 20 (80–110 ms). Node-RED's case
// warms up on as many messages (bench/node-red/nr-case.cjs).
  for (let i = 0; steady && i < WARMUP_RUNS; i++) {
    const warm = await engine.startRun(flow(), { input: { records: input.slice(0, WARMUP) } });
    const done = await engine.waitForRun(warm.id);
    if (done.counts.success !== Math.min(WARMUP, records)) throw new Error(`warm-up: ${JSON.stringify(done.counts)}`);
  }
  const { run, summary } = await measure(async () => {
    const started = await engine.startRun(flow(), { input: { records: input } });
    return { run: started, summary: await engine.waitForRun(started.id) };
  });
  await engine.shutdown();
  await store.close();
  if (summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  const check = await openSqlJsStore(path.join(dir, 'store'));
  const last = await check.getRecord(run.id, records - 1);
  await check.close();
  return last?.output;
}

/** The records through the sandbox only, CONCURRENCY at a time; the last record's result. */
async function throughSandbox(measured = true): Promise<unknown> {
  const results: unknown[] = new Array(records);
  let next = 0;
  const lane = async () => {
    while (next < records) {
      const i = next++;
      const run = await runFunction({ code: CODE, input: input[i], timeoutMs: 1000, memoryLimitBytes: 32 * 1024 * 1024 });
      if (run.outcome.kind !== 'result') throw new Error(`record ${i}: ${JSON.stringify(run.outcome)}`);
      results[i] = run.outcome.value;
    }
  };
  const all = () => Promise.all(Array.from({ length: CONCURRENCY }, lane));
  await (measured ? measure(all) : all());
  return results[records - 1];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-code-'));
try {
  if (kind === 'warm' || kind === 'restarted') await throughSandbox(false);
  if (kind === 'restarted') {
    // A Stop ends the worker running its record (pool.ts): the measured records meet a new worker.
    const stop = new AbortController();
    const held = runFunction({ code: 'for (;;) {}', input: {}, timeoutMs: 60_000, memoryLimitBytes: 32 * 1024 * 1024 }, stop.signal).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop.abort();
    await held;
    if (poolCounters().terminated !== 1) throw new Error(`the sandbox worker was not ended: ${JSON.stringify(poolCounters())}`);
  }
  const alone = kind === 'sandbox' || kind === 'restarted';
  const last = (alone ? await throughSandbox() : await throughEngine(dir)) as Record<string, unknown> | undefined;
  const n = records - 1;
  const want = noop ? { n } : { n, total: n * 2 + `Person ${n}`.length };
  for (const [k, v] of Object.entries(want)) if (last?.[k] !== v) throw new Error(`wrong output: ${k} = ${String(last?.[k])}, expected ${v}`);
  process.stdout.write(
    JSON.stringify({ system: 'conveyor', kind: kind === 'code' ? 'code' : `code-${kind}`, fastPath: true, records, concurrency: CONCURRENCY, ...measured, sandboxMessages: poolCounters().batches, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
