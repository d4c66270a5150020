/**
 * The run report as an .xlsx workbook: sheets "Summary", "Records" (one row per record, with the
 * sheet row it was read from and its input fields flattened into columns) and "Rejects". Written with exceljs' streaming writer, records read
 * from the store a page at a time.
 *
 * Every value is written as a value, never as a formula: text is a text cell, which no spreadsheet
 * application evaluates on opening. Text it could take for a formula once someone edits the cell
 * (starting with = + - @, a tab or a line break) is also formatted as Text ("@"): Excel and
 * LibreOffice keep what is typed into a Text cell as text. The text itself is the record's, exactly:
 * a leading apostrophe (written until 2026-12-06) showed in the cell, "+33 6 12…" read "'+33 6 12…".
 */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Json, RecordData } from '../../nodes/sdk/types.ts';
import type { RecordRow, Store } from '../store/types.ts';
import type { Report } from './build-report.ts';
import { reviewWaits } from './review-wait.ts';
import { recordWorkingMs } from './run-working-time.ts';

/** Records read per store query. */
export const RECORDS_PAGE = 1000;
/** Input fields beyond this many become no column (a sheet stays usable). */
export const MAX_DATA_COLUMNS = 200;
/** Excel's limit for the text of one cell. */
const MAX_CELL_TEXT = 32_767;
/** Nested objects are flattened ("address.city") up to this depth; deeper values are written as JSON. */
const MAX_DEPTH = 4;

type CellValue = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r\n]/;

/** Text as a cell holds it: cut to Excel's limit, otherwise exactly as given. */
export function safeText(text: string): string {
  return text.length > MAX_CELL_TEXT ? text.slice(0, MAX_CELL_TEXT) : text;
}

/** Whether a spreadsheet application could take `value` for a formula if someone edited its cell. */
export function looksLikeFormula(value: CellValue): boolean {
  return typeof value === 'string' && FORMULA_START.test(value);
}

/** The Text number format: what is typed into the cell stays text. */
const TEXT_FORMAT = '@';

/** A JSON value as a cell value: numbers and booleans stay as they are, objects and arrays become JSON text. */
export function cellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : safeText(String(value));
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return safeText(value);
  return safeText(JSON.stringify(value) ?? '');
}

/** A record's data as path → value ("address.city"); arrays and deep values stay whole. */
export function flattenData(data: RecordData | null, out = new Map<string, Json>(), prefix = '', depth = 0): Map<string, Json> {
  if (data === null || typeof data !== 'object') return out;
  for (const [key, value] of Object.entries(data)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH && Object.keys(value).length > 0) {
      flattenData(value as RecordData, out, path, depth + 1);
    } else {
      out.set(path, value);
    }
  }
  return out;
}

/** Reads every record of a run, a page at a time. */
async function* allRecords(store: Store, runId: string): AsyncGenerator<RecordRow> {
  for (let offset = 0; ; offset += RECORDS_PAGE) {
    const page = await store.listRecords(runId, { offset, limit: RECORDS_PAGE });
    for (const r of page.items) yield r;
    if (page.items.length < RECORDS_PAGE) return;
  }
}

const BOLD = { bold: true } as const;

/** Writes the report (and the run's records, read from `store`) as an .xlsx file. */
export async function reportToXlsx(store: Store, report: Report): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Conveyor';
  workbook.created = new Date();

  writeSummary(workbook.addWorksheet('Summary'), report);
  await writeRecords(workbook.addWorksheet('Records', { views: [{ state: 'frozen', ySplit: 1 }] }), store, report.runId);
  writeRejects(workbook.addWorksheet('Rejects', { views: [{ state: 'frozen', ySplit: 1 }] }), report);

  await workbook.commit();
  await done;
  return Buffer.concat(chunks);
}

type Sheet = ExcelJS.Worksheet;

function addRow(sheet: Sheet, values: unknown[], bold = false): void {
  const cells = values.map(cellValue);
  const row = sheet.addRow(cells);
  if (bold) row.font = BOLD;
  cells.forEach((value, i) => {
    if (looksLikeFormula(value)) row.getCell(i + 1).numFmt = TEXT_FORMAT;
  });
  row.commit();
}

