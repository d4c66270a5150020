// Writes a spreadsheet of people (first_name, last_name, email) for benchmarks, tests and demos:
//   node --import tsx scripts/people-sheet.ts 10000 people.xlsx
// One row in a hundred has a broken email, which a Spreadsheet trigger with an email rule rejects.
import ExcelJS from 'exceljs';
import { pathToFileURL } from 'node:url';

export async function writePeopleSheet(file: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file });
  const ws = wb.addWorksheet('People');
  ws.addRow(['first_name', 'last_name', 'email']).commit();
  for (let i = 0; i < rows; i++) {
    ws.addRow([`First${i}`, `Last${i}`, i % 100 === 99 ? `broken-${i}` : ` Person${i}@Example.com `]).commit();
  }
  await wb.commit();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 1000);
  const file = process.argv[3] ?? 'people.xlsx';
  await writePeopleSheet(file, rows);
  console.log(`wrote ${rows} rows to ${file}`);
}
