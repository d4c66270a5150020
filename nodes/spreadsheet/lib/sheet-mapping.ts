import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json, RecordData, RejectInfo } from '../../sdk/types.ts';
import { isEmptyValue } from './cell-value.ts';
import { applyColumn, compileColumn, showValue, type ColumnSpec, type CompiledColumn, type ValueProblem } from './row-rules.ts';
import type { SheetRead, SheetRow } from './sheet-file.ts';

/** Excel's own limit for the text of one cell. */
export const MAX_CELL_CHARS = 32_767;
/** Most characters one row may hold in all: a bound on what one record carries, whatever the file. */
export const MAX_ROW_CHARS = 1_000_000;
/** Characters of an oversized cell kept in its reject, to show which cell it is. */
const PREVIEW_CHARS = 200;

/** The records of a sheet, its rejects, and the sheet row each record was read from (same order as records). */
export interface SheetRecords {
  records: RecordData[];
  rejects: RejectInfo[];
  rows: number[];
}

export interface MappingOptions {
  headerRow: number;
  columns: ColumnSpec[];
  keepUnmappedColumns: boolean;
  /** Most records one run may take; more is E_SHEET_TOO_LARGE. */
  maxRecords: number;
}

interface Plan {
  mapped: Array<{ col: CompiledColumn; index: number }>;
  /** Columns copied as they are, under their header name. */
  passthrough: Array<{ name: string; index: number }>;
}

/**
 * Turns the rows of a sheet into records and rejects: rows above the header row are ignored,
 * the header row names the columns, every later row that is not empty becomes a record — or a
 * reject, when a value breaks its column's rules. One reject per row: the first problem in the
 * order of the mapping, the others named in its message. A row too large to be real is one reject
 * too, never a refusal of the whole file.
 */
export class SheetMapper {
  readonly records: RecordData[] = [];
  readonly rejects: RejectInfo[] = [];
  /** The sheet row of each record, for messages and reports ("sheet row 12"). */
  readonly rows: number[] = [];
  private plan: Plan | null = null;
  private readonly columns: CompiledColumn[];
  private dataRows = 0;

  constructor(private readonly shown: string, private readonly opts: MappingOptions) {
    this.columns = opts.columns.map(compileColumn);
  }

  /** The header names as found in the file, once the header row is read. */
  headers: string[] = [];
  /** Cells of the header row (named or not). */
  private headerWidth = 0;
  /**
   * A CSV's separator (`csv`): a data row with a value past the header row's last column is then
   * rejected — in a CSV that is a value holding the separator without quotes ("Smith, John"), which
   * moved every value after it one column on. Null (a workbook, whose columns are where they are):
   * such cells are ignored, like a column without a name.
   */
  private separator: string | null = null;

  /** The rows come from a CSV with this separator (see `separator`). */
  csv(separator: string): void {
    this.separator = separator;
  }

  push(row: SheetRow): void {
    if (row.row < this.opts.headerRow) return;
    if (!this.plan) {
      if (row.row > this.opts.headerRow || row.values.every((v) => isEmptyValue(v))) throw this.noHeader();
      this.checkHeaderSizes(row);
      this.plan = this.buildPlan(row.values);
      this.headerWidth = row.values.length;
      return;
    }
    if (row.values.every((v) => isEmptyValue(v))) return;
    if (++this.dataRows > this.opts.maxRecords) {
      const max = this.opts.maxRecords.toLocaleString('en-US');
      throw new NodeError('E_SHEET_TOO_LARGE', `"${this.shown}" has more than ${max} rows; one run can take at most ${max}.`, 'Split the file into several files and start one run for each.');
    }
    const refused = this.oversized(row) ?? this.shifted(row) ?? this.uncomputed(row);
    if (refused) this.rejects.push(refused);
    else this.take(row);
  }

  /** Call after the last row (with the workbook's sheet that was read): a sheet without a header or without data rows is refused. */
  finish(read?: SheetRead): SheetRecords {
    if (!this.plan) throw read ? this.emptySheet(read) : this.noHeader();
    if (this.dataRows === 0) {
      throw new NodeError(
        'E_SHEET_EMPTY',
        `"${this.shown}" has a header row (row ${this.opts.headerRow}) but no rows of data below it.`,
        'Check that you chose the right file and sheet, and that the rows are below the header row.',
      );
    }
    return { records: this.records, rejects: this.rejects, rows: this.rows };
  }

  /**
   * The header row names the columns: without it no row can be mapped, so a header cell longer than
   * a spreadsheet program allows refuses the file.
   */
  private checkHeaderSizes(row: SheetRow): void {
    row.values.forEach((v, i) => {
      if (typeof v === 'string' && v.length > MAX_CELL_CHARS) {
        throw new NodeError(
          'E_SHEET_CELL_TOO_LARGE',
          `Row ${row.row} (the header row), column ${letter(i)} of "${this.shown}" holds ${v.length.toLocaleString('en-US')} characters; a cell may hold at most ${MAX_CELL_CHARS.toLocaleString('en-US')}.`,
          'Check that the file is the right one (a broken export can put a whole file in one cell), shorten that cell, and try again.',
        );
      }
    });
  }

