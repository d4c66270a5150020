// Workers (`npx conveyor worker`) on PostgreSQL: records/s with 1, 2 and 4 worker processes on an
// I/O-bound flow (an HTTP step answered after 50 ms by a local server) and on the 10-step chain, and
// the group transitions of a Groups of search terms run walked by several workers. Each case gets a
// fresh database; the bench process plans the runs as a --no-execute studio would, the workers (real
// processes) execute them. Cases run interleaved (io 1, chain 1, io 2, …), `BENCH_WORKERS_ROUNDS`
// times. CPU is read from /proc for each worker (user + system, start-up excluded) and from this
// process for the studio's part; the PostgreSQL backends serving the case's database are sampled too
// (bench/pg-backends.ts), and the whole machine's busy share from /proc/stat (what the 2 cores had left).
// The I/O flow runs with a per-worker concurrency (BENCH_WORKERS_IO_BATCH, 4) at which one worker is
// bound by the 50 ms latency, not by CPU: the question is whether more workers add up.
// `BENCH_ONLY=workers npm run bench` measures only this; docs/benchmarks.md gets the section below.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';
import { openPgStore, type PgStore } from '../server/store/pg/pg-store.ts';
import { ADMIN_URL, createTestDatabase } from '../tests/unit/store/contract/pg-database.ts';
import pg from 'pg';
import { effectFlow } from '../tests/unit/store/contract/effects.ts';
import { EVENTS_CHANNEL } from '../server/worker/event-relay.ts';
import { startWorker } from '../tests/unit/scale/worker-processes.ts';
import { groupsFlow } from './groups-flow.ts';
import { sampleBackends } from './pg-backends.ts';