function writeSummary(sheet: Sheet, r: Report): void {
  sheet.getColumn(1).width = 26;
  for (let c = 2; c <= 7; c++) sheet.getColumn(c).width = c === 2 ? 30 : 14;
  addRow(sheet, ['Run report'], true);
  addRow(sheet, ['Run', r.runId]);
  addRow(sheet, ['Flow', r.flowName]);
  addRow(sheet, ['Flow id', r.flowId]);
  addRow(sheet, ['Status', r.status]);
  addRow(sheet, ['Started', r.startedAt]);
  addRow(sheet, ['Ended', r.endedAt]);
  addRow(sheet, ['Duration (ms)', r.durationMs]);
  if (r.reviewWaitMs) addRow(sheet, ['Waited for a person (ms)', r.reviewWaitMs]);
  if (r.haltedMs) addRow(sheet, ['Paused or interrupted (ms)', r.haltedMs]);
  addRow(sheet, ['Records', r.recordCount]);
  addRow(sheet, ['Rejected rows', r.rejects.length]);
  if (r.tokens) {
    addRow(sheet, ['AI tokens used', r.tokens.total]);
    addRow(sheet, ['AI tokens: prompts', r.tokens.prompt]);
    addRow(sheet, ['AI tokens: answers', r.tokens.completion]);
    addRow(sheet, ['AI model answers', r.tokens.answers]);
  }
  if (r.tracking) {
    addRow(sheet, ['Mail opens (records)', r.tracking.opens, r.tracking.openedRecords]);
    addRow(sheet, ['Mail clicks (records)', r.tracking.clicks, r.tracking.clickedRecords]);
    addRow(sheet, ['Unsubscribes (records)', r.tracking.unsubscribes, r.tracking.unsubscribedRecords]);
  }
  addRow(sheet, []);

  addRow(sheet, ['Records per status', 'Count'], true);
  for (const [status, count] of Object.entries(r.counts)) addRow(sheet, [status, count]);
  addRow(sheet, []);

  addRow(sheet, ['Time per record', 'ms'], true);
  addRow(sheet, ['Average', r.perRecord.avgMs]);
  addRow(sheet, ['95th percentile', r.perRecord.p95Ms]);
  addRow(sheet, []);

  addRow(sheet, ['Step', 'Type', 'Steps', 'Success', 'Failed', 'Sent to review', 'Average ms', 'p95 ms', 'Records ended here as'], true);
  // An End step that gives another status than success: its successful steps are records that ended so.
  for (const s of r.perStep) addRow(sheet, [s.name, s.type, s.count, s.success, s.failed, s.review, s.avgMs, s.p95Ms, s.endsAs ?? null]);
  if (r.perStep.length === 0) addRow(sheet, ['(no step ran)']);
  addRow(sheet, []);

  addRow(sheet, ['Error code', 'Example', 'Records'], true);
  for (const e of r.errors) addRow(sheet, [e.code, e.example, e.count]);
  if (r.errors.length === 0) addRow(sheet, ['(no errors)']);
  sheet.commit();
}

/** "Sheet row": the row of the run's file the record was read from, so the report points back into the operator's sheet. */
const RECORD_HEADERS = ['#', 'Sheet row', 'Status', 'Error code', 'Error message', 'Reason', 'Started', 'Ended', 'Duration (ms)'];

async function writeRecords(sheet: Sheet, store: Store, runId: string): Promise<void> {
  // First pass: the input fields, in order of first appearance (the header comes before any row).
  const fields = new Map<string, number>();
  for await (const record of allRecords(store, runId)) {
    for (const path of flattenData(record.data).keys()) {
      if (fields.size >= MAX_DATA_COLUMNS) break;
      if (!fields.has(path)) fields.set(path, fields.size);
    }
  }
  const widths = [8, 10, 13, 18, 40, 30, 25, 25, 14];
  widths.forEach((w, i) => (sheet.getColumn(i + 1).width = w));
  for (let i = 0; i < fields.size; i++) sheet.getColumn(RECORD_HEADERS.length + i + 1).width = 18;
  addRow(sheet, [...RECORD_HEADERS, ...fields.keys()], true);

  const width = RECORD_HEADERS.length + fields.size;
  const [waits, run] = await Promise.all([reviewWaits(store, runId), store.getRun(runId)]);
  for await (const record of allRecords(store, runId)) {
    const values: unknown[] = new Array(width).fill(null);
    values[0] = record.index + 1;
    values[1] = record.sourceRow ?? null;
    values[2] = record.status;
    values[3] = record.error?.code ?? null;
    values[4] = record.error?.message ?? null;
    values[5] = record.reason;
    values[6] = record.startedAt;
    values[7] = record.endedAt;
    values[8] = recordWorkingMs(record.startedAt, record.endedAt, waits.byRecord.get(record.index) ?? 0, run?.halts);
    for (const [path, value] of flattenData(record.data)) {
      const col = fields.get(path);
      if (col !== undefined) values[RECORD_HEADERS.length + col] = value;
    }
    addRow(sheet, values);
  }
  sheet.commit();
}

function writeRejects(sheet: Sheet, r: Report): void {
  [8, 20, 16, 30, 50].forEach((w, i) => (sheet.getColumn(i + 1).width = w));
  addRow(sheet, ['Row', 'Field', 'Rule', 'Value', 'Message'], true);
  for (const x of r.rejects) addRow(sheet, [x.row, x.field, x.rule, x.value, x.message]);
  sheet.commit();
}
