import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { buildReport } from '../../../server/report/build-report.ts';
import { cellValue, flattenData, looksLikeFormula, reportToXlsx, safeText, RECORDS_PAGE } from '../../../server/report/report-xlsx.ts';
import type { RecordData } from '../../../nodes/sdk/types.ts';
import { removeTempDirs, runRow, tempDir } from '../store/fixtures.ts';
import { buildReportRun, iso, plan, RUN_ID, sheetRows } from './fixtures.ts';

afterAll(removeTempDirs);

async function readBack(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

/** Rows of a sheet as arrays of cell values (column A first). */
function rows(sheet: ExcelJS.Worksheet): unknown[][] {
  const out: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const values = row.values as unknown[];
    out.push(Array.from(values.slice(1), (v) => (v === undefined ? null : v)));
  });
  return out;
}

/** The text of the parts of a zip (an .xlsx) whose names `pick` takes. */
function zipTexts(buf: Buffer, pick: (name: string) => boolean): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, string>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!pick(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('spreadsheet escaping', () => {
  it('keeps text exactly (cut to Excel\'s limit) and tells what a spreadsheet could take for a formula', () => {
    for (const text of ['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)', '\t=1', '\r=1', '+33 6 12 34 56 78']) {
      expect(safeText(text)).toBe(text);
      expect(looksLikeFormula(text)).toBe(true);
    }
    expect(looksLikeFormula('a=1')).toBe(false);
    expect(looksLikeFormula(-2)).toBe(false);
    expect(safeText('a=1')).toBe('a=1');
    expect(safeText('')).toBe('');
    expect(safeText('x'.repeat(40_000))).toHaveLength(32_767);
    expect(cellValue(-2)).toBe(-2);
    expect(cellValue(true)).toBe(true);
    expect(cellValue(null)).toBeNull();
    expect(cellValue(['=1'])).toBe('["=1"]');
    expect(cellValue({ f: '=1' })).toBe('{"f":"=1"}');
    expect(cellValue(Number.NaN)).toBe('NaN');
  });

  it('flattens nested fields into dotted paths', () => {
    expect([...flattenData({ a: 1, b: { c: { d: 'x' }, e: [] }, f: {} })]).toEqual([
      ['a', 1],
      ['b.c.d', 'x'],
      ['b.e', []],
      ['f', {}],
    ]);
  });
});

describe('reportToXlsx', () => {
  it('writes the Summary, Records and Rejects sheets, with formula-looking text escaped', async () => {
    const store = await openSqlJsStore(tempDir());
    await buildReportRun(store);
    const report = await buildReport(store, RUN_ID);
    const buf = await reportToXlsx(store, report);
    expect(buf.subarray(0, 2).toString()).toBe('PK');
    const wb = await readBack(buf);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Records', 'Rejects']);

    // Summary
    const summary = rows(wb.getWorksheet('Summary')!);
    const find = (label: string) => summary.find((r) => r[0] === label);
    expect(find('Run')).toEqual(['Run', RUN_ID]);
    expect(find('Flow')).toEqual(['Flow', 'Invoices =check']);
    expect(find('Status')).toEqual(['Status', 'completed']);
    expect(find('Started')).toEqual(['Started', iso(0)]);
    expect(find('Duration (ms)')).toEqual(['Duration (ms)', 12_345]);
    expect(find('Records')).toEqual(['Records', 8]);
    expect(find('Rejected rows')).toEqual(['Rejected rows', 2]);
    expect(find('failed')).toEqual(['failed', 3]);
    expect(find('pending')).toEqual(['pending', 1]);
    expect(find('Average')).toEqual(['Average', 341.667]);
    expect(find('95th percentile')).toEqual(['95th percentile', 1000]);
    expect(find('Step')).toEqual(['Step', 'Type', 'Steps', 'Success', 'Failed', 'Sent to review', 'Average ms', 'p95 ms', 'Records ended here as']);
    expect(find('Clean data')).toEqual(['Clean data', 'core.set-fields', 6, 5, 1, 0, 41.833, 90]);
    expect(find('core.http-request')).toEqual(['core.http-request', 'core.http-request', 6, 2, 3, 1, 16.333, 40]);
    expect(find('E_HTTP')).toEqual(['E_HTTP', 'HTTP 500 from the API', 2]);
    expect(find('E_VALID')).toEqual(['E_VALID', 'Amount is missing', 1]);

    // Records: a header and one row per record, with the sheet row it was read from, input fields as columns.
    const records = rows(wb.getWorksheet('Records')!);
    expect(records).toHaveLength(1 + plan.length);
    const header = records[0];
    expect(header.slice(0, 9)).toEqual(['#', 'Sheet row', 'Status', 'Error code', 'Error message', 'Reason', 'Started', 'Ended', 'Duration (ms)']);
    expect(header.slice(9)).toEqual(['name', 'amount', 'total', 'delta', 'n', 'address.city', 'address.zip', 'tags', 'ok', 'none']);
    const col = (name: string) => header.indexOf(name);
    expect(records.slice(1).map((r) => r[1])).toEqual(sheetRows);
    expect(records[1].slice(0, 9)).toEqual([1, 2, 'success', null, null, null, iso(0), iso(100), 100]);
    expect(records[1][col('name')]).toBe('Person 0');
    expect(records[1][col('amount')]).toBe(0);
    expect(records[3].slice(0, 5)).toEqual([3, 5, 'failed', 'E_HTTP', 'HTTP 500 from the API']);
    expect(records[5][col('Reason')]).toBe('Score too low');
    expect(records[7].slice(0, 6)).toEqual([7, 10, 'skipped', null, null, 'Duplicate of record #1']);
    expect(records[8].slice(0, 9)).toEqual([8, 11, 'pending', null, null, null, null, null, null]);

    // Formula-looking text reads exactly as the record holds it (no apostrophe added), as Text.
    const tricky = records[2];
    expect(tricky[col('name')]).toBe('=HYPERLINK("x")');
    expect(tricky[col('amount')]).toBe('+1');
    expect(tricky[col('total')]).toBe('@SUM(A1)');
    expect(tricky[col('delta')]).toBe('-2');
    expect(tricky[col('n')]).toBe(-2);
    expect(tricky[col('address.city')]).toBe('Paris');
    expect(tricky[col('tags')]).toBe('["a","b"]');
    expect(tricky[col('ok')]).toBe(true);
    expect(tricky[col('none')] ?? null).toBeNull();

    // No cell of the workbook is a formula; every formula-looking text is formatted as Text ("@"),
    // which keeps it text when someone edits the cell.
    let texts = 0;
    for (const sheet of wb.worksheets) {
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
          if (typeof cell.value === 'string' && /^[=+\-@\t\r]/.test(cell.value)) {
            expect(cell.numFmt, `${sheet.name}!${cell.address}`).toBe('@');
            texts++;
          }
        }),
      );
    }
    expect(texts).toBeGreaterThanOrEqual(5);
    const sheetsXml = await zipTexts(buf, (name) => name.startsWith('xl/worksheets/'));
    expect(sheetsXml.size).toBe(3);
    for (const [name, xml] of sheetsXml) expect(xml, name).not.toMatch(/<f[ >]/);

    // Rejects, by row.
    expect(rows(wb.getWorksheet('Rejects')!)).toEqual([
      ['Row', 'Field', 'Rule', 'Value', 'Message'],
      [4, 'amount', 'number', 'abc', 'amount is not a number'],
      [9, 'email', 'email', '=cmd|"/C calc"!A0', 'email is not an address'],
    ]);
    await store.close();
  });

  it('pages through every record of a larger run', async () => {
    const store = await openSqlJsStore(tempDir());
    const n = RECORDS_PAGE * 2 + 5;
    await store.createRun(runRow('r', 'f', iso(0), n), Array.from({ length: n }, (_, i): RecordData => (i === n - 1 ? { i, late: 'x' } : { i })));
    const buf = await reportToXlsx(store, await buildReport(store, 'r'));
    const sheet = (await readBack(buf)).getWorksheet('Records')!;
    const all = rows(sheet);
    expect(all).toHaveLength(n + 1);
    expect(all[0].slice(9)).toEqual(['i', 'late']);
    expect(all[n][0]).toBe(n);
    expect(all[n][1] ?? null).toBeNull(); // records not read from a file have no sheet row
    expect(all[n].slice(9)).toEqual([n - 1, 'x']);
    expect(rows((await readBack(buf)).getWorksheet('Rejects')!)).toEqual([['Row', 'Field', 'Rule', 'Value', 'Message']]);
    await store.close();
  });
});
