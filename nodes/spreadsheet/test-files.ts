import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';

/** Test helper: real .xlsx and .csv files in a fresh temp directory. */
export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'conveyor-sheet-'));
}

/** Writes an .xlsx with one or more sheets; each row is an array of cell values (null = empty cell). */
export async function writeXlsx(file: string, sheets: Record<string, unknown[][]>, setup?: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    rows.forEach((values, i) => {
      const row = ws.getRow(i + 1);
      values.forEach((v, c) => {
        if (v !== null && v !== undefined) row.getCell(c + 1).value = v as ExcelJS.CellValue;
      });
      row.commit();
    });
  }
  setup?.(wb);
  await wb.xlsx.writeFile(file);
  return file;
}

export function writeCsv(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