  /**
   * A cell longer than a spreadsheet program allows (32,767 characters), or a row holding more than
   * MAX_ROW_CHARS in all, cannot come from a real sheet (a broken export can put a whole file in one
   * cell). That row is rejected — the others run — and only a short preview of it is kept, so a
   * hostile file cannot carry megabytes into every step of every record, nor into the rejects.
   */
  private oversized(row: SheetRow): RejectInfo | null {
    let total = 0;
    for (let i = 0; i < row.values.length; i++) {
      const v = row.values[i];
      if (typeof v !== 'string') continue;
      total += v.length;
      if (v.length > MAX_CELL_CHARS) {
        const name = this.headers[i] ? ` ("${this.headers[i]}")` : '';
        return {
          row: row.row,
          field: this.fieldAt(i),
          rule: 'cellSize',
          value: preview(v),
          message: `column ${letter(i)}${name} holds ${v.length.toLocaleString('en-US')} characters; a cell may hold at most ${MAX_CELL_CHARS.toLocaleString('en-US')}. Shorten that cell (or check the export that wrote it) and run this row again.`,
        };
      }
    }
    if (total > MAX_ROW_CHARS) {
      return {
        row: row.row,
        field: null,
        rule: 'rowSize',
        value: null,
        message: `the row holds ${total.toLocaleString('en-US')} characters in all; a row may hold at most ${MAX_ROW_CHARS.toLocaleString('en-US')}. Shorten its cells and run this row again.`,
      };
    }
    return null;
  }

  /** The record field a column feeds (its mapped field, else its header when other columns are kept), or null. */
  private fieldAt(index: number): string | null {
    const plan = this.plan!;
    return plan.mapped.find((m) => m.index === index)?.col.field ?? plan.passthrough.find((p) => p.index === index)?.name ?? null;
  }

  /**
   * The sheet read holds no row at all: in a workbook of several sheets the rows are on another one
   * (an empty "Sheet1" left first) — said so, naming them, where "the file is empty" misled.
   */
  private emptySheet(read: SheetRead): NodeError {
    const others = read.sheets.filter((s) => s !== read.sheet);
    if (others.length === 0 || this.opts.headerRow !== 1) return this.noHeader();
    const list = others.map((s) => `"${s}"`).join(', ');
    return new NodeError(
      'E_SHEET_EMPTY',
      `Sheet "${read.sheet}" of "${this.shown}", the one read, is empty. The file's other sheets: ${list}.`,
      `Type the name of the sheet that holds the rows (e.g. "${others[0]}") in the Sheet setting of the Spreadsheet node, then choose the file again.`,
    );
  }

  private noHeader(): NodeError {
    const { headerRow } = this.opts;
    return new NodeError(
      'E_SHEET_EMPTY',
      headerRow === 1 ? `"${this.shown}" is empty: its first row should hold the column names.` : `Row ${headerRow} of "${this.shown}", the header row, is empty (or the sheet has fewer rows).`,
      headerRow === 1
        ? 'Check that you chose the right file and sheet. The first row must hold the column names (e.g. first_name, email), the records follow below.'
        : 'Set "Header row" to the number of the row that holds the column names.',
    );
  }

  private buildPlan(values: Json[]): Plan {
    // A title written on two lines in its cell ("Last" / "name"), or with doubled spaces, names its
    // field as it reads: "Last name" (the field was "Last\nname", impossible to write in an expression).
    const headers = values.map((v) => (v === null || v === undefined ? '' : String(v)).replace(/\s+/g, ' ').trim());
    this.headers = headers;
    const found = headers.filter(Boolean).map((h) => `"${h}"`).join(', ');
    const mapped: Plan['mapped'] = [];
    const missing: string[] = [];
    const used = new Set<number>();
    for (const col of this.columns) {
      const match = findHeader(headers, col.header);
      if (match.kind === 'missing') missing.push(col.header);
      else if (match.kind === 'ambiguous') {
        throw new NodeError(
          'E_SHEET_HEADER_INVALID',
          `The header row of "${this.shown}" has ${match.indexes.length} columns named "${col.header}" (columns ${match.indexes.map(letter).join(', ')}), so the field ${col.field} is ambiguous.`,
          'Give each column its own name in the header row, then choose the file again.',
        );
      } else {
        mapped.push({ col, index: match.index });
        used.add(match.index);
      }
    }
    if (missing.length) {
      throw new NodeError(
        'E_SHEET_COLUMN_MISSING',
        `The header row (row ${this.opts.headerRow}) of "${this.shown}" has no column ${missing.map((m) => `"${m}"`).join(', ')}. Columns found: ${found || 'none'}.`,
        'Rename the column in the file, or change the Column of that field in the Spreadsheet node to the header text used in the file. If the column names are on a later row (a title above them), set "Header row" to that row.',
      );
    }
    const passthrough: Plan['passthrough'] = [];
    if (this.columns.length === 0 || this.opts.keepUnmappedColumns) {
      const taken = new Map<string, number>(mapped.map((m) => [m.col.field, -1]));
      headers.forEach((name, index) => {
        if (!name || used.has(index)) return; // columns without a name are ignored
        const previous = taken.get(name);
        if (previous !== undefined && previous >= 0) {
          throw new NodeError(
            'E_SHEET_HEADER_INVALID',
            `Columns ${letter(previous)} and ${letter(index)} of the header row of "${this.shown}" are both named "${name}".`,
            'Give every column a different name in the header row, or map the columns you need in the Spreadsheet node.',
          );
        }
        if (previous === -1) return; // a mapped field of that name wins
        taken.set(name, index);
        passthrough.push({ name, index });
      });
    }
    return { mapped, passthrough };
  }

