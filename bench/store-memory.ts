// The embedded store's memory against its history (issue 11): every figure side by side with an
// empty store, in the same run. Modes (first argument):
//   (none)                     builds the history, measures, prints PASS/FAIL lines and one JSON line
//   build <storeDir> <runs> <records>   a finished run of <records> × 10 steps written through the
//                              store, archived, then <runs> - 1 runs carrying copies of its archive
//   chain <storeDir> <records> the 10-step chain through the engine on that store: CPU, wall, peak RSS,
//                              bytes written per step (STORE_MEMORY_TRACE=1: where its memory goes, by phase;
//                              STORE_COLLECT=0: without the collection before each snapshot's export)
//   snapshot-write <MB>        how long writing a snapshot of that size holds the event loop (hashes and the
//                              write into the page cache) next to the hashes alone, three rounds
// The studio is started as a real process (`bin/conveyor.js serve`) on each data folder: time to a
// healthy /api/health and its RSS once idle.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledCase } from './compile.ts';
// @ts-expect-error: a plain JavaScript module of the launcher.
import { buildProblem } from '../bin/choose-build.js';

const mode = process.argv[2];
const cpuSeconds = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
/** Bytes this process wrote with write(2) so far (journal, snapshots, step segments, archives). */
const written = () => Number(/wchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);

async function build(storeDir: string, runs: number, records: number): Promise<void> {
  const { openSqlJsStore } = await import('../server/store/sqljs-store.ts');
  const { historyRun, copiedRun } = await import('../tests/unit/store/history.ts');
  const store = await openSqlJsStore(storeDir, { archiveAfterMs: null });
  const start = Date.UTC(2024, 0, 1);
  if (runs > 0) await historyRun(store, 'history-000', records, 10, new Date(start));
  for (let r = 1; r < runs; r++) await copiedRun(store, storeDir, 'history-000', `history-${String(r).padStart(3, '0')}`, new Date(start + r * 3_600_000));
  await store.close();
  process.stdout.write(JSON.stringify({ runs, records: runs * records }) + '\n');
}

async function chain(storeDir: string, records: number): Promise<void> {
  const { openSqlJsStore } = await import('../server/store/sqljs-store.ts');
  const { Engine } = await import('../server/engine/engine.ts');
  const { createRegistry } = await import('../nodes/index.ts');
  const { FLOW_FORMAT } = await import('../server/contract/flow/schema.ts');
  const nodes: any[] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: any[] = [];
  for (let i = 1; i <= 10; i++) {
    nodes.push({ id: `s${i}`, type: 'core.set-fields', position: { x: i * 220, y: 0 }, params: { fields: [{ name: `f${i}`, value: `n * ${i} + $length(name)` }], keepOtherFields: true } });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `s${i - 1}`, sourcePort: 'out', target: `s${i}`, targetPort: 'in' });
  }
  const flow = { format: FLOW_FORMAT, id: 'mem-chain', name: 'Memory chain', description: '', settings: { concurrency: 64 }, nodes, edges };
  const { sqlJsHeapBytes } = await import('../server/store/sqljs.ts');
  const trace = memoryTrace(sqlJsHeapBytes);
  const t0 = performance.now();
  // STORE_COLLECT=0: no collection before a snapshot's export (server/store/collect.ts), to measure what it does.
  const store = await openSqlJsStore(storeDir, {
    archiveAfterMs: null,
    collectBeforeSnapshot: process.env.STORE_COLLECT !== '0',
    onSnapshot: (e) => trace.phase(`snapshot ${e.phase} ${(e.bytes / 2 ** 20).toFixed(0)} MB`),
  });
  const openMs = performance.now() - t0;
  const engine = new Engine({ store, registry: createRegistry(), dataDir: path.dirname(storeDir) });
  let input: Array<{ id: number; name: string; email: string; n: number }> | null = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
  const cpu0 = cpuSeconds(process.resourceUsage());
  const w0 = written();
  const t1 = performance.now();
  trace.phase('startRun');
  const starting = engine.startRun(flow as never, { input: { records: input } });
  // The bench keeps no reference to the records: the engine's memory is measured, as a request's body
  // is gone once its run started.
  input = null;
  const run = await starting;
  trace.phase('running');
  const summary = await engine.waitForRun(run.id);
  trace.phase('finished');
  const seconds = (performance.now() - t1) / 1000;
  const cpu = cpuSeconds(process.resourceUsage()) - cpu0;
  const bytes = written() - w0;
  if (summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  // What one step's output is, as the store keeps it (the record after step 5 of 10, as JSON).
  const steps = await store.listSteps(run.id, Math.floor(records / 2));
  const outputBytes = steps.reduce((n, s) => n + Buffer.byteLength(JSON.stringify(s.output)), 0) / steps.length;
  await engine.shutdown();
  trace.phase('close');
  await store.close();
  trace.stop();
  process.stdout.write(
    JSON.stringify({ records, openMs, seconds, cpuSeconds: cpu, peakRssMb: process.resourceUsage().maxRSS / 1024, bytesPerStep: bytes / (records * 10), outputBytesPerStep: outputBytes }) + '\n',
  );
}

