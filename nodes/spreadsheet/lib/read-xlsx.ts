import ExcelJS from 'exceljs';
import { NodeError } from '../../sdk/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import { cellToJson } from './cell-value.ts';
import { aborted, unreadable, type RowSink } from './sheet-file.ts';

interface StreamedSheet {
  name: string;
  state?: string;
  [Symbol.asyncIterator](): AsyncGenerator<ExcelJS.Row>;
}

/**
 * Streams the rows of one worksheet of an .xlsx file to `onRow`, without loading the workbook in
 * memory (exceljs' streaming reader). `sheet` names the worksheet (exact, else ignoring case and
 * surrounding spaces); empty = the first visible one. Rows that hold nothing are not reported.
 */
export async function readXlsx(file: string, shown: string, sheet: string, onRow: RowSink, signal?: AbortSignal): Promise<{ sheet: string }> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    styles: 'cache', // number formats tell dates from numbers
    hyperlinks: 'ignore', // a hyperlink cell keeps its text
    worksheets: 'emit',
    entries: 'ignore',
  });
  const wanted = sheet.trim();
  const names: string[] = [];
  let chosen: string | null = null;
  try {
    for await (const ws of reader as unknown as AsyncIterable<StreamedSheet>) {
      if (signal?.aborted) throw aborted();
      const name = String(ws.name);
      names.push(name);
      const hidden = ws.state === 'hidden' || ws.state === 'veryHidden';
      const match = wanted ? name === wanted || name.trim().toLowerCase() === wanted.toLowerCase() : !hidden;
      if (!match || chosen !== null) {
        // Drained, not destroyed: exceljs may have parked the sheet in a temporary file, and cutting
        // it short makes exceljs fail later, outside any promise we could catch.
        await drain(ws, signal);
        continue;
      }
      chosen = name;
      const date1904 = Boolean((reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties?.model?.date1904);
      let n = 0;
      for await (const row of ws) {
        if ((++n & 1023) === 0 && signal?.aborted) throw aborted();
        onRow({ row: row.number, values: rowValues(row, date1904) });
      }
    }
  } catch (err) {
    // Only a reader that failed or was stopped is torn down before its end.
    (reader as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
    if (err instanceof NodeError) throw err;
    throw unreadable(shown, err);
  }
  if (chosen === null) {
    if (names.length === 0) {
      throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" holds no worksheet.`, 'Open the file in Excel or LibreOffice, check that it has a sheet with your rows, and save it again as .xlsx.');
    }
    const list = names.map((n) => `"${n}"`).join(', ');
    throw new NodeError(
      'E_SHEET_NOT_FOUND',
      wanted ? `"${shown}" has no sheet named "${wanted}" (its sheets: ${list}).` : `Every sheet of "${shown}" is hidden (${list}).`,
      wanted ? 'Correct the Sheet setting of the Spreadsheet node, or leave it empty to read the first sheet.' : 'Type the name of the sheet to read in the Sheet setting of the Spreadsheet node.',
    );
  }
  return { sheet: chosen };
}

async function drain(ws: StreamedSheet, signal: AbortSignal | undefined): Promise<void> {
  let n = 0;
  for await (const _row of ws) if ((++n & 1023) === 0 && signal?.aborted) throw aborted();
}

function rowValues(row: ExcelJS.Row, date1904: boolean): Json[] {
  const sparse = row.values as unknown[]; // index 1 = column A
  const values: Json[] = new Array(Math.max(0, sparse.length - 1));
  for (let c = 1; c < sparse.length; c++) {
    const v = sparse[c];
    // Only a formula's result needs the number format: plain date cells already arrive as Date.
    const numFmt = v && typeof v === 'object' && !(v instanceof Date) && typeof (v as { result?: unknown }).result === 'number' ? row.getCell(c).numFmt : undefined;
    values[c - 1] = cellToJson(v, numFmt, date1904);
  }
  return values;
}
