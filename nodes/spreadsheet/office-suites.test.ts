import path from 'node:path';
import { copyFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import { failureOf } from '../sdk/testing.ts';
import { readSheet } from './read-sheet.ts';
import type { SheetRecords } from './lib/sheet-mapping.ts';
import { tempDir, writeXlsx } from './test-files.ts';
import { deflated, SHEET_HEAD, SHEET_TAIL, STRINGS_HEAD, STRINGS_TAIL, workbookParts, zipOf } from './hostile-files.ts';

/**
 * Files as office suites save them (fixtures/README.md says how each was made): a sheet reads as
 * the person sees it in the program that saved it.
 */

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
let dir: string;
beforeAll(() => {
  dir = tempDir();
});

const read = async (filePath: string, raw: unknown = {}) => (await readSheet.records!(readSheet.params.parse(raw), { file: { path: filePath, name: path.basename(filePath) } })) as SheetRecords;

async function labelled(filePath: string): Promise<Record<string, unknown>> {
  const out = await read(filePath);
  return Object.fromEntries(out.records.map((r) => [r.label, r.value]));
}

describe('dates as LibreOffice saves them', () => {
  // Each row: a date as Calc shows it (label) and the date cell itself (value).
  const SHOWN = {
    '1850-07-04': '1850-07-04',
    '1899-12-31': '1899-12-31',
    '1900-01-01': '1900-01-01',
    '1900-02-28': '1900-02-28',
    '1900-03-01': '1900-03-01',
    '1904-01-01': '1904-01-01',
    '2024-02-29': '2024-02-29',
    '2024-03-01 13:05': '2024-03-01T13:05:00.000Z',
    '09:30': '09:30:00',
  };

  it('an .xlsx saved by LibreOffice Calc reads its dates as Calc shows them, 1899-12-31 to 1900-02-28 too (not a day later)', async () => {
    expect(await labelled(fixture('libreoffice-dates.xlsx'))).toEqual(SHOWN);
  });

  it('a workbook in the 1904 date system (LibreOffice writes date1904="true") reads the same dates, not 4 years and a day earlier', async () => {
    expect(await labelled(fixture('libreoffice-dates-1904.xlsx'))).toEqual(SHOWN);
    expect(await labelled(fixture('libreoffice-dates-1904.ods'))).toEqual(SHOWN);
  });

  it('an Excel-style 1904 workbook (date1904="1", as exceljs and Excel write it) reads its dates as written', async () => {
    const f = await writeXlsx(path.join(dir, 'excel-1904.xlsx'), { S: [['label', 'value'], ['2024-03-01', new Date(Date.UTC(2024, 2, 1))]] }, (wb) => {
      wb.properties.date1904 = true;
    });
    expect(await labelled(f)).toEqual({ '2024-03-01': '2024-03-01' });
  });
});

describe('workbooks a run cannot read are refused, saying what they are', () => {
  it('an .ods saved with a password (its content encrypted, as the manifest says) is E_SHEET_UNREADABLE saying it is locked, not "damaged"', async () => {
    // As LibreOffice writes it: the manifest names the encryption of content.xml, whose bytes are not XML.
    const manifest =
      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>' +
      '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="7413"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>';
    const f = path.join(dir, 'locked.ods');
    writeFileSync(f, zipOf([deflated('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'), deflated('META-INF/manifest.xml', manifest), deflated('content.xml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) % 256)))]));
    const err = await failureOf(() => read(f));
    expect([err.code, err.message]).toEqual(['E_SHEET_UNREADABLE', '"locked.ods" is locked with a password: its rows cannot be read.']);
    expect(err.hint).toMatch(/save a copy without a password/);
  });

  it('an .xls (Excel 97-2003, as Calc saves it) is E_SHEET_TYPE; renamed .xlsx, .ods or .csv it is E_SHEET_UNREADABLE saying so — never read as text', async () => {
    const xls = await failureOf(() => read(fixture('libreoffice-dates.xls')));
    expect([xls.code, xls.message]).toEqual(['E_SHEET_TYPE', '"libreoffice-dates.xls" is not a spreadsheet file (.xlsx, .ods, .csv, .tsv or .txt): it is an Excel 97-2003 workbook (.xls).']);
    for (const ext of ['.xlsx', '.ods', '.csv']) {
      const renamed = path.join(dir, `renamed${ext}`);
      copyFileSync(fixture('libreoffice-dates.xls'), renamed);
      // A CSV read as Windows-1252 took every byte for a letter: rows of noise.
      const err = await failureOf(() => read(renamed, { encoding: 'windows-1252' }));
      expect(err, ext).toBeInstanceOf(NodeError);
      expect(err.code, ext).toBe('E_SHEET_UNREADABLE');
      expect(err.message, ext).toContain('it is an Excel 97-2003 workbook (.xls) renamed, or a workbook locked with a password');
      expect(err.hint).toMatch(/save it as "Excel workbook \(\.xlsx\)"/);
    }
  });
});

describe('dates as a Chinese, Japanese, Korean or Thai Excel saves them', () => {
  it('a date in a built-in format known by number only (numFmtId 31, 57, 58…: 2024年3月1日) reads as its date, not its day number; a time as its time', async () => {
    // Excel writes such a style with no format text: the reader has to know the number.
    const ids = [14, 31, 57, 58, 81, 32, 34, 55];
    const xfs = ids.map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>`).join('');
    const styles = `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs count="${ids.length + 1}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>${xfs}</cellXfs></styleSheet>`;
    const row = (id: number, i: number) => `<row r="${i + 2}"><c r="A${i + 2}"><v>${id}</v></c><c r="B${i + 2}" s="${i + 1}"><v>${id < 32 || id > 56 ? 45352 : 0.3958333333333333}</v></c></row>`;
    const f = path.join(dir, 'ja-jp.xlsx');
    writeFileSync(
      f,
      zipOf([
        ...workbookParts(),
        deflated('xl/styles.xml', styles),
        deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>label</t></si><si><t>value</t></si>${STRINGS_TAIL}`),
        deflated('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>${ids.map(row).join('')}${SHEET_TAIL}`),
      ]),
    );
    expect(await labelled(f)).toEqual({ 14: '2024-03-01', 31: '2024-03-01', 57: '2024-03-01', 58: '2024-03-01', 81: '2024-03-01', 32: '09:30:00', 34: '09:30:00', 55: '09:30:00' });
  });
});

describe('text escaped as OOXML writes it (_xHHHH_)', () => {
  it('reads the text Calc and Excel show: a text like an escape saved by LibreOffice (_x005F_…), a carriage return saved by Excel (_x000D_)', async () => {
    expect(await labelled(fixture('libreoffice-escapes.xlsx'))).toEqual({ cr: 'a\rb', lit: '_x0041_ and _x000D_', tab: 'ab' });
    const f = path.join(dir, 'excel-escapes.xlsx');
    const cells =
      '<c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>_x005F_x0031_ id</t></is></c>' +
      '<c r="C2" t="str"><f>A2&amp;"_x000D_"</f><v>shared_x000D_</v></c><c r="D2" t="s"><v>3</v></c>';
    writeFileSync(
      f,
      zipOf([
        ...workbookParts(),
        deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>a</t></si><si><t>b</t></si><si><t>line one_x000D_\nline two</t></si><si><r><t>bold_x0009_</t></r><r><t>plain</t></r></si><si><t>c</t></si><si><t>d</t></si>${STRINGS_TAIL}`),
        deflated('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>4</v></c><c r="D1" t="s"><v>5</v></c></row><row r="2">${cells}</row>${SHEET_TAIL}`),
      ]),
    );
    const out = await read(f);
    expect(out.records).toEqual([{ a: 'line one\r\nline two', b: '_x0031_ id', c: 'shared\r', d: 'bold\tplain' }]);
  });
});

describe('numbers as the cell shows them', () => {
  it('a computed result saved with its binary noise (0.30000000000000004, as Excel writes =0.1+0.2) reads as shown, 0.3; whole numbers stay exact', async () => {
    const f = await writeXlsx(path.join(dir, 'noise.xlsx'), {
      S: [
        ['label', 'value'],
        ['sum', { formula: '0.1+0.2', result: 0.1 + 0.2 }],
        ['product', { formula: '1.1*3', result: 1.1 * 3 }],
        ['typed', 59.97],
        ['third', 1 / 3],
        ['id', 1234567890123456],
      ],
    });
    expect(await labelled(f)).toEqual({ sum: 0.3, product: 3.3, typed: 59.97, third: 0.333333333333333, id: 1234567890123456 });
  });
});

describe('formulas saved without their results', () => {
  it('a row whose cell holds a formula with no saved result (as openpyxl and exceljs write them) is rejected naming the cell — never read as ""; a column not taken does not matter', async () => {
    const f = await writeXlsx(path.join(dir, 'uncomputed.xlsx'), {
      S: [
        ['name', 'qty', 'total'],
        ['a', 2, { formula: 'B2*10' }],
        ['b', 3, { formula: 'B3*10', result: 30 }],
      ],
    });
    const out = await read(f);
    expect(out.records).toEqual([{ name: 'b', qty: 3, total: 30 }]);
    expect(out.rejects).toEqual([
      {
        row: 2,
        field: 'total',
        rule: 'formula',
        value: '=B2*10',
        message: 'column C ("total") holds a formula (=B2*10) whose result is not saved in the file. Open the file in Excel or LibreOffice, which compute it, save it again and run this row again.',
      },
    ]);
    expect((await read(f, { columns: [{ field: 'name' }] })).records).toEqual([{ name: 'a' }, { name: 'b' }]);
  });
});

describe('which sheet is read', () => {
  it('an empty first sheet (the rows on another) is E_SHEET_EMPTY naming it and the other sheets, not "the file is empty"; named, the other one reads', async () => {
    for (const name of ['libreoffice-empty-first.xlsx', 'libreoffice-empty-first.ods']) {
      const err = await failureOf(() => read(fixture(name)));
      expect([err.code, err.message], name).toEqual(['E_SHEET_EMPTY', `Sheet "Sheet1" of "${name}", the one read, is empty. The file's other sheets: "Data".`]);
      expect(err.hint).toContain('(e.g. "Data") in the Sheet setting');
      expect((await read(fixture(name), { sheet: 'data' })).records, name).toEqual([{ name: 'Ada', email: 'ada@example.com' }]);
    }
  });
});

describe('header rows as people write them', () => {
  it('a title on two lines of its cell, or with spaces doubled or around it, names its field as it reads ("Last name"), in .xlsx, .ods and .csv alike', async () => {
    for (const name of ['libreoffice-headers.xlsx', 'libreoffice-headers.ods', 'libreoffice-headers.csv']) {
      const out = await read(fixture(name));
      expect(out.records, name).toEqual([{ 'First name': 'Ada', 'Last name': 'Lovelace', 'E-mailaddress': 'ada@example.com', id: '007' }]);
    }
  });
});

describe('booleans as LibreOffice saves them', () => {
  it('numbers formatted as a boolean read true/false as Calc shows them, in .xlsx ("TRUE";"TRUE";"FALSE") and .ods (boolean-value="5")', async () => {
    for (const name of ['libreoffice-booleans.xlsx', 'libreoffice-booleans.ods']) {
      expect(await labelled(fixture(name)), name).toEqual({ one: true, zero: false, five: true, 'if-formula': true });
    }
  });
});

describe('titles written with combining accents', () => {
  it('a column typed "Café" finds the title "Café" written as e + combining accent (macOS, some exports), in .xlsx and .csv', async () => {
    const decomposed = 'Cafe\u0301';
    const xlsx = await writeXlsx(path.join(dir, 'nfd.xlsx'), { S: [[decomposed], ['espresso']] });
    const csv = path.join(dir, 'nfd.csv');
    writeFileSync(csv, `${decomposed}\nespresso\n`);
    for (const f of [xlsx, csv]) {
      expect((await read(f, { columns: [{ field: 'drink', column: 'Caf\u00e9' }] })).records, f).toEqual([{ drink: 'espresso' }]);
    }
  });
});

describe('numbers shown with leading zeros', () => {
  it('a ZIP code kept as a number in a format of zeros (00000) reads as shown, "00501", and passes a [0-9]{5} pattern, in .xlsx and .ods', async () => {
    const columns = [{ field: 'city' }, { field: 'zip', pattern: '[0-9]{5}' }];
    for (const name of ['libreoffice-zips.xlsx', 'libreoffice-zips.ods']) {
      const out = await read(fixture(name), { columns });
      expect(out.rejects, name).toEqual([]);
      expect(out.records, name).toEqual([
        { city: 'Holtsville', zip: '00501' },
        { city: 'Boston', zip: '02134' },
        { city: 'Beverly Hills', zip: 90210 },
      ]);
    }
  });
});
