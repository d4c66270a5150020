// Fan-out: one record split into N records (core.split → set-fields → collect), every step committed
// durably. Counts the bytes the store's journal grew by (no snapshot during the run) and the time.
// Before checkpoints kept a fanned-out record's tokens as rows, this grew with the square of N.
// Prints one JSON line per size. Run: node --import tsx bench/fan-out.ts [sizes=1000,4000,16000]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import { NodeRegistry } from '../nodes/registry.ts';
import { coreNodes } from '../nodes/core/index.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const sizes = (process.argv[2] ?? '1000,4000,16000').split(',').map(Number);
const node = (id: string, type: string, x: number, params: Record<string, unknown>) => ({ id, type, position: { x, y: 0 }, params });
const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'bench_fanout',
  name: 'Bench fan-out',
  description: '',
  settings: { concurrency: 1, maxFanOut: 1_000_000 },
  nodes: [
    node('start', 'core.manual-trigger', 0, { format: 'json', records: '[]' }),
    node('each', 'core.split', 200, { field: 'items', as: 'item', keepParentFields: false }),
    node('mark', 'core.set-fields', 400, { fields: [{ name: 'double', value: 'item * 2' }], keepOtherFields: true }),
    node('gather', 'core.collect', 600, {}),
  ],
  edges: [
    { id: 'e1', source: 'start', sourcePort: 'out', target: 'each', targetPort: 'in' },
    { id: 'e2', source: 'each', sourcePort: 'out', target: 'mark', targetPort: 'in' },
    { id: 'e3', source: 'mark', sourcePort: 'out', target: 'gather', targetPort: 'in' },
  ],
};

const journalBytes = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('journal-')).reduce((s, f) => s + statSync(path.join(dir, f)).size, 0);

for (const n of sizes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-fanout-'));
  try {
    const store = await openSqlJsStore(path.join(dir, 'store'), { snapshotThresholdBytes: 1e12 });
    const engine = new Engine({ store, registry: new NodeRegistry(coreNodes), dataDir: dir });
    const before = journalBytes(path.join(dir, 'store'));
    const t0 = performance.now();
    const run = await engine.startRun(flow, { input: { records: [{ items: Array.from({ length: n }, (_, i) => i) }] } });
    const summary = await engine.waitForRun(run.id);
    const seconds = (performance.now() - t0) / 1000;
    if (summary.counts.success !== 1) throw new Error(`the record did not succeed: ${JSON.stringify(summary.counts)}`);
    const bytes = journalBytes(path.join(dir, 'store')) - before;
    await engine.shutdown();
    await store.close();
    console.log(JSON.stringify({ children: n, mb: Math.round((bytes / 2 ** 20) * 10) / 10, bytesPerChild: Math.round(bytes / n), seconds: Math.round(seconds * 10) / 10 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
