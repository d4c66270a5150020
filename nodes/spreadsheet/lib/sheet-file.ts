import { open } from 'node:fs/promises';
import path from 'node:path';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import { otherSpreadsheet, SHEET_NAMES, TEXT_SHEET_EXTENSIONS } from '../../../server/contract/sheet-files.ts';

/** One row of a sheet: its number as the operator sees it (1 = first line) and its cells, column A first. */
export interface SheetRow {
  row: number;
  values: Json[];
}

/** Receives rows one by one, as they are read; throwing stops the reading. */
export type RowSink = (row: SheetRow) => void;

export type SheetKind = 'xlsx' | 'ods' | 'csv';

export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

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
  const isZip = head.length >= 4 && head.subarray(0, 4).equals(ZIP_MAGIC);
  if (ext === '.xlsx' && !isZip) {
    throw new NodeError(
      'E_SHEET_UNREADABLE',
      `"${shown}" is not a real Excel workbook: its content is not .xlsx (an old .xls or a CSV renamed to .xlsx?).`,
      'Open the file in Excel or LibreOffice and save it as "Excel workbook (.xlsx)", then choose it again.',
    );
  }
  if (ext === '.ods' && !isZip) {
    throw new NodeError(
      'E_SHEET_UNREADABLE',
      `"${shown}" is not a real OpenDocument spreadsheet: its content is not .ods (a flat .fods or a CSV renamed to .ods?).`,
      'Open the file in LibreOffice and save it as "ODF Spreadsheet (.ods)" or "Excel 2007-365 (.xlsx)", then choose it again.',
    );
  }
  if (text && isZip) {
    throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" is an Excel workbook named .csv.`, 'Rename it to .xlsx, or save it from Excel as "CSV UTF-8 (.csv)".');
  }
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
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
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
