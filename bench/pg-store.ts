// One benchmark case in its own process (CPU time and peak RSS are its own): the 10-step chain
// (bench/engine-chain.ts's "jsonata" flow) over N records through the engine, on the embedded store
// or on the PostgreSQL store (a fresh database `conveyor_bench_<random>` on DATABASE_URL's server,
// dropped after). Arguments: embedded|postgres, records, concurrency. Prints one JSON line.
// The CPU time is this process's; on PostgreSQL the server processes serving the bench database are
// sampled beside it (bench/pg-backends.ts: their CPU and peak private memory).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { openStore, type StoreChoice } from '../server/store/open-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';
import { sampleBackends, type BackendFigures } from './pg-backends.ts';

const kind = (process.argv[2] ?? 'embedded') as 'embedded' | 'postgres';
const records = Number(process.argv[3] ?? 10_000);
const concurrency = Number(process.argv[4] ?? 64);
const CHAIN = 10;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function flow(): FlowDocument {
  const nodes: FlowDocument['nodes'] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: FlowDocument['edges'] = [];
  for (let i = 1; i <= CHAIN; i++) {
    nodes.push({ id: `s${i}`, type: 'core.set-fields', position: { x: i * 220, y: 0 }, params: { fields: [{ name: `f${i}`, value: `n * ${i} + $length(name)` }], keepOtherFields: true } });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `s${i - 1}`, sourcePort: 'out', target: `s${i}`, targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id: 'bench', name: 'Bench chain', description: '', settings: { concurrency }, nodes, edges };
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const cpuSeconds = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
const dbName = `conveyor_bench_${randomBytes(5).toString('hex')}`;
let choice: StoreChoice = { kind: 'embedded' };
if (kind === 'postgres') {
  await admin(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  choice = { kind: 'postgres', url: url.toString() };
}
try {
  const store = await openStore(dir, choice);
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir });
  const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
  const load0 = os.loadavg()[0];
  const cpu0 = cpuSeconds(process.resourceUsage());
  // The backends are sampled from the run's start (the store's pool is open by then: its start-up is not counted).
  const backendsAtStart = kind === 'postgres' ? sampleBackends(ADMIN_URL, dbName) : null;
  const t0 = performance.now();
  const run = await engine.startRun(flow(), { input: { records: input } });
  const summary = await engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.resourceUsage()) - cpu0;
  const load1 = os.loadavg()[0];
  const server: BackendFigures | null = (await backendsAtStart?.stop()) ?? null;
  await engine.shutdown();
  await store.close();
  if (summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  const check = await openStore(dir, choice);
  const last = await check.getRecord(run.id, records - 1);
  await check.close();
  const n = records - 1;
  if ((last?.output as Record<string, unknown> | undefined)?.[`f${CHAIN}`] !== n * CHAIN + `Person ${n}`.length) throw new Error('wrong output after reopening the store');
  const steps = records * (CHAIN + 1);
  process.stdout.write(
    JSON.stringify({ store: kind, records, concurrency, steps, seconds, cpuSeconds: cpu, recordsPerSec: records / seconds, stepsPerSec: steps / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, loadavg: [load0, load1], server }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (kind === 'postgres') await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}