/**
 * STORE_MEMORY_TRACE=1: where the chain's memory goes, by phase, on stderr — RSS, the JS heap,
 * external memory (Buffers, typed arrays: sql.js keeps its database file in one), and what is left
 * (mostly sql.js's WebAssembly heap, which only grows), sampled every 250 ms.
 */
function memoryTrace(wasmBytes: () => number | null): { phase(name: string): void; stop(): void } {
  if (!process.env.STORE_MEMORY_TRACE) return { phase() {}, stop() {} };
  const mb = (n: number) => Math.round(n / 2 ** 20);
  let name = 'open';
  let peak = { rss: 0, heapUsed: 0, external: 0, other: 0, wasm: 0 };
  const t0 = performance.now();
  const sample = () => {
    const m = process.memoryUsage();
    const other = m.rss - m.heapTotal - m.external;
    peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed), external: Math.max(peak.external, m.external), other: Math.max(peak.other, other), wasm: Math.max(peak.wasm, wasmBytes() ?? 0) };
  };
  const report = () => {
    sample();
    process.stderr.write(`[memory] ${((performance.now() - t0) / 1000).toFixed(1)} s ${name}: peak rss ${mb(peak.rss)} MB, heap used ${mb(peak.heapUsed)}, external ${mb(peak.external)}, other ${mb(peak.other)} of which sql.js heap ${mb(peak.wasm)} (maxRSS ${mb(process.resourceUsage().maxRSS * 1024)})\n`);
    peak = { rss: 0, heapUsed: 0, external: 0, other: 0, wasm: 0 };
  };
  const timer = setInterval(sample, 250);
  const every = setInterval(report, 10_000);
  return {
    phase(next) {
      report();
      name = next;
    },
    stop() {
      report();
      clearInterval(timer);
      clearInterval(every);
    },
  };
}