export interface WorkersCase {
  flow: 'io' | 'chain';
  workers: number;
  records: number;
  batch: number;
  seconds: number;
  recordsPerSec: number;
  workerCpuSeconds: number;
  studioCpuSeconds: number;
  /** The endpoint the HTTP step calls (a process of its own; not counted in the CPU per record). */
  endpointCpuSeconds?: number;
  /** The PostgreSQL backends of the case's database (null: /proc could not read them). */
  pgCpuSeconds?: number | null;
  /** Share of the machine's CPU time that was busy during the case (all processes, /proc/stat). */
  machineBusy?: number;
  loadavg: [number, number];
}
export interface WorkersGroups { workers: number; groups: number; termsPerGroup: number; seconds: number; transitionMeanMs: number; transitionMaxMs: number; withinGroupMeanMs: number; loadavg: [number, number] }
export interface WorkersResult { latencyMs: number; cases: WorkersCase[]; groups: WorkersGroups; /** Records per worker walked before each measured run. */ warmup?: number }

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
/** The machine's busy and total CPU ticks so far (/proc/stat's first line; idle and iowait are not busy). */
function machineTicks(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - (f[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
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
async function withWorkers<T>(n: number, batch: number, measure: (studio: Engine, store: PgStore, workerCpu: () => number, until: (runId: string) => Promise<void>, dbName: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-workers-'));
  const store = await openPgStore(db.url, { poolSize: 4 });
  const workers: ChildProcess[] = [];
  // The end of a run is heard as the studio hears it (the workers' NOTIFY of the run's status), with
  // a read of the run row then and every second: a read every 50 ms was most of the studio's CPU.
  const listener = new pg.Client({ connectionString: db.url });
  let heard: () => void = () => undefined;
  listener.on('notification', (m) => {
    if (m.payload?.includes('"status":"')) heard();
  });
  try {
    await listener.connect();
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    const env = { CONVEYOR_STORE: 'postgres', DATABASE_URL: db.url, DATA_DIR: dir, CONVEYOR_WORKER_BATCH: String(batch), CONVEYOR_WORKER_POLL_MS: '100', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' };
    workers.push(...(await Promise.all(Array.from({ length: n }, (_, i) => startWorker(`bench${i}`, env)))));
    const studio = new Engine({ store, registry: createRegistry(), dataDir: dir, execute: false });
    const workerCpu = () => workers.reduce((sum, w) => sum + procCpu(w.pid!), 0);
    const until = async (runId: string) => {
      for (;;) {
        const row = await store.getRun(runId);
        if (row?.status === 'completed') return;
        if (row && row.status !== 'running') throw new Error(`run ${runId} ended ${row.status}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 1000);
          heard = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    };
    return await measure(studio, store, workerCpu, until, db.name);
  } finally {
    for (const w of workers) {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      await exited;
    }
    await listener.end().catch(() => undefined);
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The endpoint in a process of its own (bench/effects-server.ts), so that its CPU is not the studio's. */
export async function startEndpoint(latencyMs: number): Promise<{ base: string; pid: number; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/effects-server.ts', String(latencyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`the bench endpoint exited (${code})`)));
  });
  return {
    base,
    pid: child.pid!,
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

export async function throughput(flow: 'io' | 'chain', workers: number, records: number, batch: number, endpoint: { base: string; pid: number }): Promise<WorkersCase> {
  const base = endpoint.base;
  return withWorkers(workers, batch, async (studio, _store, workerCpu, until, dbName) => {
    const doc = flow === 'io' ? effectFlow(`bench_io_${workers}`, base, { concurrency: batch }) : chainFlow();
    const input = flow === 'io' ? Array.from({ length: records }, (_, i) => ({ key: `w${workers}-${i}-${Date.now()}` })) : Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, n: i }));
    // Warm-up: each worker walks a few records first (its code compiled and optimised, its connections
    // open), so the figures are a running worker's, not its first seconds'.
    const warm = Number(process.env.BENCH_WORKERS_WARMUP ?? 50) * workers;
    if (warm > 0) {
      const warmInput = flow === 'io' ? Array.from({ length: warm }, (_, i) => ({ key: `warm${workers}-${i}-${Date.now()}` })) : Array.from({ length: warm }, (_, i) => ({ id: i, name: `Warm ${i}`, n: i }));
      await until((await studio.startRun(doc, { input: { records: warmInput } })).id);
    }
    const backends = sampleBackends(ADMIN_URL, dbName);
    const [cpu0, own0, load0, m0, e0] = [workerCpu(), ownCpu(), os.loadavg()[0], machineTicks(), procCpu(endpoint.pid)];
    const t0 = performance.now();
    const run = await studio.startRun(doc, { input: { records: input } });
    await until(run.id);
    const seconds = (performance.now() - t0) / 1000;
    const [cpu1, own1, m1, e1] = [workerCpu(), ownCpu(), machineTicks(), procCpu(endpoint.pid)];
    const server = await backends.stop();
    const summary = await studio.summary(run.id);
    if (summary.counts.success !== records) throw new Error(`${flow} with ${workers} workers: ${JSON.stringify(summary.counts)}`);
    return {
      flow,
      workers,
      records,
      batch,
      seconds,
      recordsPerSec: records / seconds,
      workerCpuSeconds: cpu1 - cpu0,
      studioCpuSeconds: own1 - own0,
      endpointCpuSeconds: e1 - e0,
      pgCpuSeconds: server.cpuSeconds,
      machineBusy: m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : 0,
      loadavg: [load0, os.loadavg()[0]],
    };
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
  const batch = { io: Number(process.env.BENCH_WORKERS_IO_BATCH ?? 4), chain: Number(process.env.BENCH_WORKERS_BATCH ?? 8) };
  const rounds = Number(process.env.BENCH_WORKERS_ROUNDS ?? 1);
  const effects = await startEndpoint(LATENCY_MS);
  const cases: WorkersCase[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const n of counts) {
        for (const flow of ['io', 'chain'] as const) {
          log(`workers: ${flow}, ${n} worker${n === 1 ? '' : 's'}, ${records[flow]} records… `);
          const r = await throughput(flow, n, records[flow], batch[flow], effects);
          log(`${r.seconds.toFixed(1)} s, ${Math.round(r.recordsPerSec)} records/s, CPU workers ${r.workerCpuSeconds.toFixed(1)} s + PostgreSQL ${r.pgCpuSeconds?.toFixed(1) ?? '?'} s, machine ${Math.round((r.machineBusy ?? 0) * 100)} % busy, load ${r.loadavg.map((x) => x.toFixed(1)).join(' → ')}\n`);
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
  return { latencyMs: LATENCY_MS, cases, groups, warmup: Number(process.env.BENCH_WORKERS_WARMUP ?? 50) };
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

/**
 * Claims while records run (server/worker/work-loop.ts) and the refill in one statement, as measured
 * on 2026-12-05 on this 2-core machine shared with other work.
 */
const ROLLING = `What changed (2026-12-05). Before, a worker claimed a batch and walked it to its slowest record
before claiming again (a slow record held its batch's slots); the last figures of that code, 8
slots per worker: HTTP step 40 / 53 / 51 records/s with 1 / 2 / 4 workers (the "counter shards"
rows of round 2 in the table below). Now a worker claims again as its records end and adds them to the batch under way.
The first version of that looked for work at every record's end (a claim transaction and a search for
the oldest run each time): one round, with the machine 100 % busy, it ran the HTTP step at 13 / 18 / 7
records/s, at 18 ms of CPU per record (workers + PostgreSQL + studio) with one worker and 43 ms with
four. Refilling from the run under way in one statement, and not looking again within a poll after a
claim found nothing: in a run beside heavy other work (load 8–14, cores 90–100 % busy, 2 rounds) 30 /
39 / 55 records/s at 15–21 ms per record. The run above began on a quiet machine (load 4): in round 1
the HTTP step ran 56 / 91 / 103 records/s (×1.6, ×1.8) with the cores 40 / 64 / 94 % busy and 13 /
13 / 17 ms of CPU per record — the workers add up until the cores are full; round 2 ran as other work
came back (cores 93–97 % busy from 2 workers on). A step commit alone in its batch is now one statement (1 round trip instead of 4: the
Conveyor process −10 to −20 % CPU per commit, PostgreSQL's backend −20 %, in
\`server/store/pg/writes.ts\`). The CPU per record still grows with the workers: each worker has
costs per second — the heartbeat, its events every 100 ms, its poll — that more workers multiply while
the records per second stay bound by the cores.`;

/**
 * Issue 14 point 7, what a record costs: what was cut on 2026-12-05 and how it was measured (the
 * commit before the cuts against the cuts, bench/workers.ts's cases in both trees).
 */
const CUT = `What a record costs, and what was cut (2026-12-05). A record of the HTTP step took 12.6 ms of CPU
(workers + PostgreSQL + studio) with one worker on a quiet machine — for one call of 50 ms and four
steps. Where it went, from a CPU profile of a worker (\`node --cpu-prof\`, \`bench/cpu-profile.mjs\`), a
\`perf\` profile of its PostgreSQL backends and the statement log (\`log_min_duration_statement = 0\`)
of a 200-record run: about 15 statements per record, of which 5 are the record's own writes (the
first step, the unsafe call's in-flight mark, three step commits); each round trip costs both
processes a socket write and read (0.15–0.2 ms of kernel time each on this virtual machine) and each
commit PostgreSQL a WAL flush (\`fdatasync\`: 17 % of the backends' CPU). Cut:

- *Commits without a transaction around them.* Step commits and record updates of different
  records queued together (the group commit) went as BEGIN, the writes, a step-counter statement and
  COMMIT; now each is one statement, sent at once on several connections
  (\`server/store/pg/write-queue.ts\`): about 5 statements per record fewer. Log lines are one statement.
- *The claim reads what it takes.* It sorted every free record of the run to take four (a run of
  10,000 records half done: 9.6 ms and 5,000 rows each claim, \`EXPLAIN (ANALYZE, BUFFERS)\`); now it
  reads the lapsed running ones, then the pending ones, in index order from \`records_by_status\`
  (0.5 ms, the same at any size), and returns the claimed rows, so no read follows it. Rows read by
  PostgreSQL per record: 700 → 65 on 400 records.
- *Claims ahead.* A worker held its slots' records and claimed again at every record's end or two;
  now, on a run not paced, it holds up to twice \`--batch\` (the extra ones queued in its batch, never
  walked beyond the slots) and claims again once \`--batch\` or fewer are left: a claim per 4
  records instead of one per record. An idle poll's search for work is one statement, not a
  transaction of three.
- *The bench's own costs.* The endpoint ran inside the bench process, so its CPU (1.5–2 ms per
  record) counted as the studio's; it is a process of its own now, its CPU in its own column and not
  in the CPU per record. The bench read the run row every 50 ms to see the run end (about 1 read per
  record); it now waits for the workers' notification of the run's status. Each worker walks 50
  records before the measured run (\`BENCH_WORKERS_WARMUP\`), so its code is optimised as in a
  worker that has been running.

After: about 6.5 statements per record (5 of them the record's writes). Before and after side by
side — both trees at the same moment, each with its own database, workers and endpoint, so both met
the same load (the other work on this machine kept the load average at 11–27 throughout, the cores
89–100 % busy): CPU per record (workers + PostgreSQL + studio), one worker 20.3 → 16.0 and 19.6 → 15.2 ms
(no warm-up), 14.6 → 12.3 and 14.2 → 10.6 ms (warm-up); two workers 24.2 → 18.4 ms (no warm-up) and
12.8 → 12.0 ms (warm-up; the old side ended first and ran part of the time alone); four workers
21.6 → 17.0 ms (warm-up, load 14–19) and 25.8 → 25.2 ms at load 20–23, where neither side's figure
means much (7.5–13 records/s). About a fifth less CPU per record, then. The table above, run after the
cuts beside the same other work (load 8–13, cores 90–100 % busy): 10.0–10.9 ms per record at one
worker, against 12.2–13.0 ms in this table's previous run on a quiet machine (load 4, cores 37–40 %
busy) — less CPU per record at more than twice the load; fewer records/s (28–37 against 56) and a
speed-up of ×1.3–1.6 at 4 workers, as the cores were full.

On a quiet machine (2026-12-05, load 1.5–3, the table above): 5.5–6.0 ms of CPU per record at one and
two workers — the aim, 6 ms, is met — and the HTTP step near-linear: 64 / 125 / 219 records/s with 1 / 2
/ 4 workers (×1.96, ×3.45), the cores 20 / 41 / 75 % busy; the 10-step chain, CPU-bound (1.15 cores
for one worker with PostgreSQL), stays near 215–249 records/s whatever the workers, as 2 cores allow.
HTTP steps now keep their connection within a run (\`nodes/sdk/network.ts\`, commit \`cfb609b\`;
each request opened one before, \`agent: false\`): side by side with the commit before, one worker,
1,000 records, three interleaved rounds on the quiet machine, the CPU per record was 5.61 / 6.14 /
6.27 ms before and 5.77 / 6.22 / 5.98 ms after — no difference this machine can tell on a loopback
endpoint (the 2 ms the profile showed at load 10 was mostly the connection's kernel work, cheap on
loopback when the cores are free); it saves a TCP and TLS handshake per request against a real
service. What is left per record is mostly its five commits (a round trip and a WAL flush each:
about 0.7 ms of the worker's and 0.8 ms of PostgreSQL's CPU per commit at load 10, measured alone);
fewer would take the engine (the first step's commit and the in-flight mark are two writes in a row)
or one statement for several records' commits.`;

const WHAT_BOUNDS = `${CUT}

Earlier: ${ROLLING}

${SHARDS}`;

const flowName = (r: WorkersResult, flow: string) => (flow === 'io' ? `HTTP step, ${r.latencyMs} ms` : '10-step chain');
/** CPU seconds of a case's processes: workers, PostgreSQL's backends (when read) and the planning studio. */
const caseCpu = (c: WorkersCase) => c.workerCpuSeconds + (c.pgCpuSeconds ?? 0) + c.studioCpuSeconds;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * What the speed-ups say, from the figures: per flow and worker count (mean over rounds), the
 * speed-up, the CPU per record of the case's processes, the cores that rate takes, and how busy the
 * whole machine was — when it was near 100 %, the cores were the cap, not the workers.
 */
function scaling(r: WorkersResult, cores: number): string {
  const lines: string[] = [];
  for (const flow of ['io', 'chain'] as const) {
    const counts = [...new Set(r.cases.filter((c) => c.flow === flow).map((c) => c.workers))].sort((a, b) => a - b);
    const by = counts.map((n) => {
      const cs = r.cases.filter((c) => c.flow === flow && c.workers === n);
      const rate = mean(cs.map((c) => c.recordsPerSec));
      const cpuMs = mean(cs.map((c) => (caseCpu(c) * 1000) / c.records));
      return { n, rate, cpuMs, cores: (rate * cpuMs) / 1000, busy: mean(cs.map((c) => c.machineBusy ?? 0)) };
    });
    const one = by.find((b) => b.n === 1);
    if (!one) continue;
    const parts = by.map((b) => `${b.n} worker${b.n === 1 ? '' : 's'} ${fmt(b.rate)} records/s (×${(b.rate / one.rate).toFixed(2)}; ${b.cpuMs.toFixed(1)} ms CPU per record → ${b.cores.toFixed(2)} cores; machine ${Math.round(b.busy * 100)} % busy)`);
    const last = by[by.length - 1];
    const capped = last.busy >= 0.9;
    lines.push(
      `- *${flowName(r, flow)}* (means over the rounds): ${parts.join(', ')}. ` +
        (last.rate / one.rate >= 0.8 * last.n
          ? `Near-linear up to ${last.n} workers.`
          : capped
            ? `Not near-linear here: with ${last.n} workers the machine's ${cores} cores were ${Math.round(last.busy * 100)} % busy (PostgreSQL, the other processes of the machine and these), so the workers waited for a core, not for the ${flow === 'io' ? 'endpoint' : 'database'}; ${fmt(last.rate)} records/s at ${last.cpuMs.toFixed(1)} ms each is ${last.cores.toFixed(2)} cores of work. At one worker's CPU per record (${one.cpuMs.toFixed(1)} ms), ${last.n} × ${fmt(one.rate)} records/s would take ${((last.n * one.rate * one.cpuMs) / 1000).toFixed(2)} cores.`
            : `Not near-linear, with the machine ${Math.round(last.busy * 100)} % busy: the bound is elsewhere than the cores (see the CPU per record).`),
    );
  }
  return lines.join('\n');
}

export function workersMarkdown(r: WorkersResult, cores = os.cpus().length): string {
  const single = (flow: string) => mean(r.cases.filter((c) => c.flow === flow && c.workers === 1).map((c) => c.recordsPerSec));
  const cell = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? '—' : `${v.toFixed(1)} ${unit}`);
  const row = (c: WorkersCase) =>
    `| ${flowName(r, c.flow)} | ${c.workers} | ${c.batch} | ${fmt(c.records)} | ${c.seconds.toFixed(1)} s | ${fmt(c.recordsPerSec)} | ×${(c.recordsPerSec / single(c.flow)).toFixed(2)} | ${c.workerCpuSeconds.toFixed(1)} s | ${cell(c.pgCpuSeconds, 's')} | ${c.studioCpuSeconds.toFixed(1)} s | ${cell(c.endpointCpuSeconds, 's')} | ${((caseCpu(c) * 1000) / c.records).toFixed(1)} ms | ${c.machineBusy === undefined ? '—' : `${Math.round(c.machineBusy * 100)} %`} | ${c.loadavg.map((x) => x.toFixed(1)).join(' → ')} |`;
  const g = r.groups;
  const io = r.cases.find((c) => c.flow === 'io');
  const chain = r.cases.find((c) => c.flow === 'chain');
  return `## Workers on PostgreSQL: records/s with 1, 2 and 4 workers

\`bench/workers.ts\`: worker processes (\`npx conveyor worker\`) on a fresh PostgreSQL database per case,
the run planned by the bench process as a \`--no-execute\` studio would. Each worker keeps up to
*slots* records under way (\`--batch\`), claiming again as they end (a slow record does not hold the
others' slots). *HTTP step*: trigger → POST to a local server that answers after ${r.latencyMs} ms →
set-fields → end, every step committed; ${io?.batch ?? 4} slots per worker, so one worker is bound by the latency
(at most ${io?.batch ?? 4} records per ${r.latencyMs} ms plus its commits), not by a core. *10-step chain*: the
engine chain above (CPU-bound), ${chain?.batch ?? 8} slots. Cases interleaved (I/O 1, chain 1, I/O 2, …).
*Speed-up*: records/s over the same flow's with one worker (mean of the rounds). CPU (user + system,
from /proc, start-up excluded): *workers* the worker processes', *PostgreSQL* the backends serving the
case's database (sampled every 500 ms, \`bench/pg-backends.ts\`), *studio* the bench process's,
*endpoint* the process answering the HTTP step (\`bench/effects-server.ts\`; the called service, not
counted per record); *per record*: workers, PostgreSQL and studio together over the records. Each
case first walks ${r.warmup ?? 0} records per worker, not measured (warm-up, \`BENCH_WORKERS_WARMUP\`). *Machine busy*: the share of all ${cores} cores' time
that was not idle during the case (/proc/stat: every process of the machine, other work included).
Load average (1 min) at the start and end. Sizes: \`BENCH_WORKERS\` (worker counts, default 1,2,4),
\`BENCH_WORKERS_IO_RECORDS\` and \`BENCH_WORKERS_CHAIN_RECORDS\` (400 each), \`BENCH_WORKERS_IO_BATCH\` (4),
\`BENCH_WORKERS_BATCH\` (8, the chain), \`BENCH_WORKERS_ROUNDS\` (1).

| flow | workers | slots | records | time | records/s | speed-up | CPU (workers) | CPU (PostgreSQL) | CPU (studio) | CPU (endpoint) | CPU per record | machine busy | load average |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${r.cases.map(row).join('\n')}

${scaling(r, cores)}

${WHAT_BOUNDS}

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
