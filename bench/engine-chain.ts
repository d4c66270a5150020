// One benchmark case in its own process (so peak RSS is its own): N records through a chain of
// 10 set-fields nodes, each evaluating a JSONata expression, with durable commits on.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const records = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 64);
const CHAIN = 10;

function chainFlow(): FlowDocument {
  const nodes: FlowDocument['nodes'] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: FlowDocument['edges'] = [];
  for (let i = 1; i <= CHAIN; i++) {
    nodes.push({ id: `set${i}`, type: 'core.set-fields', position: { x: i * 220, y: 0 }, params: { fields: [{ name: `f${i}`, value: `n * ${i} + $length(name)` }], keepOtherFields: true } });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `set${i - 1}`, sourcePort: 'out', target: `set${i}`, targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id: 'bench', name: 'Bench chain', description: '', settings: { concurrency }, nodes, edges };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
try {
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir });
  const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i }));
  const t0 = performance.now();
  const run = await engine.startRun(chainFlow(), { input: { records: input } });
  const summary = await engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  await engine.shutdown();
  await store.close();
  const steps = records * (CHAIN + 1);
  if (summary.counts.success !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary.counts)}`);
  const check = await openSqlJsStore(path.join(dir, 'store'));
  const last = await check.getRecord(run.id, records - 1);
  await check.close();
  if (last?.output?.f10 !== (records - 1) * 10 + `Person ${records - 1}`.length) throw new Error('wrong output after reopening the store');
  process.stdout.write(JSON.stringify({ records, concurrency, steps, seconds, recordsPerSec: records / seconds, stepsPerSec: steps / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
