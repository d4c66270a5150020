// One spreadsheet benchmark case in its own process (peak RSS is its own): write an .xlsx of N
// rows, read it through the Spreadsheet trigger (rows/s), then run it end to end through a
// five-step flow with durable commits (records/s).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createRegistry } from '../nodes/index.ts';
import { Engine } from '../server/engine/engine.ts';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/flow/schema.ts';

const rows = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 64);
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-sheet-bench-'));

async function writeSheet(file: string): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file });
  const ws = wb.addWorksheet('People');
  ws.addRow(['first_name', 'last_name', 'email']).commit();
  for (let i = 0; i < rows; i++) {
    // One row in a hundred has a broken email: it must be rejected before the run.
    ws.addRow([`First${i}`, `Last${i}`, i % 100 === 99 ? `broken-${i}` : ` Person${i}@Example.com `]).commit();
  }
  await wb.commit();
}

function fiveStepFlow(): FlowDocument {
  const col = (field: string, extra: Record<string, unknown> = {}) => ({ field, column: '', required: true, trim: true, letterCase: 'keep', mustBe: 'anything', pattern: '', ...extra });
  return {
    format: FLOW_FORMAT,
    id: 'bench_sheet',
    name: 'Sheet bench',
    description: '',
    settings: { concurrency },
    nodes: [
      { id: 'sheet', type: 'sheet.read', position: { x: 0, y: 0 }, params: { sheet: '', headerRow: 1, keepUnmappedColumns: false, columns: [col('first_name'), col('last_name'), col('email', { letterCase: 'lower', mustBe: 'email' })] } },
      { id: 'name', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'full_name', value: 'first_name & " " & last_name' }] } },
      { id: 'domain', type: 'core.set-fields', position: { x: 400, y: 0 }, params: { fields: [{ name: 'domain', value: '$substringAfter(email, "@")' }] } },
      { id: 'check', type: 'core.if', position: { x: 600, y: 0 }, params: { condition: 'domain = "example.com"' } },
      { id: 'done', type: 'core.end', position: { x: 800, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e1', source: 'sheet', sourcePort: 'out', target: 'name', targetPort: 'in' },
      { id: 'e2', source: 'name', sourcePort: 'out', target: 'domain', targetPort: 'in' },
      { id: 'e3', source: 'domain', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e4', source: 'check', sourcePort: 'true', target: 'done', targetPort: 'in' },
    ],
  };
}

try {
  const file = path.join(dir, 'people.xlsx');
  await writeSheet(file);
  const registry = createRegistry();
  const flow = fiveStepFlow();
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
