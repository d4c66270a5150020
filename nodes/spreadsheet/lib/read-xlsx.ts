import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import { BoundedZip } from './bounded-zip.ts';
import { cellToJson, type DateSystem } from './cell-value.ts';
import { dateSystemOf } from './date-system.ts';
import { localeBuiltinFormat } from './builtin-formats.ts';
import { ooxmlText } from './ooxml-text.ts';
import { letter } from './sheet-mapping.ts';
import { sheetRows, type SheetContext, type SheetRow } from './sheet-rows.ts';
import { parseSax } from './xml-events.ts';
import { DEFAULT_SHEET_LIMITS, limitExceeded, type SheetLimits } from './limits.ts';
import { aborted, type RowSink, type SheetRead } from './sheet-file.ts';

// exceljs' streaming pieces, driven here part by part (its own WorkbookReader.parse reads the zip
// with unzipper's streaming parser, which loses inflate errors and parks sheets in temp files): its
// part parsers for the relationships, the workbook and the styles, and its XML event parser. The rows
// of the sheet are read by sheet-rows.ts (exceljs' WorksheetReader altered some cells' text).
// Required on the first read, not when this module loads: the CLI and studio load it at every start.
interface Rel {
  Id: string;
  Type: string;
  Target: string;
  TargetMode?: string;
}
interface SheetModel {
  name: string;
  rId: string;
  state?: string;
}
/** What exceljs' WorkbookReader keeps of the workbook, read through its own part parsers. */
interface WorkbookParts {
  workbookRels?: Rel[];
  model?: { sheets?: SheetModel[] };
  sharedStrings?: unknown[];
  styles?: { getStyleModel(id: number): { numFmt?: string } | null; model?: { styles?: Array<{ numFmtId?: number } | undefined> } };
  _parseRels(stream: Readable): Promise<void>;
  _parseWorkbook(stream: Readable): Promise<void>;
  _parseStyles(stream: Readable): Promise<void>;
}

const OPTIONS = {
  sharedStrings: 'cache',
  styles: 'cache', // number formats tell dates from numbers
  hyperlinks: 'ignore', // a hyperlink cell keeps its text
  worksheets: 'emit',
  entries: 'ignore',
} as const;

/**
 * Streams the rows of one worksheet of an .xlsx file to `onRow`, within `limits` (see limits.ts):
 * parts are read through their central directory entries (BoundedZip), inflated bytes counted as
 * they come, shared strings, rows, columns and cells bounded as they are parsed. `sheet` names the
 * worksheet (exact, else ignoring case and surrounding spaces); empty = the first visible one.
 * Rows that hold nothing are not reported.
 */
export async function readXlsx(
  file: string,
  shown: string,
  sheet: string,
  onRow: RowSink,
  signal?: AbortSignal,
  limits: SheetLimits = DEFAULT_SHEET_LIMITS,
): Promise<SheetRead> {
  return BoundedZip.reading(file, shown, limits, 'workbook', (zip) => readParts(zip, shown, sheet, onRow, signal, limits));
}

