// Workers (`npx conveyor worker`) on PostgreSQL: records/s with 1, 2 and 4 worker processes on an
// I/O-bound flow (an HTTP step answered after 50 ms by a local server) and on the 10-step chain, and
// the group transitions of a Groups of search terms run walked by several workers. Each case gets a
// fresh database; the bench process plans the runs as a --no-execute studio would, the workers (real
// processes) execute them. Cases run interleaved (io 1, chain 1, io 2, …), `BENCH_WORKERS_ROUNDS`
// times. CPU is read from /proc for each worker (user + system, start-up excluded) and from this
// process for the studio's part; PostgreSQL's own work is in its server processes.
// `BENCH_ONLY=workers npm run bench` measures only this; docs/benchmarks.md gets the section below.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';
import { openPgStore, type PgStore } from '../server/store/pg/pg-store.ts';
import { createTestDatabase } from '../tests/unit/store/contract/pg-database.ts';
import { effectFlow, startEffects } from '../tests/unit/store/contract/effects.ts';
import { startWorker } from '../tests/unit/scale/worker-processes.ts';
import { groupsFlow } from './groups-flow.ts';

export interface WorkersCase { flow: 'io' | 'chain'; workers: number; records: number; batch: number; seconds: number; recordsPerSec: number; workerCpuSeconds: number; studioCpuSeconds: number; loadavg: [number, number] }
export interface WorkersGroups { workers: number; groups: number; termsPerGroup: number; seconds: number; transitionMeanMs: number; transitionMaxMs: number; withinGroupMeanMs: number; loadavg: [number, number] }
export interface WorkersResult { latencyMs: number; cases: WorkersCase[]; groups: WorkersGroups }

const LATENCY_MS = 50;
const CHAIN = 10;
/** Clock ticks per second of /proc's CPU times (CLK_TCK: 100 on Linux almost everywhere). */
const TICKS = Number(process.env.BENCH_CLK_TCK ?? 100);

/** A process's user + system CPU seconds so far (/proc/<pid>/stat fields 14 and 15). */
function procCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}
const ownCpu = () => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};

function chainFlow(): FlowDocument {
  const nodes: FlowDocument['nodes'] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: FlowDocument['edges'] = [];
  for (let i = 1; i <= CHAIN; i++) {
    nodes.push({ id: `s${i}`, type: 'core.set-fields', position: { x: i * 220, y: 0 }, params: { fields: [{ name: `f${i}`, value: `n * ${i} + $length(name)` }], keepOtherFields: true } });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `s${i - 1}`, sourcePort: 'out', target: `s${i}`, targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id: 'bench_chain', name: 'Bench chain', description: '', settings: { concurrency: 64 }, nodes, edges };
}