  /** A CSV row with values past the header's columns: its values cannot be told apart (see `separator`). */
  private shifted(row: SheetRow): RejectInfo | null {
    const sep = this.separator;
    if (sep === null || row.values.length <= this.headerWidth) return null;
    const extra = row.values.slice(this.headerWidth).filter((v) => !isEmptyValue(v));
    if (extra.length === 0) return null;
    const shownSep = sep === '\t' ? 'tab' : `"${sep}"`;
    const text = extra.map((v) => String(v)).join(sep);
    return {
      row: row.row,
      field: null,
      rule: 'columns',
      value: text.length > PREVIEW_CHARS ? preview(text) : text,
      message: `the row has ${row.values.length} values where the header row has ${this.headerWidth} columns, so its values cannot be matched to their columns: a value with a ${shownSep} in it needs quotes around it ("Smith${sep === '\t' ? '\t' : sep} John"). Correct the row in the file and run it again.`,
    };
  }

  /**
   * A cell the record takes (a mapped or kept column) holding a formula whose result the file does not
   * hold — libraries such as openpyxl and exceljs save formulas so; Excel and Calc compute them when
   * the file is opened. Read as "", the row ran with an empty value where the person sees one.
   */
  private uncomputed(row: SheetRow): RejectInfo | null {
    const cell = row.uncomputed?.find((c) => this.fieldAt(c.index) !== null);
    if (!cell) return null;
    const name = this.headers[cell.index] ? ` ("${this.headers[cell.index]}")` : '';
    // A shared formula's later cells name no formula of their own.
    const formula = cell.formula ? `=${cell.formula}` : null;
    return {
      row: row.row,
      field: this.fieldAt(cell.index),
      rule: 'formula',
      value: formula,
      message: `column ${letter(cell.index)}${name} holds a formula${formula ? ` (${formula})` : ''} whose result is not saved in the file. Open the file in Excel or LibreOffice, which compute it, save it again and run this row again.`,
    };
  }

  private take(row: SheetRow): void {
    const plan = this.plan!;
    const record: RecordData = {};
    const problems: ValueProblem[] = [];
    for (const { col, index } of plan.mapped) {
      const result = applyColumn(col, row.values[index] ?? '');
      if (result.ok) record[col.field] = result.value;
      else problems.push(result.problem);
    }
    if (problems.length) {
      const [first, ...more] = problems;
      const also = more.length ? `. Also in this row: ${more.map((p) => `${p.field} ${showValue(p.value)} — ${p.message}`).join('; ')}.` : '';
      this.rejects.push({ row: row.row, field: first.field, rule: first.rule, value: first.value, message: first.message + also });
      return;
    }
    for (const { name, index } of plan.passthrough) record[name] = row.values[index] ?? '';
    this.records.push(record);
    this.rows.push(row.row);
  }
}

function preview(text: string): string {
  return `${text.slice(0, PREVIEW_CHARS)}…`;
}

type HeaderMatch = { kind: 'found'; index: number } | { kind: 'missing' } | { kind: 'ambiguous'; indexes: number[] };

/**
 * Exact header first, then ignoring case, then ignoring case, spaces, _ and - ("First name" = first_name).
 * Past the exact match, letters written with combining accents (e + ◌́, as macOS and some exports
 * write them) match the same letters written whole (é): they look the same, and a title that looks
 * like the column typed was reported missing.
 */
function findHeader(headers: string[], wanted: string): HeaderMatch {
  const tries: Array<(h: string) => string> = [(h) => h, (h) => h.normalize('NFC').toLowerCase(), (h) => h.normalize('NFC').toLowerCase().replace(/[\s_-]+/g, '')];
  for (const norm of tries) {
    const target = norm(wanted);
    const indexes = headers.flatMap((h, i) => (h && norm(h) === target ? [i] : []));
    if (indexes.length === 1) return { kind: 'found', index: indexes[0] };
    if (indexes.length > 1) return { kind: 'ambiguous', indexes };
  }
  return { kind: 'missing' };
}

/** Column letter of a 0-based index: 0 → A, 27 → AB. */
export function letter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