/** The synchronous part of writeSnapshot (snapshot.ts) against the hashes alone, for `mb` MiB of data. */
async function snapshotWrite(mb: number): Promise<void> {
  const { createHash } = await import('node:crypto');
  const { writeSnapshot } = await import('../server/store/snapshot.ts');
  const { crc32 } = await import('../server/store/crc32.ts');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-snapshot-write-'));
  const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
  try {
    for (let round = 0; round < 3; round++) {
      const bytes = new Uint8Array(mb << 20);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i * 7 + round) & 0xff;
      const h0 = performance.now();
      const hc = process.cpuUsage();
      createHash('sha256').update(bytes).digest();
      for (let o = 0; o < bytes.length; o += 65536) crc32(bytes, o, Math.min(bytes.length, o + 65536));
      const hashes = { wallMs: Math.round(performance.now() - h0), cpuMs: cpuMs(process.cpuUsage(hc)) };
      const w0 = performance.now();
      const wc = process.cpuUsage();
      const durable = writeSnapshot(dir, bytes, 1);
      const held = { wallMs: Math.round(performance.now() - w0), cpuMs: cpuMs(process.cpuUsage(wc)) };
      await durable;
      process.stdout.write(JSON.stringify({ mb, hashes, held, durableMs: Math.round(performance.now() - w0), loadavg: os.loadavg()[0] }) + '\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This file compiled as the studio's server is (bench/compile.ts): what the child processes run. */
let compiled = '';

function child<T>(args: string[], extra: string[] = []): T {
  const out = execFileSync(process.execPath, [...extra, compiled, ...args], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/**
 * The server's compiled build (dist-server/, `npm run build:server`), made when missing or older than
 * its sources: the studio is measured as it ships. From the TypeScript sources under tsx it held more
 * at idle (the loader, and the packages a compiled build loads on first use).
 */
function ensureServerBuild(): void {
  if (buildProblem(process.cwd()) === null) return;
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Starts the studio on `dataDir`, times it to a healthy /api/health, waits idle, reads its RSS. */
async function studio(dataDir: string): Promise<{ healthyMs: number; idleRssMb: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['bin/conveyor.js', 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CONVEYOR_FROM_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((r) => proc.once('exit', (code) => ((exitCode = code), r())));
  const alive = () => {
    if (exitCode !== undefined) throw new Error(`the studio on ${dataDir} ended by itself (code ${exitCode}):\n${out}`);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`studio did not start: ${out}`)), 120_000);
      const take = (d: Buffer) => {
        out += d;
        const m = /at (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      };
      proc.stdout!.on('data', take);
      proc.stderr!.on('data', (d) => (out += d));
    });
    for (;;) {
      alive();
      const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const healthyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5000));
    alive();
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    const idleRssMb = Number(/VmRSS:\s*(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return { healthyMs, idleRssMb };
  } finally {
    if (exitCode === undefined) proc.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = Number(process.env.HISTORY_RUNS ?? 100);
  const perRun = Number(process.env.HISTORY_RECORDS ?? 10_000);
  const chainRecords = Number(process.env.CHAIN_RECORDS ?? 10_000);
  const peakRecords = Number(process.env.PEAK_RECORDS ?? 100_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'conveyor-store-memory-'));
  const emptyDir = path.join(root, 'empty');
  const historyDir = path.join(root, 'history');
  try {
    compiled = await compiledCase('store-memory');
    ensureServerBuild();
    const load0 = os.loadavg();
    process.stderr.write(`store memory: building ${runs} runs × ${perRun} records of history… `);
    const t0 = performance.now();
    child(['build', path.join(historyDir, 'store'), String(runs), String(perRun)]);
    child(['build', path.join(emptyDir, 'store'), '0', '0']);
    const buildSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(`${buildSeconds.toFixed(0)} s\n`);

    // The studio, alternately on each folder, three times each.
    const trials: Record<'empty' | 'history', Array<{ healthyMs: number; idleRssMb: number }>> = { empty: [], history: [] };
    for (let i = 0; i < 3; i++) {
      trials.empty.push(await studio(emptyDir));
      trials.history.push(await studio(historyDir));
    }
    const startup = {
      empty: { healthyMs: median(trials.empty.map((t) => t.healthyMs)), idleRssMb: median(trials.empty.map((t) => t.idleRssMb)) },
      history: { healthyMs: median(trials.history.map((t) => t.healthyMs)), idleRssMb: median(trials.history.map((t) => t.idleRssMb)) },
    };
    process.stderr.write(`studio: healthy in ${startup.empty.healthyMs.toFixed(0)} / ${startup.history.healthyMs.toFixed(0)} ms, idle ${startup.empty.idleRssMb.toFixed(0)} / ${startup.history.idleRssMb.toFixed(0)} MB (empty / history)\n`);

    type Chain = { records: number; openMs: number; seconds: number; cpuSeconds: number; peakRssMb: number; bytesPerStep: number; outputBytesPerStep: number };
    const runEmpty = child<Chain>(['chain', path.join(emptyDir, 'store'), String(chainRecords)]);
    const runHistory = child<Chain>(['chain', path.join(historyDir, 'store'), String(chainRecords)]);
    process.stderr.write(`${chainRecords} records: ${runEmpty.cpuSeconds.toFixed(1)} / ${runHistory.cpuSeconds.toFixed(1)} s CPU, ${runEmpty.seconds.toFixed(1)} / ${runHistory.seconds.toFixed(1)} s wall\n`);
    const peakDir = path.join(root, 'peak');
    child(['build', path.join(peakDir, 'store'), '0', '0']);
    const peak = child<Chain>(['chain', path.join(peakDir, 'store'), String(peakRecords)]);
    process.stderr.write(`${peakRecords} records: peak ${peak.peakRssMb.toFixed(0)} MB, ${peak.seconds.toFixed(0)} s\n`);
    const load1 = os.loadavg();

    const goals = [
      { goal: `a ${peakRecords.toLocaleString('en-US')}-record run peaks below 480 MB`, pass: peak.peakRssMb < 480 },
      { goal: 'the idle studio with the history holds under 300 MB', pass: startup.history.idleRssMb < 300 },
      { goal: 'the studio with the history is healthy within 1.5× the time of an empty store', pass: startup.history.healthyMs <= 1.5 * startup.empty.healthyMs },
      { goal: `a ${chainRecords.toLocaleString('en-US')}-record run on the history costs within 1.2× (CPU) of the same run on an empty store`, pass: runHistory.cpuSeconds <= 1.2 * runEmpty.cpuSeconds },
    ];
    for (const g of goals) process.stderr.write(`${g.pass ? 'PASS' : 'FAIL'} ${g.goal}\n`);
    process.stdout.write(
      JSON.stringify({ history: { runs, records: runs * perRun, buildSeconds }, startup, trials, chain: { empty: runEmpty, history: runHistory }, peak, goals, loadavg: { before: load0, after: load1 }, cores: os.cpus().length }) + '\n',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (mode === 'build') await build(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
else if (mode === 'chain') await chain(process.argv[3], Number(process.argv[4]));
else if (mode === 'snapshot-write') await snapshotWrite(Number(process.argv[3] ?? 86));
else await main();
