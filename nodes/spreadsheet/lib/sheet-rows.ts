/**
 * The rows of one worksheet part (xl/worksheets/sheetN.xml), read from its XML events: each row's
 * number and its cells as exceljs would give them (numbers, strings, booleans, { error },
 * { formula, result }, rich text from the shared strings), with each number's format for dates.
 *
 * Why not exceljs' own WorksheetReader: it altered text. An inline string (`t="inlineStr"`, what
 * Apache POI's streaming writer and many report exporters write) kept only its last formatted run
 * ("Ada" in two runs read "a"), took a phonetic guide for the text ("東京" read "トウキョウ"), and it and
 * a formula's text result were decoded twice ("&lt;b&gt;" read "<b>", "AT&amp;T" read "AT&T"). An ISO
 * date cell (`t="d"`, strict OOXML) read as the year alone (2024). Here a cell's text is the XML's text,
 * decoded once by the parser, its runs joined, phonetic guides left out.
 */
import type { Readable } from 'node:stream';
import { ooxmlText } from './ooxml-text.ts';
import { parseSax, type XmlTag } from './xml-events.ts';

/** A cell's value in exceljs' shapes (cell-value.ts reads them). */
export type CellValue = string | number | boolean | Date | { error: string } | { formula: string; result: string | number | boolean | Date | { error: string } | undefined } | { richText: Array<{ text: string }> } | null;

export interface SheetRow {
  number: number;
  /** Index 0 = column A; holes for cells with nothing. */
  values: CellValue[];
  /** The number format of each cell that has one (dates tell from it). */
  formats: Array<string | undefined>;
}

/** Where the reader gets what the row XML refers to. */
export interface SheetContext {
  sharedStrings: unknown[];
  /** The number format of style `s` (xl/styles.xml), if any. */
  numFmt(style: number): string | undefined;
  /** The most characters a cell's text may reach as it is read (its row is told to `tooLong`, which throws). */
  maxCellChars: number;
  tooLong(row: number, chars: number): never;
  /** A cell the file contradicts itself on (a shared text that is not there): throws. */
  damaged(row: number, col: number, what: string): never;
}

/** Column index (0 = A) of a cell reference such as "AB12"; -1 when it is not one. */
export function columnOf(ref: string): number {
  let col = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    col = col * 26 + (c - 0x60);
  }
  return i === 0 || i > 3 ? -1 : col - 1;
}

export async function* sheetRows(stream: Readable, ctx: SheetContext): AsyncGenerator<SheetRow> {
  let inData = false;
  let row: SheetRow | null = null;
  let lastRow = 0;
  let col = -1;
  // The cell being read.
  let type = '';
  let style = 0;
  let value: string | null = null;
  let formula: string | null = null;
  let inline: string | null = null;
  let runs: string[] | null = null;
  // Which text the parser's text events go to.
  let into: 'v' | 'f' | 't' | null = null;
  let phonetic = 0;
  /** Characters read into the cell so far (bounded while it is read, not once it is whole). */
  let size = 0;

  for await (const events of parseSax(stream)) {
    for (const { eventType, value: ev } of events) {
      if (eventType === 'opentag') {
        const node = ev as XmlTag;
        switch (node.name) {
          case 'sheetData':
            inData = true;
            break;
          case 'row':
            if (!inData) break;
            {
              const r = Number.parseInt(node.attributes.r ?? '', 10);
              lastRow = Number.isSafeInteger(r) && r > 0 ? r : lastRow + 1;
              row = { number: lastRow, values: [], formats: [] };
              col = -1;
            }
            break;
          case 'c':
            if (!row) break;
            {
              const at = node.attributes.r ? columnOf(node.attributes.r) : -1;
              col = at >= 0 ? at : col + 1;
              type = node.attributes.t ?? 'n';
              style = Number.parseInt(node.attributes.s ?? '0', 10) || 0;
              value = formula = inline = null;
              runs = null;
              size = 0;
            }
            break;
          case 'v':
            if (row) {
              into = 'v';
              value ??= '';
            }
            break;
          case 'f':
            if (row) {
              into = 'f';
              formula ??= '';
            }
            break;
          case 'is':
            if (row) inline = '';
            break;
          case 'r':
            // Text written before the first run stays in front of the runs.
            if (row && inline !== null && phonetic === 0) runs ??= inline ? [inline] : [];
            break;
          case 'rPh':
            if (inline !== null) phonetic++;
            break;
          case 't':
            if (row && inline !== null && phonetic === 0) {
              into = 't';
              if (runs) runs.push('');
            }
            break;
          default:
            break;
        }
      } else if (eventType === 'text') {
        if (into === null) continue;
        const text = ev as string;
        size += text.length;
        if (size > ctx.maxCellChars && row) ctx.tooLong(row.number, size);
        if (into === 'v') value += text;
        else if (into === 'f') formula += text;
        else if (runs) runs[runs.length - 1] += text;
        else inline += text;
      } else if (eventType === 'closetag') {
        const name = (ev as { name: string }).name;
        switch (name) {
          case 'v':
          case 'f':
          case 't':
            into = null;
            break;
          case 'rPh':
            if (phonetic > 0) phonetic--;
            break;
          case 'c':
            if (row && col >= 0) {
              const v = cellValue(type, value, formula, inline, runs, ctx, row.number, col);
              if (v !== undefined) {
                row.values[col] = v;
                const fmt = ctx.numFmt(style);
                if (fmt) row.formats[col] = fmt;
              }
            }
            into = null;
            break;
          case 'row':
            if (row) yield row;
            row = null;
            break;
          case 'sheetData':
            inData = false;
            break;
          default:
            break;
        }
      }
    }
  }
}

/** What a cell holds; undefined: nothing (a styled empty cell). */
function cellValue(type: string, v: string | null, f: string | null, inline: string | null, runs: string[] | null, ctx: SheetContext, row: number, col: number): CellValue | undefined {
  if (type === 'inlineStr') {
    const text = runs ? runs.join('') : (inline ?? v);
    return text === null ? undefined : ooxmlText(text);
  }
  // A formula saved without its result (openpyxl, exceljs and other libraries write them so): said
  // so (read-xlsx.ts), never read as an empty cell.
  if (v === null) return f !== null ? { formula: f, result: undefined } : undefined;
  let result: CellValue;
  switch (type) {
    case 's': {
      // A text the table does not hold: the file is damaged, and "" would lose the cell's text unsaid.
      const index = /^\s*\d+\s*$/.test(v) ? Number(v) : -1;
      const entry = index >= 0 ? ctx.sharedStrings[index] : undefined;
      if (entry === undefined) ctx.damaged(row, col, `refers to shared text ${v.trim() || '(none)'}, but the file's table of texts has ${ctx.sharedStrings.length}`);
      result = entry as CellValue;
      break;
    }
    case 'str':
      result = ooxmlText(v);
      break;
    case 'b':
      result = v.trim() === '1' || v.trim().toLowerCase() === 'true';
      break;
    case 'e':
      result = { error: v };
      break;
    case 'd': {
      // An ISO 8601 date; without a zone it is wall-clock time, read as UTC like serial dates.
      const text = v.trim();
      const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(text) || /^\d{4}-\d\d-\d\d$/.test(text);
      const d = new Date(zoned ? text : `${text}Z`);
      result = Number.isNaN(d.getTime()) ? v : d;
      break;
    }
    default: {
      const n = Number(v.trim());
      result = v.trim() === '' ? '' : Number.isFinite(n) ? n : v;
    }
  }
  if (f !== null) return { formula: f, result: result as Exclude<CellValue, null | { formula: string } | { richText: unknown }> };
  return result;
}
