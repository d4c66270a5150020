// One spreadsheet benchmark case in its own process (peak RSS is its own): write an .xlsx of N
// rows, read it through the Spreadsheet trigger (rows/s), then run it end to end through a
// five-step flow (flows/people-by-domain.json) with durable commits (records/s).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import type { FlowDocument } from '../server/contract/flow/schema.ts';
import { writePeopleSheet } from '../scripts/people-sheet.ts';

const rows = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 64);
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-sheet-bench-'));

try {
  const file = path.join(dir, 'people.xlsx');
  await writePeopleSheet(file, rows);
  const registry = createRegistry();
  const flow: FlowDocument = { ...JSON.parse(readFileSync('flows/people-by-domain.json', 'utf8')), settings: { concurrency } };
  const trigger = registry.get('sheet.read')!;
  const params = trigger.params.parse(flow.nodes[0].params);
  const input = { file: { path: file, name: 'people.xlsx' } };

  const r0 = performance.now();
  const read = await trigger.records!(params, input);
  const readSeconds = (performance.now() - r0) / 1000;
  const readRecords = Array.isArray(read) ? read.length : read.records.length;
  const rejects = Array.isArray(read) ? 0 : read.rejects.length;
  if (readRecords + rejects !== rows || rejects !== Math.floor(rows / 100)) throw new Error(`read ${readRecords} records and ${rejects} rejects from ${rows} rows`);

  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({ store, registry, dataDir: dir });
  const t0 = performance.now();
  const run = await engine.startRun(flow, { input });
  const summary = await engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  await engine.shutdown();
  await store.close();
  if (summary.counts.success !== readRecords) throw new Error(`expected ${readRecords} successes, got ${JSON.stringify(summary.counts)}`);
  process.stdout.write(
    JSON.stringify({ rows, fileMb: statSync(file).size / 2 ** 20, readSeconds, rowsPerSec: rows / readSeconds, rejects, concurrency, seconds, recordsPerSec: readRecords / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