async function readParts(zip: BoundedZip, shown: string, sheet: string, onRow: RowSink, signal: AbortSignal | undefined, limits: SheetLimits): Promise<SheetRead> {
  const wb = new ExcelJS.stream.xlsx.WorkbookReader('', OPTIONS) as unknown as WorkbookParts;
  // The workbook part: named by the package relationships (xl/workbook.xml in every writer seen).
  let bookPath = 'xl/workbook.xml';
  let appPath = 'docProps/app.xml';
  if (zip.has('_rels/.rels')) {
    await wb._parseRels(await zip.whole('_rels/.rels'));
    const office = (wb.workbookRels ?? []).find((r) => r.Type.endsWith('/officeDocument'));
    if (office) bookPath = resolveTarget('', office.Target);
    const app = (wb.workbookRels ?? []).find((r) => r.Type.endsWith('/extended-properties'));
    if (app) appPath = resolveTarget('', app.Target);
  }
  if (!zip.has(bookPath)) {
    throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" is not an Excel workbook: it has no workbook part (${bookPath}).`, 'Open the file in Excel or LibreOffice and save it as "Excel workbook (.xlsx)", then choose it again.');
  }
  const bookDir = path.dirname(bookPath) === '.' ? '' : path.dirname(bookPath);
  const relsPath = path.join(bookDir, '_rels', `${path.basename(bookPath)}.rels`);
  wb.workbookRels = [];
  if (zip.has(relsPath)) await wb._parseRels(await zip.whole(relsPath));
  const rels = wb.workbookRels ?? [];
  await wb._parseWorkbook(await zip.whole(bookPath));

  const sheets = wb.model?.sheets ?? [];
  if (sheets.length === 0) {
    throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" holds no worksheet.`, 'Open the file in Excel or LibreOffice, check that it has a sheet with your rows, and save it again as .xlsx.');
  }
  const wanted = sheet.trim();
  // A chart, dialog or macro sheet holds no rows: the first sheet of rows is the first worksheet.
  const worksheet = (s: SheetModel) => {
    const type = rels.find((r) => r.Id === s.rId)?.Type;
    return type === undefined || type.endsWith('/worksheet');
  };
  const chosen = wanted
    ? (sheets.find((s) => s.name === wanted) ?? sheets.find((s) => String(s.name).trim().toLowerCase() === wanted.toLowerCase()))
    : sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden' && worksheet(s));
  if (chosen && !worksheet(chosen)) {
    throw new NodeError(
      'E_SHEET_NOT_FOUND',
      `Sheet "${chosen.name}" of "${shown}" is a chart, not a sheet of rows.`,
      'Type the name of the sheet that holds the rows in the Sheet setting of the Spreadsheet node, or leave it empty to read the first one.',
    );
  }
  if (!chosen) {
    const list = sheets.map((s) => `"${s.name}"`).join(', ');
    throw new NodeError(
      'E_SHEET_NOT_FOUND',
      wanted ? `"${shown}" has no sheet named "${wanted}" (its sheets: ${list}).` : `Every sheet of "${shown}" is hidden (${list}).`,
      wanted ? 'Correct the Sheet setting of the Spreadsheet node, or leave it empty to read the first sheet.' : 'Type the name of the sheet to read in the Sheet setting of the Spreadsheet node.',
    );
  }
  const rel = rels.find((r) => r.Id === chosen.rId);
  const sheetPath = rel ? resolveTarget(bookDir, rel.Target) : '';
  if (!rel || !zip.has(sheetPath)) {
    throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" is incomplete: the rows of sheet "${chosen.name}" are missing.`, 'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx and choose that copy.');
  }

  const stylesRel = rels.find((r) => r.Type.endsWith('/styles'));
  const stylesPath = stylesRel ? resolveTarget(bookDir, stylesRel.Target) : path.join(bookDir, 'styles.xml');
  const styled = zip.has(stylesPath);
  if (styled) await wb._parseStyles(await zip.whole(stylesPath));
  const stringsRel = rels.find((r) => r.Type.endsWith('/sharedStrings'));
  const stringsPath = stringsRel ? resolveTarget(bookDir, stringsRel.Target) : path.join(bookDir, 'sharedStrings.xml');
  wb.sharedStrings = zip.has(stringsPath) ? await readSharedStrings(await zip.part(stringsPath), shown, limits, signal) : [];

  if (signal?.aborted) throw aborted();
  const dates = await dateSystemOf(zip, bookPath, appPath);
  const ctx: SheetContext = {
    sharedStrings: wb.sharedStrings,
    // Without a styles part every cell is General (exceljs' style manager is not set up then).
    numFmt: (s) => (styled ? (wb.styles?.getStyleModel(s)?.numFmt ?? localeBuiltinFormat(wb.styles?.model?.styles?.[s]?.numFmtId)) : undefined),
    maxCellChars: limits.maxCellChars,
    tooLong: (row, chars) => {
      throw limitExceeded(shown, 'maxCellChars', chars, limits, `row ${row}`);
    },
    damaged: (row, col, what) => {
      throw new NodeError(
        'E_SHEET_UNREADABLE',
        `"${shown}" is damaged: cell ${letter(col)}${row} of sheet "${chosen.name}" ${what}.`,
        'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx and choose that copy.',
      );
    },
  };
  let n = 0;
  for await (const row of sheetRows(await zip.part(sheetPath), ctx)) {
    if ((++n & 1023) === 0 && signal?.aborted) throw aborted();
    if (row.number > limits.maxRows) throw limitExceeded(shown, 'maxRows', row.number, limits, `sheet "${chosen.name}"`);
    onRow({ row: row.number, values: rowValues(row, dates, shown, limits), uncomputed: uncomputedCells(row) });
  }
  return { sheet: chosen.name, sheets: sheets.filter(worksheet).map((s) => s.name) };
}

