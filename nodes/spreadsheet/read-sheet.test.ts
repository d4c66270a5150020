import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import type { RecordData, RejectInfo, RunInput } from '../sdk/types.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { createRegistry } from '../index.ts';
import { readSheet } from './read-sheet.ts';
import { tempDir, writeCsv, writeXlsx } from './test-files.ts';
import { deflated, SHEET_HEAD, SHEET_TAIL, STRINGS_HEAD, STRINGS_TAIL, workbookParts, zipOf } from './hostile-files.ts';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

const file = (name: string) => path.join(dir, name);
const params = (raw: unknown = {}) => readSheet.params.parse(raw);
async function read(raw: unknown, filePath: string, name = path.basename(filePath), signal?: AbortSignal) {
  const input: RunInput = { file: { path: filePath, name } };
  return (await readSheet.records!(params(raw), input, signal)) as { records: RecordData[]; rejects: RejectInfo[]; rows: number[] };
}
async function refused(raw: unknown, filePath: string, code: string, name?: string): Promise<NodeError> {
  const err = await failureOf(() => read(raw, filePath, name));
  expect(err).toBeInstanceOf(NodeError);
  expect(err.code).toBe(code);
  expect(err.hint).toBeTruthy();
  return err;
}

const PEOPLE = [
  ['first_name', 'last_name', 'email'],
  ['Ada', 'Lovelace', 'ada@example.com'],
  ['Alan', 'Turing', 'alan@example.com'],
];
const CONTACT_COLUMNS = [
  { field: 'first_name', required: true },
  { field: 'last_name' },
  { field: 'email', required: true, mustBe: 'email', letterCase: 'lower' },
];