/** A fresh database, `n` worker processes ready on it, and a studio engine that leaves runs to them; `measure` runs one run. */
async function withWorkers<T>(n: number, batch: number, measure: (studio: Engine, store: PgStore, workerCpu: () => number, until: (runId: string) => Promise<void>) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-workers-'));
  const store = await openPgStore(db.url, { poolSize: 4 });
  const workers: ChildProcess[] = [];
  try {
    const env = { CONVEYOR_STORE: 'postgres', DATABASE_URL: db.url, DATA_DIR: dir, CONVEYOR_WORKER_BATCH: String(batch), CONVEYOR_WORKER_POLL_MS: '100', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' };
    workers.push(...(await Promise.all(Array.from({ length: n }, (_, i) => startWorker(`bench${i}`, env)))));
    const studio = new Engine({ store, registry: createRegistry(), dataDir: dir, execute: false });
    const workerCpu = () => workers.reduce((sum, w) => sum + procCpu(w.pid!), 0);
    const until = async (runId: string) => {
      for (;;) {
        const row = await store.getRun(runId);
        if (row?.status === 'completed') return;
        if (row && row.status !== 'running') throw new Error(`run ${runId} ended ${row.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return await measure(studio, store, workerCpu, until);
  } finally {
    for (const w of workers) {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      await exited;
    }
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughput(flow: 'io' | 'chain', workers: number, records: number, batch: number, base: string): Promise<WorkersCase> {
  return withWorkers(workers, batch, async (studio, _store, workerCpu, until) => {
    const doc = flow === 'io' ? effectFlow(`bench_io_${workers}`, base, { concurrency: batch }) : chainFlow();
    const input = flow === 'io' ? Array.from({ length: records }, (_, i) => ({ key: `w${workers}-${i}-${Date.now()}` })) : Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, n: i }));
    const [cpu0, own0, load0] = [workerCpu(), ownCpu(), os.loadavg()[0]];
    const t0 = performance.now();
    const run = await studio.startRun(doc, { input: { records: input } });
    await until(run.id);
    const seconds = (performance.now() - t0) / 1000;
    const summary = await studio.summary(run.id);
    if (summary.counts.success !== records) throw new Error(`${flow} with ${workers} workers: ${JSON.stringify(summary.counts)}`);
    return { flow, workers, records, batch, seconds, recordsPerSec: records / seconds, workerCpuSeconds: workerCpu() - cpu0, studioCpuSeconds: ownCpu() - own0, loadavg: [load0, os.loadavg()[0]] };
  });
}

async function groupTransitions(workers: number, groups: number, terms: number): Promise<WorkersGroups> {
  return withWorkers(workers, 4, async (studio, store, _cpu, until) => {
    const load0 = os.loadavg()[0];
    const t0 = performance.now();
    const run = await studio.startRun(groupsFlow(groups, terms));
    await until(run.id);
    const seconds = (performance.now() - t0) / 1000;
    const records = (await store.listRecords(run.id, { limit: groups * terms })).items;
    const transitions: number[] = [];
    const within: number[] = [];
    for (let i = 1; i < records.length; i++) {
      // From the end of the previous term to the start of this one (negative: they overlapped on two workers).
      const gap = Date.parse(records[i].startedAt!) - Date.parse(records[i - 1].endedAt!);
      (records[i].data.group !== records[i - 1].data.group ? transitions : within).push(gap);
    }
    const progress = (await studio.groups(run.id))!;
    if (progress.groups.some((g) => g.processed !== terms || g.results.success !== terms * 5)) throw new Error('group counters do not add up');
    const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) * 10) / 10;
    return { workers, groups, termsPerGroup: terms, seconds, transitionMeanMs: mean(transitions), transitionMaxMs: Math.max(...transitions), withinGroupMeanMs: mean(within), loadavg: [load0, os.loadavg()[0]] };
  });
}

export async function measureWorkers(log: (line: string) => void): Promise<WorkersResult> {
  const counts = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
  const records = { io: Number(process.env.BENCH_WORKERS_IO_RECORDS ?? 400), chain: Number(process.env.BENCH_WORKERS_CHAIN_RECORDS ?? 400) };
  const batch = Number(process.env.BENCH_WORKERS_BATCH ?? 8);
  const rounds = Number(process.env.BENCH_WORKERS_ROUNDS ?? 1);
  const effects = await startEffects(LATENCY_MS);
  const cases: WorkersCase[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const n of counts) {
        for (const flow of ['io', 'chain'] as const) {
          log(`workers: ${flow}, ${n} worker${n === 1 ? '' : 's'}, ${records[flow]} records… `);
          const r = await throughput(flow, n, records[flow], batch, effects.base);
          log(`${r.seconds.toFixed(1)} s, ${Math.round(r.recordsPerSec)} records/s, CPU ${r.workerCpuSeconds.toFixed(1)} s, load ${r.loadavg.map((x) => x.toFixed(1)).join(' → ')}\n`);
          cases.push(r);
        }
      }
    }
  } finally {
    await effects.close();
  }
  log('workers: group transitions, 3 workers… ');
  const groups = await groupTransitions(3, Number(process.env.BENCH_WORKERS_GROUPS ?? 10), 5);
  log(`mean ${groups.transitionMeanMs} ms, max ${groups.transitionMaxMs} ms\n`);
  return { latencyMs: LATENCY_MS, cases, groups };
}

/**
 * Step counters in shards (PostgreSQL migration 6), before and after, measured side by side: each
 * round ran this file's cases on the commit before the change, then on the change (worker processes
 * from the TypeScript sources in both), on this 2-core machine shared with other work.
 */
const SHARDS = `Step counters, before and after (interleaved, 2 rounds, 2026-12-05). Until PostgreSQL migration 6
every commit of a run added to the run's one \`step_counts\` row per node, so the commits of all
workers queued on that row while its holder's process waited for a core (sessions sampled \`idle in
transaction\`); now each connection adds to its own row and reads sum them
(\`tests/unit/scale/step-count-shards.test.ts\`: an uncommitted counter no longer holds up another
commit; counts exact). The same commit without and with the change, round by round; round 1's
"counter shards" rows with 1 and 2 workers ran beside this repository's scale tests (the load at
their start is higher). The first table is round 2 with the change:

| round | code | flow | workers | time | records/s | CPU (workers) | CPU per record | load average |
| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
| 1 | one counter row | HTTP step, 50 ms | 1 | 9.4 s | 43 | 2.2 s | 5.6 ms | 11.0 → 10.9 |
| 1 | one counter row | 10-step chain | 1 | 8.6 s | 46 | 2.5 s | 6.1 ms | 11.4 → 12.1 |
| 1 | one counter row | HTTP step, 50 ms | 2 | 9.7 s | 41 | 3.0 s | 7.6 ms | 12.1 → 13.5 |
| 1 | one counter row | 10-step chain | 2 | 10.1 s | 40 | 3.1 s | 7.8 ms | 19.0 → 18.3 |
| 1 | one counter row | HTTP step, 50 ms | 4 | 13.7 s | 29 | 3.8 s | 9.4 ms | 20.1 → 20.0 |
| 1 | one counter row | 10-step chain | 4 | 16.0 s | 25 | 5.9 s | 14.7 ms | 21.4 → 19.0 |
| 1 | counter shards | HTTP step, 50 ms | 1 | 28.8 s | 14 | 2.7 s | 6.7 ms | 15.6 → 13.8 |
| 1 | counter shards | 10-step chain | 1 | 22.1 s | 18 | 3.7 s | 9.3 ms | 13.7 → 12.1 |
| 1 | counter shards | HTTP step, 50 ms | 2 | 13.3 s | 30 | 4.1 s | 10.2 ms | 12.8 → 11.7 |
| 1 | counter shards | 10-step chain | 2 | 12.8 s | 31 | 4.6 s | 11.5 ms | 11.1 → 10.8 |
| 1 | counter shards | HTTP step, 50 ms | 4 | 5.8 s | 69 | 3.5 s | 8.7 ms | 11.6 → 11.5 |
| 1 | counter shards | 10-step chain | 4 | 11.6 s | 35 | 5.2 s | 13.1 ms | 12.0 → 11.9 |
| 2 | one counter row | HTTP step, 50 ms | 1 | 15.6 s | 26 | 2.8 s | 7.0 ms | 13.5 → 12.8 |
| 2 | one counter row | 10-step chain | 1 | 16.9 s | 24 | 2.8 s | 7.0 ms | 12.3 → 12.3 |
| 2 | one counter row | HTTP step, 50 ms | 2 | 9.6 s | 42 | 2.9 s | 7.2 ms | 13.3 → 13.2 |
| 2 | one counter row | 10-step chain | 2 | 14.3 s | 28 | 4.1 s | 10.3 ms | 12.4 → 12.9 |
| 2 | one counter row | HTTP step, 50 ms | 4 | 7.9 s | 51 | 3.6 s | 9.1 ms | 12.7 → 12.4 |
| 2 | one counter row | 10-step chain | 4 | 10.1 s | 40 | 4.8 s | 11.9 ms | 13.1 → 13.7 |
| 2 | counter shards | HTTP step, 50 ms | 1 | 10.1 s | 40 | 2.0 s | 5.1 ms | 13.0 → 11.8 |
| 2 | counter shards | 10-step chain | 1 | 8.2 s | 49 | 2.5 s | 6.2 ms | 11.8 → 11.2 |
| 2 | counter shards | HTTP step, 50 ms | 2 | 7.5 s | 53 | 2.6 s | 6.6 ms | 11.3 → 11.2 |
| 2 | counter shards | 10-step chain | 2 | 10.8 s | 37 | 3.5 s | 8.7 ms | 11.4 → 11.6 |
| 2 | counter shards | HTTP step, 50 ms | 4 | 7.9 s | 51 | 3.5 s | 8.6 ms | 13.0 → 12.0 |
| 2 | counter shards | 10-step chain | 4 | 10.9 s | 37 | 5.0 s | 12.4 ms | 12.7 → 12.5 |

Within this machine's noise (the same case varies 26–43 records/s between rounds of the old code)
the change shows no clear gain: the counter row was not what bounds the workers here; CPU is — the
CPU per record rises with the workers with and without it (1 worker 5.1–9.3 ms, 4 workers 8.6–14.7 ms).`;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** What the speed-ups say, from the figures (the best case with more workers, per flow). */
function scaling(r: WorkersResult): string {
  const best = (flow: string) => {
    const one = r.cases.find((c) => c.flow === flow && c.workers === 1);
    const more = r.cases.filter((c) => c.flow === flow && c.workers > 1).sort((a, b) => b.recordsPerSec - a.recordsPerSec)[0];
    return one && more ? `×${(more.recordsPerSec / one.recordsPerSec).toFixed(2)} with ${more.workers}` : 'not measured';
  };
  return `Best speed-up over one worker: ${best('io')} workers on the HTTP step, ${best('chain')} on the chain. Not
near-linear on this machine: the bound is CPU — two cores shared with PostgreSQL and other work (load
average in the table), the workers' CPU per record growing with their number (the CPU column) while
each is far from a core of its own. More workers need more cores or machines (not measured here). A
worker also walks one batch at a time: it claims again when its whole batch has ended, so a slow
record holds its batch's slots (claiming into a running batch needs the engine to take records into
it: not done).

${SHARDS}`;
}

export function workersMarkdown(r: WorkersResult): string {
  const single = (flow: string) => {
    const ones = r.cases.filter((c) => c.flow === flow && c.workers === 1);
    return ones.reduce((s, c) => s + c.recordsPerSec, 0) / Math.max(1, ones.length);
  };
  const row = (c: WorkersCase) =>
    `| ${c.flow === 'io' ? `HTTP step, ${r.latencyMs} ms` : '10-step chain'} | ${c.workers} | ${fmt(c.records)} | ${c.seconds.toFixed(1)} s | ${fmt(c.recordsPerSec)} | ×${(c.recordsPerSec / single(c.flow)).toFixed(2)} | ${c.workerCpuSeconds.toFixed(1)} s | ${c.studioCpuSeconds.toFixed(1)} s | ${c.loadavg.map((x) => x.toFixed(1)).join(' → ')} |`;
  const g = r.groups;
  return `## Workers on PostgreSQL: records/s with 1, 2 and 4 workers

\`bench/workers.ts\`: worker processes (\`npx conveyor worker\`, up to ${r.cases[0]?.batch ?? 8} records claimed and walked at
a time each) on a fresh PostgreSQL database per case, the run planned by the bench process as a
\`--no-execute\` studio would. *HTTP step*: trigger → POST to a local server that answers after
${r.latencyMs} ms → set-fields → end, every step committed (I/O-bound: a worker mostly waits). *10-step
chain*: the engine chain above (CPU-bound). Cases interleaved in one run (I/O 1, chain 1, I/O 2, …).
*Speed-up*: records/s over the same flow's with one worker. *CPU (workers)*: the worker processes'
user + system time during the run (from /proc, start-up excluded); *CPU (studio)*: the bench
process's. Load average (1 min) at the start and end of each case. Sizes: \`BENCH_WORKERS\` (worker
counts, default 1,2,4), \`BENCH_WORKERS_IO_RECORDS\` and \`BENCH_WORKERS_CHAIN_RECORDS\` (400 each),
\`BENCH_WORKERS_BATCH\` (8), \`BENCH_WORKERS_ROUNDS\` (1).

| flow | workers | records | time | records/s | speed-up | CPU (workers) | CPU (studio) | load average |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${r.cases.map(row).join('\n')}

${scaling(r)}

Group transitions across workers: a Groups of search terms run (${g.groups} groups of ${g.termsPerGroup} terms, each
term split into 5 results, no interval) walked by ${g.workers} workers. A transition is the time from the end of
a group's last term to the start of the next group's first term (negative: two workers overlapped
them); between two terms of one group the same gap is measured for comparison. The bound (under
2 s) ${g.transitionMaxMs < 2000 ? 'holds' : 'is not met'}: the longest transition took ${fmt(g.transitionMaxMs)} ms.

| workers | terms | time | transition mean | transition max | within a group, mean | load average |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${g.workers} | ${g.groups * g.termsPerGroup} | ${g.seconds.toFixed(1)} s | ${g.transitionMeanMs} ms | ${fmt(g.transitionMaxMs)} ms | ${g.withinGroupMeanMs} ms | ${g.loadavg.map((x) => x.toFixed(1)).join(' → ')} |

`;
}

// Run by itself (node --import tsx bench/workers.ts): prints the figures as one JSON line.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureWorkers((line) => process.stderr.write(line));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}
