import { open } from 'node:fs/promises';
import path from 'node:path';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import { contentMismatch, otherSpreadsheet, SHEET_HEAD_BYTES, SHEET_NAMES, TEXT_SHEET_EXTENSIONS } from '../../../server/contract/sheet-files.ts';

/** One row of a sheet: its number as the operator sees it (1 = first line) and its cells, column A first. */
export interface SheetRow {
  row: number;
  values: Json[];
  /** Cells holding a formula whose result the file does not hold (their value reads ""): column index and formula. */
  uncomputed?: Array<{ index: number; formula: string }>;
}

/** The sheet of a workbook that was read, and the names of its sheets of rows (hidden ones too). */
export interface SheetRead {
  sheet: string;
  sheets: string[];
}

/** Receives rows one by one, as they are read; throwing stops the reading. */
export type RowSink = (row: SheetRow) => void;

export type SheetKind = 'xlsx' | 'ods' | 'csv';

/**
 * Decides how to read the file from its name (the name the operator gave, else the path on disk)
 * and checks that it can be opened and is not empty.
 */
export async function sheetKind(file: { path: string; name?: string }): Promise<SheetKind> {
  const shown = file.name || path.basename(file.path);
  const ext = path.extname(shown).toLowerCase() || path.extname(file.path).toLowerCase();
  const text = TEXT_SHEET_EXTENSIONS.includes(ext);
  if (ext !== '.xlsx' && ext !== '.ods' && !text) {
    throw new NodeError(
      'E_SHEET_TYPE',
      `"${shown}" is not a spreadsheet file (${SHEET_NAMES})${otherSpreadsheet(ext) ? `: it is ${otherSpreadsheet(ext)}` : ''}.`,
      'Open it in Excel, LibreOffice or Google Sheets and save or download it as "Excel workbook (.xlsx)", "OpenDocument spreadsheet (.ods)" or "CSV UTF-8 (.csv)", then choose that file.',
    );
  }
  const head = await readHead(file.path, shown);
  if (head.length === 0) {
    throw new NodeError('E_SHEET_EMPTY', `"${shown}" is empty (0 bytes).`, 'Choose the file again: it may not have been saved or uploaded completely.');
  }
  const mismatch = contentMismatch(shown, ext, head);
  if (mismatch) throw new NodeError('E_SHEET_UNREADABLE', mismatch.message, mismatch.hint);
  return ext === '.xlsx' ? 'xlsx' : ext === '.ods' ? 'ods' : 'csv';
}

async function readHead(file: string, shown: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new NodeError(
      'E_SHEET_NO_FILE',
      `The file "${shown}" cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      'Upload or choose the file again: it may have been moved or deleted.',
    );
  }
  try {
    const buf = Buffer.alloc(SHEET_HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SHEET_HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function unreadable(shown: string, err: unknown, what = 'workbook'): NodeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new NodeError(
    'E_SHEET_UNREADABLE',
    `"${shown}" cannot be read as a ${what}: it is damaged or incomplete (${reason.slice(0, 200)}).`,
    'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx or "CSV UTF-8", then choose that copy.',
    { cause: err },
  );
}

export function aborted(): NodeError {
  return new NodeError('E_ABORTED', 'Reading the spreadsheet was cancelled.', 'Start again when you are ready.', { transient: true });
}