describe('sheet.read', () => {
  it('declares a Spreadsheet trigger with one Rows output and no input', () => {
    expect(readSheet).toMatchObject({ type: 'sheet.read', title: 'Spreadsheet', category: 'Triggers', trigger: true, inputs: [], effect: 'none' });
    expect(readSheet.outputs).toEqual([{ id: 'out', label: 'Rows' }]);
    expect(readSheet.icon).toBeTruthy();
    expect(createRegistry().get('sheet.read')).toBe(readSheet);
  });

  it('has defaults for every setting and a form schema with titles and descriptions', () => {
    expect(params()).toEqual({ sheet: '', headerRow: 1, separator: 'auto', encoding: 'auto', columns: [], keepUnmappedColumns: false });
    expect(params({ columns: [{ field: 'email' }] }).columns[0]).toEqual({ field: 'email', column: '', required: false, trim: true, letterCase: 'keep', mustBe: 'anything', pattern: '' });
    const info = createRegistry().catalog().find((t) => t.type === 'sheet.read')!;
    const props = (info.paramsSchema as { properties: Record<string, { title?: string; description?: string }> }).properties;
    for (const key of ['sheet', 'headerRow', 'separator', 'encoding', 'columns', 'keepUnmappedColumns']) {
      expect(props[key].title, key).toBeTruthy();
      expect(props[key].description, key).toBeTruthy();
    }
    // The form offers the separator as a choice, and a maximum length per column.
    expect((props.separator as { enum?: string[] }).enum).toEqual(['auto', 'comma', 'semicolon', 'tab', 'pipe']);
    expect((props.encoding as { enum?: string[] }).enum).toEqual(expect.arrayContaining(['auto', 'utf-8', 'utf-16le', 'windows-1252', 'windows-1251', 'shift_jis']));
    const columnProps = (props.columns as unknown as { items: { properties: Record<string, { title?: string; type?: string; maximum?: number }> } }).items.properties;
    expect(columnProps.maxLength).toMatchObject({ title: 'Maximum length', type: 'integer', maximum: 32_767 });
    expect(readSheet.params.safeParse({ columns: [{ field: 'name', maxLength: 0 }] }).success).toBe(false);
  });

  it('refuses a field listed twice and a pattern that is not a regular expression, at the right place', () => {
    const r = readSheet.params.safeParse({ columns: [{ field: 'email' }, { field: 'email', pattern: '[a-' }] });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual([
      ['columns.1.field', expect.stringMatching(/"email" is listed twice/)],
      ['columns.1.pattern', expect.stringMatching(/not a valid regular expression/)],
    ]);
    expect(readSheet.params.safeParse({ columns: [{ field: '  ' }] }).success).toBe(false);
    expect(readSheet.params.safeParse({ headerRow: 0 }).success).toBe(false);
  });

  it('passes the record through on out', async () => {
    const { result } = await runNode(readSheet, {}, { email: 'ada@example.com' });
    expect(result).toEqual({ emit: [{ port: 'out', data: { email: 'ada@example.com' } }] });
  });

  it('needs a file: E_SHEET_NO_FILE', async () => {
    for (const input of [undefined, {}, { text: 'a,b\n1,2', format: 'csv' as const }]) {
      const err = await failureOf(() => readSheet.records!(params(), input));
      expect(err).toMatchObject({ code: 'E_SHEET_NO_FILE' });
      expect(err.hint).toMatch(/Spreadsheet file/);
    }
    const gone = await failureOf(() => read({}, file('does-not-exist.xlsx')));
    expect(gone).toMatchObject({ code: 'E_SHEET_NO_FILE' });
  });

  describe('mapping columns to fields', () => {
    it('takes every column, named after its header, when no column is mapped', async () => {
      const f = await writeXlsx(file('all.xlsx'), { People: [['first_name', ' Last Name ', 'age'], ['Ada', 'Lovelace', 36]] });
      expect((await read({}, f)).records).toEqual([{ first_name: 'Ada', 'Last Name': 'Lovelace', age: 36 }]);
    });

    it('keeps only the mapped fields, found by header text, case, spaces and _ not mattering', async () => {
      const f = await writeXlsx(file('map.xlsx'), { People: [['First Name', 'LAST_NAME', 'E-mail address', 'notes'], ['Ada', 'Lovelace', 'ada@example.com', 'x']] });
      const { records } = await read({ columns: [{ field: 'first_name' }, { field: 'last_name' }, { field: 'email', column: 'E-mail address' }] }, f);
      expect(records).toEqual([{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }]);
      expect(Object.keys(records[0])).toEqual(['first_name', 'last_name', 'email']);
    });

    it('keeps the other columns too with keepUnmappedColumns, mapped fields first', async () => {
      const f = await writeXlsx(file('keep.xlsx'), { People: [['notes', 'Mail', 'city', ''], ['vip', 'ADA@example.com', 'London', 'lost']] });
      const { records } = await read({ keepUnmappedColumns: true, columns: [{ field: 'email', column: 'Mail', letterCase: 'lower' }] }, f);
      // a column without a header name is ignored
      expect(records).toEqual([{ email: 'ada@example.com', notes: 'vip', city: 'London' }]);
      expect(Object.keys(records[0])).toEqual(['email', 'notes', 'city']);
    });

    it('reads the header from headerRow and ignores the rows above it', async () => {
      const f = await writeXlsx(file('title.xlsx'), { People: [['Contacts export'], [], PEOPLE[0], PEOPLE[1], PEOPLE[2]] });
      const { records } = await read({ headerRow: 3 }, f);
      expect(records).toEqual([
        { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
        { first_name: 'Alan', last_name: 'Turing', email: 'alan@example.com' },
      ]);
    });

    it('gives an empty cell of an optional field as ""', async () => {
      const f = await writeXlsx(file('holes.xlsx'), { People: [PEOPLE[0], ['Ada', null, 'ada@example.com'], ['Alan', 'Turing', null]] });
      const { records, rejects } = await read({ columns: [{ field: 'first_name' }, { field: 'last_name' }, { field: 'email' }] }, f);
      expect(rejects).toEqual([]);
      expect(records).toEqual([
        { first_name: 'Ada', last_name: '', email: 'ada@example.com' },
        { first_name: 'Alan', last_name: 'Turing', email: '' },
      ]);
    });
  });

  describe('transforms and rules', () => {
    const one = async (column: Record<string, unknown>, values: unknown[]) => {
      const f = await writeXlsx(file(`rule-${Math.random().toString(36).slice(2)}.xlsx`), { S: [['v'], ...values.map((v) => [v, 'x'])] });
      const { records, rejects } = await read({ columns: [{ field: 'v', ...column }] }, f);
      return { values: records.map((r) => r.v), rejects };
    };

    it('trims by default, or keeps the spaces', async () => {
      expect((await one({}, ['  Ada  '])).values).toEqual(['Ada']);
      expect((await one({ trim: false }, ['  Ada  '])).values).toEqual(['  Ada  ']);
    });

    it('changes the letter case', async () => {
      expect((await one({ letterCase: 'lower' }, ['ADA@Example.COM'])).values).toEqual(['ada@example.com']);
      expect((await one({ letterCase: 'upper' }, ['gb'])).values).toEqual(['GB']);
      expect((await one({ letterCase: 'upper' }, [42])).values).toEqual([42]);
    });

    it('required: an empty or blank cell rejects the row', async () => {
      const { values, rejects } = await one({ required: true }, ['Ada', '   ', null, 0]);
      expect(values).toEqual(['Ada', 0]);
      expect(rejects).toEqual([
        { row: 3, field: 'v', rule: 'required', value: '   ', message: 'empty, but this field is required' },
        { row: 4, field: 'v', rule: 'required', value: '', message: 'empty, but this field is required' },
      ]);
    });

    it('email: after trim and lower-case', async () => {
      const { values, rejects } = await one({ mustBe: 'email', letterCase: 'lower' }, [' Ada@Example.com ', 'not an email', 'a@b', 'a..b@example.com', 'x@example.com', 42, '']);
      expect(values).toEqual(['ada@example.com', 'x@example.com', '']);
      expect(rejects.map((r) => [r.row, r.rule, r.value])).toEqual([
        [3, 'email', 'not an email'],
        [4, 'email', 'a@b'],
        [5, 'email', 'a..b@example.com'],
        [7, 'email', 42],
      ]);
      expect(rejects[0].message).toBe('not a valid email address');
    });

    it('number: numbers stay numbers, number text becomes a number', async () => {
      const { values, rejects } = await one({ mustBe: 'number' }, [12.5, ' 12.50 ', '-3', '1e3', '1,234.5', 'twelve']);
      expect(values).toEqual([12.5, 12.5, -3, 1000]);
      expect(rejects.map((r) => [r.row, r.rule, r.value])).toEqual([
        [6, 'number', '1,234.5'],
        [7, 'number', 'twelve'],
      ]);
    });

    it('date: a date cell or a YYYY-MM-DD text', async () => {
      const { values, rejects } = await one({ mustBe: 'date' }, [new Date(Date.UTC(2024, 2, 1)), '2024-02-29', '2024-03-01T10:30:00Z', '2023-02-29', '01/03/2024', 45000]);
      expect(values).toEqual(['2024-03-01', '2024-02-29', '2024-03-01T10:30:00Z']);
      expect(rejects.map((r) => [r.row, r.rule, r.value])).toEqual([
        [5, 'date', '2023-02-29'],
        [6, 'date', '01/03/2024'],
        [7, 'date', 45000],
      ]);
      expect(rejects[0].message).toMatch(/YYYY-MM-DD/);
    });

    it('pattern: the whole value must match; numbers are matched as text', async () => {
      const { values, rejects } = await one({ pattern: '[0-9]{5}' }, ['75001', 75002, '750012', 'AB123']);
      expect(values).toEqual(['75001', 75002]);
      expect(rejects.map((r) => [r.row, r.rule, r.value, r.message])).toEqual([
        [4, 'pattern', '750012', 'does not match the pattern [0-9]{5}'],
        [5, 'pattern', 'AB123', 'does not match the pattern [0-9]{5}'],
      ]);
    });

    it('an optional empty cell passes every check', async () => {
      expect((await one({ mustBe: 'email' }, ['', 'a@example.com'])).values).toEqual(['', 'a@example.com']);
      expect((await one({ mustBe: 'number', pattern: 'x+' }, ['  '])).values).toEqual(['']);
    });
  });

  describe('rejects', () => {
    it('one reject per failing row, with the row number the operator sees and the other problems named', async () => {
      const f = await writeXlsx(file('contacts.xlsx'), {
        Contacts: [
          PEOPLE[0],
          ['Ada', 'Lovelace', 'ADA@example.com'], // row 2
          ['Alan', 'Turing', 'not an email'], // row 3
          [], // row 4: empty, ignored
          ['', 'Nobody', ''], // row 5: two problems
          ['Grace', 'Hopper', ' grace@example.com '], // row 6
        ],
      });
      const { records, rejects } = await read({ columns: CONTACT_COLUMNS }, f);
      expect(records).toEqual([
        { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
        { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' },
      ]);
      expect(rejects).toEqual([
        { row: 3, field: 'email', rule: 'email', value: 'not an email', message: 'not a valid email address' },
        {
          row: 5,
          field: 'first_name',
          rule: 'required',
          value: '',
          message: 'empty, but this field is required. Also in this row: email "" — empty, but this field is required.',
        },
      ]);
    });

    it('counts rows the same way in a CSV file: empty lines count, a quoted value on several lines is one row', async () => {
      const f = writeCsv(file('contacts.csv'), 'first_name,last_name,email\nAda,Lovelace,ada@example.com\n\n"Alan\nMathison",Turing,bad\n,,\nGrace,Hopper,grace@\n');
      const { records, rejects } = await read({ columns: CONTACT_COLUMNS }, f);
      expect(records).toEqual([{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }]);
      expect(rejects.map((r) => [r.row, r.field, r.value])).toEqual([
        [4, 'email', 'bad'],
        [6, 'email', 'grace@'],
      ]);
    });
  });

  describe('one bad row is one reject', () => {
    const big = 'x'.repeat(40_000);

    it('a cell over 32,767 characters rejects its row only, naming the row and column, in .csv and .xlsx', async () => {
      const csv = writeCsv(file('big-cell.csv'), `first_name,last_name,email\nAda,Lovelace,ada@example.com\nBob,${big},bob@example.com\nGrace,Hopper,grace@example.com\n`);
      const fromCsv = await read({ columns: CONTACT_COLUMNS }, csv);
      expect(fromCsv.records.map((r) => r.first_name)).toEqual(['Ada', 'Grace']);
      expect(fromCsv.rejects).toHaveLength(1);
      expect(fromCsv.rejects[0]).toMatchObject({ row: 3, field: 'last_name', rule: 'cellSize' });
      expect(fromCsv.rejects[0].message).toMatch(/^column B \("last_name"\) holds 40,000 characters; a cell may hold at most 32,767/);
      // Only a preview of the cell is kept: a hostile file does not fill the store with its rejects.
      expect(String(fromCsv.rejects[0].value).length).toBeLessThan(300);

      const xlsx = await writeXlsx(file('big-cell.xlsx'), { S: [PEOPLE[0], [big, 'Lovelace', 'ada@example.com'], PEOPLE[2]] });
      const fromXlsx = await read({}, xlsx);
      expect(fromXlsx.records).toEqual([{ first_name: 'Alan', last_name: 'Turing', email: 'alan@example.com' }]);
      expect(fromXlsx.rejects).toMatchObject([{ row: 2, field: 'first_name', rule: 'cellSize' }]);
      expect(fromXlsx.rejects[0].message).toMatch(/^column A \("first_name"\) holds 40,000 characters/);
    });

    it('a row holding more than a million characters in all is one reject too', async () => {
      const wide = Array.from({ length: 40 }, (_, i) => `c${i}`);
      const huge = Array.from({ length: 40 }, () => 'y'.repeat(30_000));
      const f = writeCsv(file('wide.csv'), `${wide.join(',')}\n${huge.join(',')}\n${wide.map((_, i) => i).join(',')}\n`);
      const { records, rejects } = await read({}, f);
      expect(records).toHaveLength(1);
      expect(rejects).toMatchObject([{ row: 2, field: null, rule: 'rowSize' }]);
      expect(rejects[0].message).toMatch(/1,200,000 characters in all; a row may hold at most 1,000,000/);
    });

    it('maximum length: a longer value rejects the row, with the row, field and rule; the limit itself passes', async () => {
      const f = writeCsv(file('maxlen.csv'), 'first_name,email\nAda,ada@example.com\nBartholomew,bart@example.com\n  Grace  ,grace@example.com\n');
      const { records, rejects } = await read({ columns: [{ field: 'first_name', maxLength: 5 }, { field: 'email' }] }, f);
      expect(records.map((r) => r.first_name)).toEqual(['Ada', 'Grace']); // counted after trimming
      expect(rejects).toEqual([
        { row: 3, field: 'first_name', rule: 'maxLength', value: 'Bartholomew', message: '11 characters, longer than the maximum of 5' },
      ]);
    });

    it('gives the sheet row each record was read from, rows above the header, empty rows and rejects skipped', async () => {
      const f = await writeXlsx(file('rows.xlsx'), {
        S: [['Contacts, March'], PEOPLE[0], ['Ada', 'Lovelace', 'ada@example.com'], [], ['Bob', 'X', 'not an email'], ['Grace', 'Hopper', 'grace@example.com']],
      });
      const { records, rows, rejects } = await read({ headerRow: 2, columns: CONTACT_COLUMNS }, f);
      expect(records.map((r) => r.first_name)).toEqual(['Ada', 'Grace']);
      expect(rows).toEqual([3, 6]);
      expect(rejects.map((r) => r.row)).toEqual([5]);
      // The row is not added to the operator's data.
      expect(Object.keys(records[0])).toEqual(['first_name', 'last_name', 'email']);
    });
  });

  describe('CSV separators', () => {
    it('a title line with commas above a semicolon header is read with semicolons', async () => {
      // As a European office suite exports it: a title line, then a ";" header, values with commas.
      const text = '\ufeffContacts, exported 2024-03-01, by Ada\r\nfirst_name;last_name;email;city\r\nAda;Lovelace;ada@example.com;Paris, France\r\nAlan;Turing;alan@example.com;"Wilmslow; Cheshire"\r\n';
      const f = writeCsv(file('titled.csv'), text);
      const { records, rows } = await read({ headerRow: 2 }, f);
      expect(records).toEqual([
        { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', city: 'Paris, France' },
        { first_name: 'Alan', last_name: 'Turing', email: 'alan@example.com', city: 'Wilmslow; Cheshire' },
      ]);
      expect(rows).toEqual([3, 4]);
    });

    it('auto picks the separator that splits the rows below the header like the header', async () => {
      // The header alone holds more commas than semicolons; the rows below settle it.
      const f = writeCsv(file('settle.csv'), 'name;note, with, commas\nAda;hello\nAlan;x, y\n');
      expect((await read({}, f)).records).toEqual([
        { name: 'Ada', 'note, with, commas': 'hello' },
        { name: 'Alan', 'note, with, commas': 'x, y' },
      ]);
    });

    it('the separator set in the form wins over detection', async () => {
      const pipes = writeCsv(file('pipes.csv'), 'name|note\nAda|a, b; c\n');
      expect((await read({ separator: 'pipe' }, pipes)).records).toEqual([{ name: 'Ada', note: 'a, b; c' }]);
      expect((await read({}, pipes)).records).toEqual([{ name: 'Ada', note: 'a, b; c' }]);
      const commas = writeCsv(file('commas.csv'), 'name,note;with;semicolons\nAda,x;y;z\n');
      expect((await read({ separator: 'comma' }, commas)).records).toEqual([{ name: 'Ada', 'note;with;semicolons': 'x;y;z' }]);
      expect((await read({ separator: 'semicolon' }, commas)).records).toEqual([{ 'name,note': 'Ada,x', with: 'y', semicolons: 'z' }]);
      const tabs = writeCsv(file('tabs2.csv'), 'a\tb,c\n1\t2,3\n');
      expect((await read({ separator: 'tab' }, tabs)).records).toEqual([{ a: '1', 'b,c': '2,3' }]);
    });
  });

  describe('cell values become plain JSON', () => {
    it('rich text, dates, formulas, hyperlinks, booleans, errors; numbers stay numbers', async () => {
      const f = await writeXlsx(
        file('cells.xlsx'),
        {
          Cells: [
            ['rich', 'date', 'datetime', 'formula_text', 'formula_number', 'formula_date', 'link', 'flag', 'error', 'number', 'text_number'],
            [
              { richText: [{ text: 'Ada ', font: { bold: true } }, { text: 'Lovelace', font: { italic: true } }] },
              new Date(Date.UTC(1815, 11, 10)),
              new Date(Date.UTC(2024, 2, 1, 13, 5, 0)),
              { formula: 'A2&"!"', result: 'Ada Lovelace!' },
              { formula: '1+2', result: 3 },
              { formula: 'DATE(2024,3,1)', result: 45352 },
              { text: 'the site', hyperlink: 'https://example.com' },
              true,
              { error: '#N/A' },
              1234.5,
              '007',
            ],
          ],
        },
        (wb) => {
          wb.getWorksheet('Cells')!.getCell('F2').numFmt = 'yyyy-mm-dd';
        },
      );
      const { records } = await read({}, f);
      expect(records).toEqual([
        {
          rich: 'Ada Lovelace',
          date: '1815-12-10',
          datetime: '2024-03-01T13:05:00.000Z',
          formula_text: 'Ada Lovelace!',
          formula_number: 3,
          formula_date: '2024-03-01',
          link: 'the site',
          flag: true,
          error: '#N/A',
          number: 1234.5,
          text_number: '007',
        },
      ]);
    });

    it('dates of January and February 1900 read as Excel shows them; its 1900-02-29 (serial 60, no real day) stays the number 60', async () => {
      const f = await writeXlsx(file('1900.xlsx'), { S: [['jan1', 'feb28', 'feb29', 'mar1'], [1, 59, 60, 61]] }, (wb) => {
        for (const c of ['A2', 'B2', 'C2', 'D2']) wb.getWorksheet('S')!.getCell(c).numFmt = 'yyyy-mm-dd';
      });
      expect((await read({}, f)).records).toEqual([{ jan1: '1900-01-01', feb28: '1900-02-28', feb29: 60, mar1: '1900-03-01' }]);
    });

    it('a CSV row with more values than the header has columns (a "," without quotes) is rejected, never shifted into the wrong fields', async () => {
      const f = writeCsv(file('shifted.csv'), 'name,email,city\nAda,ada@example.com,London\nSmith, John,john@example.com,Leeds\nGrace,grace@example.com,\n');
      const { records, rejects, rows } = await read({}, f);
      expect(records).toEqual([
        { name: 'Ada', email: 'ada@example.com', city: 'London' },
        { name: 'Grace', email: 'grace@example.com', city: '' },
      ]);
      expect(rows).toEqual([2, 4]);
      expect(rejects).toEqual([
        {
          row: 3,
          field: null,
          rule: 'columns',
          value: 'Leeds',
          message: 'the row has 4 values where the header row has 3 columns, so its values cannot be matched to their columns: a value with a "," in it needs quotes around it ("Smith, John"). Correct the row in the file and run it again.',
        },
      ]);
      // A workbook's cell past the header is where it is: ignored, like a column without a name.
      const book = await writeXlsx(file('extra-cell.xlsx'), { S: [['name'], ['Ada', 'a note']] });
      expect((await read({}, book)).records).toEqual([{ name: 'Ada' }]);
    });

    it('an Excel "sep=;" first line names the separator and is not a row (rows numbered as Excel shows them)', async () => {
      const f = writeCsv(file('sep.csv'), '\ufeffsep=;\r\nname;note\r\nAda;a, b\r\n;\r\nAlan;c\r\n');
      const { records, rows } = await read({ columns: [{ field: 'name', required: true }, { field: 'note' }] }, f);
      expect(records).toEqual([
        { name: 'Ada', note: 'a, b' },
        { name: 'Alan', note: 'c' },
      ]);
      expect(rows).toEqual([2, 4]);
      // The separator chosen by hand wins; the line is still not a row.
      expect((await read({ separator: 'comma' }, writeCsv(file('sep2.csv'), 'sep=;\nname,note\nAda,x\n'))).records).toEqual([{ name: 'Ada', note: 'x' }]);
    });

    it('a cell written ="007" for Excel (its text trick for leading zeros) reads 007; other = values stay as written', async () => {
      const f = writeCsv(file('excel-text.csv'), 'account,ref,formula\n="00712","=""A """"B""""""",=SUM(A1:A2)\n');
      expect((await read({}, f)).records).toEqual([{ account: '00712', ref: 'A "B"', formula: '=SUM(A1:A2)' }]);
    });

    it('CSV values stay text (leading zeros kept) whatever the separator; a BOM is dropped', async () => {
      const f = writeCsv(file('semi.csv'), '\ufeffzip;name;"note; quoted"\n007;Ada;"a; b"\n');
      expect((await read({}, f)).records).toEqual([{ zip: '007', name: 'Ada', 'note; quoted': 'a; b' }]);
      const t = writeCsv(file('tabs.csv'), 'a\tb\r\n1\t2\r\n');
      expect((await read({}, t)).records).toEqual([{ a: '1', b: '2' }]);
    });
  });

  describe('text encodings: a letter is never replaced', () => {
    const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
    const OFFICE = [
      { name: 'Müller', city: 'Köln', amount: '1234.5', note: 'say “hi” – 5 €' },
      { name: 'Café', city: 'São Paulo', amount: '7', note: '' },
    ];

    it('files saved by LibreOffice: UTF-8, UTF-16 (byte-order mark, tabs) and .xlsx read letter for letter', async () => {
      const third = { name: 'Łódź', city: 'Kraków', amount: '3', note: 'ő' };
      expect((await read({}, fixture('libreoffice-utf-8.csv'))).records).toEqual([...OFFICE, third]);
      expect((await read({}, fixture('libreoffice-utf-16.csv'))).records).toEqual([...OFFICE, third]);
      // A byte-order mark says what the file is, whatever the setting.
      expect((await read({ encoding: 'windows-1252' }, fixture('libreoffice-utf-16.csv'))).records).toEqual([...OFFICE, third]);
      const xlsx = (await read({}, fixture('libreoffice.xlsx'))).records;
      expect(xlsx.map((r) => [r.name, r.city, r.note])).toEqual([...OFFICE, third].map((r) => [r.name, r.city, r.note]));
      expect(xlsx[0].amount).toBe(1234.5);
    });

    it('a Windows-1252 CSV (Excel\'s "CSV (Comma delimited)") is refused in auto, naming the line and the letter; read right when chosen', async () => {
      const err = await refused({}, fixture('libreoffice-windows-1252.csv'), 'E_SHEET_ENCODING');
      expect(err.message).toBe('"libreoffice-windows-1252.csv" is not UTF-8 text: line 2 holds the byte 0xFC, which is not UTF-8 here (in Windows-1252 it is "ü").');
      expect(err.hint).toMatch(/"Text encoding" setting \(Windows-1252 for a CSV saved by Excel as "CSV \(Comma delimited\)"/);
      // € “ ” – are 0x80–0x9F in Windows-1252, where Latin-1 has control characters.
      expect((await read({ encoding: 'windows-1252' }, fixture('libreoffice-windows-1252.csv'))).records.slice(0, 2)).toEqual(OFFICE);
    });

    it('Excel\'s "Unicode Text" (.txt: UTF-16 with tabs) and a .tsv are read as delimited text', async () => {
      const txt = file('export.txt');
      writeFileSync(txt, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\tcity\r\nMüller\tKöln, Süd\r\n', 'utf16le')]));
      expect((await read({}, txt)).records).toEqual([{ name: 'Müller', city: 'Köln, Süd' }]);
      const tsv = writeCsv(file('export.tsv'), 'name\tnote\nAda\ta, b; c\n');
      expect((await read({}, tsv)).records).toEqual([{ name: 'Ada', note: 'a, b; c' }]);
    });

    it('UTF-16 without a byte-order mark is told by its NUL bytes, little- and big-endian', async () => {
      const le = file('u16le.csv');
      writeFileSync(le, Buffer.from('name,city\nMüller,Köln\n', 'utf16le'));
      expect((await read({}, le)).records).toEqual([{ name: 'Müller', city: 'Köln' }]);
      const be = Buffer.from('name;city\n日本;東京\n', 'utf16le').swap16();
      writeFileSync(file('u16be.csv'), be);
      expect((await read({}, file('u16be.csv'))).records).toEqual([{ name: '日本', city: '東京' }]);
    });

    it('a byte that is not UTF-8 far into the file (past what the separator is guessed from) refuses the whole file at its exact line', async () => {
      const f = file('late.csv');
      writeFileSync(f, Buffer.concat([Buffer.from('a,b\n' + 'x,ü\n'.repeat(30_000)), Buffer.from('y,\xe9t\xe9\n', 'latin1')]));
      const err = await refused({}, f, 'E_SHEET_ENCODING');
      expect(err.message).toBe('"late.csv" is not UTF-8 text: line 30002 holds the byte 0xE9, which is not UTF-8 here (in Windows-1252 it is "é").');
      // Cut inside a character: refused too, not read with a replacement letter.
      writeFileSync(file('cut.csv'), Buffer.concat([Buffer.from('a,b\nx,'), Buffer.from([0xc3])]));
      expect((await refused({}, file('cut.csv'), 'E_SHEET_ENCODING')).message).toBe('"cut.csv" is not UTF-8 text: it ends in the middle of a character (after line 2).');
      // Chosen UTF-8 is as strict as auto.
      await refused({ encoding: 'utf-8' }, f, 'E_SHEET_ENCODING');
    });

    it('other encodings read when chosen (Shift_JIS, Windows-1251), and refuse bytes that are not text in them', async () => {
      writeFileSync(file('sjis.csv'), Buffer.from([...Buffer.from('city,n\n'), 0x93, 0x8c, 0x8b, 0x9e, ...Buffer.from(',1\n')]));
      expect((await read({ encoding: 'shift_jis' }, file('sjis.csv'))).records).toEqual([{ city: '東京', n: '1' }]);
      writeFileSync(file('cyr.csv'), Buffer.from([...Buffer.from('name\n'), 0xcc, 0xee, 0xf1, 0xea, 0xe2, 0xe0, 10]));
      expect((await read({ encoding: 'windows-1251' }, file('cyr.csv'))).records).toEqual([{ name: 'Москва' }]);
      writeFileSync(file('bad-sjis.csv'), Buffer.from([...Buffer.from('a\n1\n'), 0x85, 0x40, 10]));
      const err = await refused({ encoding: 'shift_jis' }, file('bad-sjis.csv'), 'E_SHEET_ENCODING');
      expect(err.message).toBe('"bad-sjis.csv" is not Shift_JIS text: line 3 has bytes that are not Shift_JIS text.');
    });
  });

  describe('cells as other writers store them (Apache POI, strict OOXML, hand-made XML): text never altered', () => {
    /** A workbook whose sheet is `rows` of raw cell XML, with the shared strings `strings` (raw <si> XML). */
    function rawBook(name: string, rows: string, strings = '<si><t>x</t></si>'): string {
      writeFileSync(
        file(name),
        zipOf([
          ...workbookParts(),
          deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}${strings}${STRINGS_TAIL}`),
          deflated('xl/worksheets/sheet1.xml', `${SHEET_HEAD}${rows}${SHEET_TAIL}`),
        ]),
      );
      return file(name);
    }
    const header = (...names: string[]) => `<row r="1">${names.map((n) => `<c t="inlineStr"><is><t>${n}</t></is></c>`).join('')}</row>`;

    it('letters whose bytes straddle two chunks of a part are read whole (20,000 rows of Japanese and German text)', async () => {
      const rows: unknown[][] = [['name', 'note']];
      for (let i = 0; i < 20_000; i++) rows.push([`東京都港区${i}番地 Müller`, `é${i}`]);
      const f = await writeXlsx(file('letters.xlsx'), { S: rows });
      const { records } = await read({}, f);
      expect(records).toHaveLength(20_000);
      const wrong = records.filter((r, i) => r.name !== `東京都港区${i}番地 Müller` || r.note !== `é${i}`);
      expect(wrong).toEqual([]);
    }, 60_000);

    it('an inline string keeps all its formatted runs and leaves out its phonetic guide; a shared one too', async () => {
      const f = rawBook(
        'inline.xlsx',
        `${header('name', 'city', 'shared')}<row r="2"><c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>Ad</t></r><r><t>a</t></r></is></c>` +
          `<c r="B2" t="inlineStr"><is><r><t>東</t></r><r><t>京</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></is></c><c r="C2" t="s"><v>0</v></c></row>`,
        '<si><r><t>Lon</t></r><r><t>don</t></r><rPh sb="0" eb="6"><t>ロンドン</t></rPh></si>',
      );
      expect((await read({}, f)).records).toEqual([{ name: 'Ada', city: '東京', shared: 'London' }]);
    });

    it('text that reads like markup is kept as written: decoded once, not twice (inline strings, formula results)', async () => {
      const f = rawBook(
        'entities.xlsx',
        `${header('html', 'company', 'calc')}<row r="2"><c r="A2" t="inlineStr"><is><t>&amp;lt;b&amp;gt; &amp;amp; &amp;#39;</t></is></c>` +
          `<c r="B2" t="inlineStr"><is><t>AT&amp;T</t></is></c><c r="C2" t="str"><f>"&amp;amp;"&amp;"x"</f><v>&amp;amp;x</v></c></row>`,
      );
      expect((await read({}, f)).records).toEqual([{ html: '&lt;b&gt; &amp; &#39;', company: 'AT&T', calc: '&amp;x' }]);
    });

    it('a chart sheet before the rows (Excel puts charts on sheets of their own) is passed over; named, it is refused as a chart', async () => {
      const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
      const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
      const parts = workbookParts().filter((p) => p.name !== 'xl/workbook.xml' && p.name !== 'xl/_rels/workbook.xml.rels');
      writeFileSync(
        file('chart-first.xlsx'),
        zipOf([
          ...parts,
          deflated('xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="Chart1" sheetId="2" r:id="rId3"/><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`),
          deflated(
            'xl/_rels/workbook.xml.rels',
            `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="${REL}/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>`,
          ),
          deflated('xl/chartsheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8"?><chartsheet xmlns="${NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>`),
          deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>name</t></si><si><t>Ada</t></si>${STRINGS_TAIL}`),
          deflated('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>${SHEET_TAIL}`),
        ]),
      );
      expect((await read({}, file('chart-first.xlsx'))).records).toEqual([{ name: 'Ada' }]);
      expect((await refused({ sheet: 'Chart1' }, file('chart-first.xlsx'), 'E_SHEET_NOT_FOUND')).message).toBe('Sheet "Chart1" of "chart-first.xlsx" is a chart, not a sheet of rows.');
    });

    it('a cell referring to a shared text the file does not hold refuses the file, naming the cell (never read as empty)', async () => {
      const f = rawBook('lost-text.xlsx', `${header('name')}<row r="2"><c r="A2" t="s"><v>0</v></c></row><row r="3"><c r="A3" t="s"><v>7</v></c></row>`);
      const err = await refused({}, f, 'E_SHEET_UNREADABLE');
      expect(err.message).toBe('"lost-text.xlsx" is damaged: cell A3 of sheet "Sheet1" refers to shared text 7, but the file\'s table of texts has 1.');
    });

    it('ISO date cells (t="d"), cells and rows without references, booleans, errors and shared formulas', async () => {
      const f = rawBook(
        'typed.xlsx',
        `<row>${['when', 'day', 'ok', 'err', 'sum'].map((n) => `<c t="inlineStr"><is><t>${n}</t></is></c>`).join('')}</row>` +
          `<row><c t="d"><v>2024-03-01T13:05:00</v></c><c t="d"><v>2024-03-01</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c><f t="shared" si="0"/><v>42</v></c></row>` +
          `<row r="5"><c r="C5" t="b"><v>0</v></c></row>`,
      );
      const { records, rows } = await read({}, f);
      expect(records).toEqual([
        { when: '2024-03-01T13:05:00.000Z', day: '2024-03-01', ok: true, err: '#N/A', sum: 42 },
        { when: '', day: '', ok: false, err: '', sum: '' },
      ]);
      expect(rows).toEqual([2, 5]);
    });
  });

  describe('OpenDocument spreadsheets (.ods)', () => {
    const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
    /** An .ods whose content.xml holds `tables` (raw table:table XML) after `styles` (raw automatic styles). */
    function rawOds(name: string, tables: string, styles = ''): string {
      const ns =
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"';
      writeFileSync(
        file(name),
        zipOf([
          deflated('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'),
          deflated('content.xml', `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ns}><office:automatic-styles>${styles}</office:automatic-styles><office:body><office:spreadsheet>${tables}</office:spreadsheet></office:body></office:document-content>`),
        ]),
      );
      return file(name);
    }
    const str = (t: string, attrs = '') => `<table:table-cell office:value-type="string"${attrs}><text:p>${t}</text:p></table:table-cell>`;

    it('a LibreOffice .ods reads as the .xlsx it was saved from: first visible sheet, dates, numbers, formulas, errors, merged cells, comments left out', async () => {
      const { records, rows } = await read({}, fixture('libreoffice.ods'));
      expect(rows).toEqual([2, 4, 5, 6, 7]);
      expect(records[0]).toEqual({
        name: 'Ada “A” Lovelace',
        born: '1815-12-10',
        at: '2024-03-01T13:05:00.000Z',
        share: 0.25,
        // LibreOffice keeps an .xlsx boolean as the formula =TRUE(), the number 1 shown TRUE.
        active: true,
        total: 1,
        zip: '00712',
        text: 'line one\nline  two',
        err: '#DIV/0!',
        merged: 'wide',
      });
      expect(records[1]).toMatchObject({ name: 'Grace', born: '1906-12-09', at: '', share: 1e-7, total: 1234.56, text: '東京 Müller' });
      expect(records[4]).toMatchObject({ name: 'same', share: 5 });
      expect((await read({ sheet: 'other' }, fixture('libreoffice.ods'))).records).toEqual([{ x: 1 }]);
      expect((await read({ sheet: 'Notes' }, fixture('libreoffice.ods'))).records).toEqual([{ note: 'hidden one' }]);
      expect((await refused({ sheet: 'Nope' }, fixture('libreoffice.ods'), 'E_SHEET_NOT_FOUND')).message).toBe('"libreoffice.ods" has no sheet named "Nope" (its sheets: "Notes", "People", "Other").');
    });

    it('every kind of cell reads the same from a workbook saved again by LibreOffice and by Gnumeric, as .ods and .xlsx', async () => {
      const expected: Record<string, unknown> = {
        'bool true': true,
        'bool false': false,
        currency: 1234.5,
        percent: 0.125,
        neg: -42.75,
        date: '2024-03-01',
        datetime: '2024-03-01T13:05:30.000Z',
        // exceljs writes 1900-01-01 as serial 2 (one off); Excel reads that as 1900-01-02, and so does
        // Gnumeric's .xlsx — LibreOffice counts serial 2 as 1900-01-01 (its .ods and .xlsx hold that).
        'sentinel 1900-01-01': '1900-01-02',
        '1900-03-01': '1900-03-01',
        time: '13:30:00',
        'duration 36h': '36:00:00',
        'big int': 12345678901234,
        small: 1e-9,
        'text num': '00123',
        'formula str': 'ab',
        'formula num': 6,
        'formula bool': true,
        rich: 'bold plain',
        link: 'Example',
        multiline: 'a\nb',
        spaces: '  lead and trail  ',
        unicode: 'Ærø 東京 🎉',
        quote: 'say "hi"',
        'empty str': '',
      };
      for (const name of ['kinds-exceljs.xlsx', 'kinds-libreoffice.ods', 'kinds-libreoffice.xlsx', 'kinds-gnumeric.ods', 'kinds-gnumeric.xlsx']) {
        const { records } = await read({}, fixture(name));
        const got = Object.fromEntries(records.map((r) => [r.label, r.value]));
        expect(got, name).toEqual(name.startsWith('kinds-libreoffice') ? { ...expected, 'sentinel 1900-01-01': '1900-01-01' } : expected);
      }
    });

    it('a Gnumeric .ods (its XML indented between a cell\'s elements) and .xlsx (inline strings) read as LibreOffice\'s', async () => {
      const libre = await read({}, fixture('libreoffice.ods'));
      // The line feeds and indentation around a comment were read as the cell's text ("\n            \nAda…").
      expect(await read({}, fixture('gnumeric.ods'))).toEqual(libre);
      expect((await read({ sheet: 'other' }, fixture('gnumeric.ods'))).records).toEqual([{ x: 1 }]);
      // Gnumeric's .xlsx keeps no hidden flag: its first sheet is Notes; People reads as LibreOffice's,
      // its date before 1900 too, which Gnumeric counts on below Excel's serial 1 (fixtures/README.md).
      expect((await read({}, fixture('gnumeric.xlsx'))).records).toEqual([{ note: 'hidden one' }]);
      const xlsx = await read({ sheet: 'People' }, fixture('gnumeric.xlsx'));
      expect(xlsx.rows).toEqual(libre.rows);
      expect(xlsx.records).toEqual(libre.records);
      expect(xlsx.records[0].born).toBe('1815-12-10');
    });

    it('repeated cells and rows: values repeated where written, empty repeats to the sheet\'s end counted, never made', async () => {
      const f = rawOds(
        'repeats.ods',
        `<table:table table:name="S"><table:table-row>${str('a')}${str('b')}${str('c')}</table:table-row>` +
          `<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="2"/>${str('x')}</table:table-row>` +
          `<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>` +
          `<table:table-row>${str('y', ' table:number-columns-repeated="3"')}</table:table-row>` +
          `<table:table-row><table:table-cell office:value-type="time" office:time-value="PT13H05M00S"/><table:table-cell office:value-type="boolean" office:boolean-value="true"/>${str('t', ' office:string-value="as written"')}</table:table-row>` +
          // A duration past a day keeps its hours.
          `<table:table-row><table:table-cell office:value-type="time" office:time-value="PT36H"/><table:table-cell office:value-type="date" office:date-value="1900-01-01"/></table:table-row>` +
          // A shape anchored to a cell, with its own text: not the cell's.
          `<table:table-row><table:table-cell office:value-type="string"><draw:frame><draw:text-box><text:p>shape text</text:p></draw:text-box></draw:frame><text:p>cell</text:p></table:table-cell></table:table-row></table:table>`,
      );
      const { records, rows } = await read({}, f);
      expect(records).toEqual([
        { a: '', b: '', c: 'x' },
        { a: '', b: '', c: 'x' },
        { a: 'y', b: 'y', c: 'y' },
        { a: '13:05:00', b: true, c: 'as written' },
        { a: '36:00:00', b: '1900-01-01', c: '' },
        { a: 'cell', b: '', c: '' },
      ]);
      expect(rows).toEqual([2, 3, 1048004, 1048005, 1048006, 1048007]);
    });

    it('booleans read true/false, not 1/0: boolean cells, numbers with a boolean format (the cell\'s, its row\'s or column\'s), =TRUE() and formulas shown TRUE/FALSE', async () => {
      const num = (v: number, attrs = '', shown = String(v)) => `<table:table-cell office:value-type="float" office:value="${v}"${attrs}><text:p>${shown}</text:p></table:table-cell>`;
      const bool = (v: string) => `<table:table-cell office:value-type="boolean" office:boolean-value="${v}"><text:p>x</text:p></table:table-cell>`;
      const f = rawOds(
        'booleans.ods',
        '<table:table table:name="S"><table:table-column table:default-cell-style-name="Default" table:number-columns-repeated="3"/><table:table-column table:default-cell-style-name="ceB"/>' +
          `<table:table-row>${['a', 'b', 'c', 'd'].map((n) => str(n)).join('')}</table:table-row>` +
          // office:boolean-value is xsd:boolean: "1" and "0" too.
          `<table:table-row>${bool('true')}${bool('false')}${bool('1')}${bool('0')}</table:table-row>` +
          // A number with a boolean data style (directly, through a parent style), LibreOffice's calcext note; column D's default style is boolean.
          `<table:table-row>${num(1, ' table:style-name="ceB"', 'TRUE')}${num(0, ' table:style-name="ceChild"', 'FALSE')}${num(1, ' calcext:value-type="boolean"', 'TRUE')}${num(0, '', 'FALSE')}</table:table-row>` +
          // How LibreOffice keeps an .xlsx boolean (no style: its format comes from the formula), in any language; a comparison shown TRUE.
          `<table:table-row>${num(1, ' table:formula="of:=TRUE()"', 'TRUE')}${num(0, ' table:formula="of:=FALSE()"', 'FALSCH')}${num(1, ' table:formula="of:=[.A1]&gt;0"', 'TRUE')}${num(0, ' table:formula="oooc:=FALSE()"', 'FALSE')}</table:table-row>` +
          // A row whose default cell style is boolean.
          `<table:table-row table:default-cell-style-name="ceB">${num(1, '', 'TRUE')}</table:table-row>` +
          // Numbers that are numbers: a number format, a formula shown as its number, the same number outside column D.
          `<table:table-row>${num(1, ' table:style-name="ceN"')}${num(1, ' table:formula="of:=1*1"')}${num(0)}${num(2, ' table:style-name="ceN"')}</table:table-row></table:table>`,
        '<number:boolean-style style:name="N99"><number:boolean/></number:boolean-style><number:number-style style:name="N2"><number:number number:decimal-places="2"/></number:number-style>' +
          '<style:style style:name="ceB" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N99"/>' +
          '<style:style style:name="ceChild" style:family="table-cell" style:parent-style-name="ceB"/>' +
          '<style:style style:name="ceN" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N2"/>',
      );
      expect((await read({}, f)).records).toEqual([
        { a: true, b: false, c: true, d: false },
        { a: true, b: false, c: true, d: false },
        { a: true, b: false, c: true, d: false },
        { a: true, b: '', c: '', d: '' },
        { a: 1, b: 1, c: 0, d: 2 },
      ]);
    });

    it('a value repeated past the limits is E_SHEET_TOO_LARGE; a hidden first sheet is skipped; not a zip is refused', async () => {
      const bomb = rawOds('bomb.ods', `<table:table table:name="S"><table:table-row>${str('a')}</table:table-row><table:table-row table:number-rows-repeated="2000000">${str('x')}</table:table-row></table:table>`);
      expect((await refused({}, bomb, 'E_SHEET_TOO_LARGE')).message).toMatch(/rows/);
      const wide = rawOds('wide.ods', `<table:table table:name="S"><table:table-row>${str('a', ' table:number-columns-repeated="100000"')}</table:table-row></table:table>`);
      await refused({}, wide, 'E_SHEET_TOO_LARGE');
      const hidden = rawOds(
        'hidden.ods',
        `<table:table table:name="H" table:style-name="ta1"><table:table-row>${str('h')}</table:table-row><table:table-row>${str('1')}</table:table-row></table:table>` +
          `<table:table table:name="V"><table:table-row>${str('v')}</table:table-row><table:table-row>${str('2')}</table:table-row></table:table>`,
        '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="false"/></style:style>',
      );
      expect((await read({}, hidden)).records).toEqual([{ v: '2' }]);
      writeCsv(file('fake.ods'), 'a,b\n1,2\n');
      expect((await refused({}, file('fake.ods'), 'E_SHEET_UNREADABLE')).message).toMatch(/not a real OpenDocument spreadsheet/);
    });
  });

  describe('sheets', () => {
    let book: string;
    beforeAll(async () => {
      book = await writeXlsx(file('book.xlsx'), { Notes: [['note'], ['hidden one']], Contacts: PEOPLE, Other: [['x'], [1]] }, (wb) => {
        wb.getWorksheet('Notes')!.state = 'hidden';
      });
    });

    it('reads the first visible sheet by default', async () => {
      expect((await read({}, book)).records).toHaveLength(2);
    });

    it('reads the named sheet, ignoring case and spaces around the name', async () => {
      expect((await read({ sheet: 'Other' }, book)).records).toEqual([{ x: 1 }]);
      expect((await read({ sheet: ' other ' }, book)).records).toEqual([{ x: 1 }]);
      expect((await read({ sheet: 'Notes' }, book)).records).toEqual([{ note: 'hidden one' }]);
    });

    it('E_SHEET_NOT_FOUND names the sheets there are', async () => {
      const err = await refused({ sheet: 'People' }, book, 'E_SHEET_NOT_FOUND');
      expect(err.message).toBe('"book.xlsx" has no sheet named "People" (its sheets: "Notes", "Contacts", "Other").');
    });
  });

  describe('big files are streamed', () => {
    it('10,000 rows of .xlsx, with the rejects at their exact rows', async () => {
      const rows: unknown[][] = [PEOPLE[0]];
      for (let i = 1; i <= 10_000; i++) rows.push([`First${i}`, `Last${i}`, i % 1000 === 0 ? `broken-${i}` : `person${i}@example.com`]);
      const f = await writeXlsx(file('big.xlsx'), { Big: rows });
      const { records, rejects } = await read({ columns: CONTACT_COLUMNS }, f);
      expect(records).toHaveLength(9_990);
      expect(records[9_989]).toEqual({ first_name: 'First9999', last_name: 'Last9999', email: 'person9999@example.com' });
      expect(rejects.map((r) => r.row)).toEqual(Array.from({ length: 10 }, (_, k) => (k + 1) * 1000 + 1));
      expect(rejects[0]).toMatchObject({ field: 'email', rule: 'email', value: 'broken-1000' });
    }, 60_000);

    it('10,000 rows of .csv', async () => {
      const lines = ['first_name,last_name,email'];
      for (let i = 1; i <= 10_000; i++) lines.push(`First${i},Last${i},${i === 5000 ? '' : `person${i}@example.com`}`);
      const f = writeCsv(file('big.csv'), lines.join('\n') + '\n');
      const { records, rejects } = await read({ columns: CONTACT_COLUMNS }, f);
      expect(records).toHaveLength(9_999);
      expect(rejects).toEqual([{ row: 5001, field: 'email', rule: 'required', value: '', message: 'empty, but this field is required' }]);
    }, 60_000);

    it('stops when the signal is aborted: E_ABORTED', async () => {
      const ac = new AbortController();
      ac.abort();
      const f = writeCsv(file('abort.csv'), 'a\n1\n');
      expect(await failureOf(() => read({}, f, 'abort.csv', ac.signal))).toMatchObject({ code: 'E_ABORTED' });
    });
  });

  describe('files that cannot be used', () => {
    it('wrong type: E_SHEET_TYPE, saying how to convert', async () => {
      const xls = writeCsv(file('old.xls'), 'whatever');
      const err = await refused({}, xls, 'E_SHEET_TYPE');
      expect(err.message).toBe('"old.xls" is not a spreadsheet file (.xlsx, .ods, .csv, .tsv or .txt): it is an Excel 97-2003 workbook (.xls).');
      expect(err.hint).toMatch(/save .* as "Excel workbook \(.xlsx\)"/);
      await refused({}, writeCsv(file('notes'), 'a,b'), 'E_SHEET_TYPE');
      // the name the operator gave decides, not the name on disk
      const stored = writeCsv(file('abc123.csv'), 'a\n1\n');
      await refused({}, stored, 'E_SHEET_TYPE', 'people.pdf');
    });

    it('corrupt: E_SHEET_UNREADABLE for text renamed .xlsx, a broken zip, a truncated workbook, a workbook named .csv', async () => {
      const renamed = await refused({}, writeCsv(file('renamed.xlsx'), 'first_name,email\nAda,a@b.c\n'), 'E_SHEET_UNREADABLE');
      expect(renamed.message).toMatch(/not a real Excel workbook/);
      writeFileSync(file('garbage.xlsx'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]));
      await refused({}, file('garbage.xlsx'), 'E_SHEET_UNREADABLE');
      const whole = readFileSync(await writeXlsx(file('whole.xlsx'), { S: PEOPLE }));
      writeFileSync(file('truncated.xlsx'), whole.subarray(0, Math.floor(whole.length / 2)));
      await refused({}, file('truncated.xlsx'), 'E_SHEET_UNREADABLE');
      writeFileSync(file('zip.csv'), whole);
      expect((await refused({}, file('zip.csv'), 'E_SHEET_UNREADABLE')).message).toMatch(/Excel workbook named \.csv/);
    });

    it('enormous header cell: E_SHEET_CELL_TOO_LARGE naming the row and column (no column can be mapped)', async () => {
      const big = 'x'.repeat(40_000);
      const csv = await refused({}, writeCsv(file('big-header.csv'), `first_name,${big}\nAda,a@b.c\n`), 'E_SHEET_CELL_TOO_LARGE');
      expect(csv.message).toMatch(/Row 1 \(the header row\), column B .* holds 40,000 characters/);
    });

    it('CSV with a quote never closed: E_SHEET_UNREADABLE with the row', async () => {
      const err = await refused({}, writeCsv(file('quote.csv'), 'a,b\n1,2\n3,"four\n5,6\n'), 'E_SHEET_UNREADABLE');
      expect(err.message).toMatch(/starts on row 3 is never closed/);
    });

    it('empty: E_SHEET_EMPTY for a 0-byte file, an empty sheet, a header without rows, a header row that is empty', async () => {
      expect((await refused({}, writeCsv(file('zero.csv'), ''), 'E_SHEET_EMPTY')).message).toMatch(/0 bytes/);
      await refused({}, writeCsv(file('zero.xlsx'), ''), 'E_SHEET_EMPTY');
      await refused({}, writeCsv(file('blank.csv'), '\n\n  \n'), 'E_SHEET_EMPTY');
      await refused({}, await writeXlsx(file('empty-sheet.xlsx'), { Empty: [] }), 'E_SHEET_EMPTY');
      const headerOnly = await refused({}, await writeXlsx(file('header-only.xlsx'), { S: [PEOPLE[0], [], []] }), 'E_SHEET_EMPTY');
      expect(headerOnly.message).toMatch(/no rows of data/);
      const noHeader = await refused({ headerRow: 2 }, await writeXlsx(file('no-header.xlsx'), { S: [PEOPLE[0], [], PEOPLE[1]] }), 'E_SHEET_EMPTY');
      expect(noHeader.message).toMatch(/Row 2 .* the header row, is empty/);
      expect(noHeader.hint).toMatch(/Header row/);
    });

    it('a mapped column missing from the header: E_SHEET_COLUMN_MISSING, listing the columns found', async () => {
      const f = await writeXlsx(file('missing.xlsx'), { S: PEOPLE });
      const err = await refused({ columns: [{ field: 'first_name' }, { field: 'email', column: 'Mail' }, { field: 'phone' }] }, f, 'E_SHEET_COLUMN_MISSING');
      expect(err.message).toBe('The header row (row 1) of "missing.xlsx" has no column "Mail", "phone". Columns found: "first_name", "last_name", "email".');
    });

    it('two columns with the same name: E_SHEET_HEADER_INVALID', async () => {
      const dup = writeCsv(file('dup.csv'), 'email,name,email\na@b.co,Ada,c@d.co\n');
      expect((await refused({}, dup, 'E_SHEET_HEADER_INVALID')).message).toBe('Columns A and C of the header row of "dup.csv" are both named "email".');
      const mapped = await refused({ columns: [{ field: 'email' }] }, writeCsv(file('dup2.csv'), 'email,email\na,b\n'), 'E_SHEET_HEADER_INVALID');
      expect(mapped.message).toMatch(/2 columns named "email" \(columns A, B\)/);
      // names differing in case are different columns; a mapped field takes the exact header first
      const f = writeCsv(file('case.csv'), 'email,name,Email\na@b.co,Ada,c@d.co\n');
      expect((await read({}, f)).records).toEqual([{ email: 'a@b.co', name: 'Ada', Email: 'c@d.co' }]);
      expect((await read({ columns: [{ field: 'email' }] }, f)).records).toEqual([{ email: 'a@b.co' }]);
    });
  });
});