/** A relationship's target as a path inside the zip: relative to the workbook's folder, or absolute. */
function resolveTarget(base: string, target: string): string {
  const t = target.replace(/\\/g, '/');
  return t.startsWith('/') ? path.normalize(t).slice(1) : path.normalize(path.join(base, t));
}

/**
 * The shared strings table (xl/sharedStrings.xml): each entry a string, or `{ richText }` for
 * formatted runs, as exceljs gives them — counted and measured as they are parsed, so a table of
 * millions of entries fails at the limit instead of filling the memory. Phonetic guides (rPh) are
 * not part of the text.
 */
async function readSharedStrings(stream: Readable, shown: string, limits: SheetLimits, signal?: AbortSignal): Promise<unknown[]> {
  const strings: unknown[] = [];
  let chars = 0;
  let text: string | null = null;
  let runs: Array<{ text: string }> = [];
  let inText = false;
  let phonetic = 0;
  for await (const events of parseSax(stream)) {
    if (signal?.aborted) throw aborted();
    for (const { eventType, value } of events) {
      if (eventType === 'opentag') {
        const name = (value as { name: string }).name;
        if (name === 'si') {
          text = null;
          runs = [];
        } else if (name === 't') inText = phonetic === 0;
        else if (name === 'rPh') phonetic++;
      } else if (eventType === 'text') {
        if (!inText) continue;
        text = text === null ? (value as string) : text + (value as string);
        if (text.length > limits.maxCellChars) throw limitExceeded(shown, 'maxCellChars', text.length, limits, `shared text ${strings.length + 1}`);
      } else if (eventType === 'closetag') {
        const name = (value as { name: string }).name;
        if (name === 't') inText = false;
        else if (name === 'rPh') phonetic--;
        else if (name === 'r') {
          runs.push({ text: ooxmlText(text ?? '') });
          text = null;
        } else if (name === 'si') {
          const entry = runs.length ? { richText: runs } : text === null ? null : ooxmlText(text);
          const size = runs.length ? runs.reduce((a, r) => a + r.text.length, 0) : (text?.length ?? 0);
          if (size > limits.maxCellChars) throw limitExceeded(shown, 'maxCellChars', size, limits, `shared text ${strings.length + 1}`);
          if (strings.length >= limits.maxSharedStrings) throw limitExceeded(shown, 'maxSharedStrings', strings.length + 1, limits);
          chars += size;
          if (chars > limits.maxSharedChars) throw limitExceeded(shown, 'maxSharedChars', chars, limits);
          strings.push(entry);
          text = null;
          runs = [];
        }
      }
    }
  }
  return strings;
}

function rowValues(row: SheetRow, dates: DateSystem, shown: string, limits: SheetLimits): Json[] {
  const width = row.values.length;
  if (width > limits.maxColumns) throw limitExceeded(shown, 'maxColumns', width, limits, `row ${row.number}`);
  const values: Json[] = new Array(width);
  for (let c = 0; c < width; c++) {
    const json = cellToJson(row.values[c], row.formats[c], dates);
    if (typeof json === 'string' && json.length > limits.maxCellChars) throw limitExceeded(shown, 'maxCellChars', json.length, limits, `row ${row.number}`);
    values[c] = json;
  }
  return values;
}

/** The cells of a row holding a formula saved without its result, or undefined when there are none. */
function uncomputedCells(row: SheetRow): Array<{ index: number; formula: string }> | undefined {
  let found: Array<{ index: number; formula: string }> | undefined;
  row.values.forEach((v, index) => {
    if (v && typeof v === 'object' && 'formula' in v && v.result === undefined) (found ??= []).push({ index, formula: v.formula });
  });
  return found;
}
