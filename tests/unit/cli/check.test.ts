import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeXlsx } from '../../../nodes/spreadsheet/test-files.ts';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', timeout: 60_000 });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-check-'));
const FLOW = 'flows/spreadsheet-contacts.json';

describe('npx conveyor check (dry check)', () => {
  it('lists the records that would run and every rejected row, exits 1', () => {
    const r = cli(['check', FLOW, '--input', 'flows/samples/contacts.csv']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('flows/spreadsheet-contacts.json with contacts.csv: 5 records would run, 3 rows rejected, 0 problems.');
    expect(r.stdout).toContain('  row 4, email: "grace@example" — not a valid email address (rule email)');
    expect(r.stdout).toContain('  row 7, email: "not an email" — not a valid email address (rule email)');
    expect(r.stdout).toContain('  row 9, email: "" — empty, but this field is required (rule required)');
  });

  it('exits 0 when nothing is to fix; reads .xlsx too; --json gives the whole result', async () => {
    const dir = tmp();
    const xlsx = await writeXlsx(path.join(dir, 'people.xlsx'), { People: [['first_name', 'last_name', 'email'], ['Ada', 'Lovelace', ' ADA@example.com ']] });
    const ok = cli(['check', FLOW, '--input', xlsx]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/1 record would run, 0 rows rejected, 0 problems\.\nNothing to fix/);
    const json = cli(['check', FLOW, '--input', xlsx, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      canStart: true,
      problems: [],
      recordCount: 1,
      runCount: 1,
      skipCount: 0,
      skips: [],
      rejects: [],
      rejectCount: 0,
      sample: [{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }],
    });
    expect(cli(['check', 'flows/hello-records.json']).status).toBe(0);
  });

  it('lists flow problems and trigger failures with their hint, exit 1', () => {
    const dir = tmp();
    const noFile = cli(['check', FLOW]);
    expect(noFile.status).toBe(1);
    expect(noFile.stdout).toMatch(/\$\.nodes\[0\]: This flow starts with a Spreadsheet trigger, but no file was given to the run\. \(E_SHEET_NO_FILE\)\n {4}Hint: /);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'conveyor.flow/v1', id: 'x', name: '', nodes: [{ id: 'a', type: 'core.nope', position: { x: 0, y: 0 } }], edges: [] }));
    const r = cli(['check', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\$\.name: /);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{');
    expect(cli(['check', broken]).status).toBe(1);
  });

  it('usage and input errors exit 2', () => {
    expect(cli(['check']).status).toBe(2);
    expect(cli(['check', FLOW, '--input', 'nowhere.xlsx']).stderr).toMatch(/E_FILE_NOT_FOUND/);
    const dir = tmp();
    const pdf = path.join(dir, 'people.pdf');
    writeFileSync(pdf, 'x');
    const wrong = cli(['check', FLOW, '--input', pdf]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/E_INPUT_FORMAT/);
    // a workbook for a flow whose trigger cannot read one
    const onManual = cli(['run', 'flows/hello-records.json', '--input', path.join(dir, 'x.xlsx')]);
    expect(onManual.status).toBe(2);
    expect(onManual.stderr).toMatch(/E_INPUT_FORMAT: .* does not start with a Spreadsheet trigger/);
  });

  it('files of other programs are named for what they are, never decoded as text that is "not UTF-8", exit 2', () => {
    const dir = tmp();
    // An Excel 97-2003 workbook (an OLE2 file: its first bytes are not UTF-8) and a PDF's bytes.
    const xls = path.join(dir, 'people.xls');
    writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0xff, 0xfe]));
    const old = cli(['run', 'flows/hello-records.json', '--input', xls]);
    expect(old.status).toBe(2);
    expect(old.stderr).toMatch(/E_INPUT_FORMAT: The input file .*people\.xls is an Excel 97-2003 workbook \(\.xls\)\.\nHint: Open it in Excel or LibreOffice and save it as "Excel workbook \(\.xlsx\)"/);
    const onSheet = cli(['check', FLOW, '--input', xls]);
    expect(onSheet.stderr).toMatch(/E_INPUT_FORMAT: .*: it is an Excel 97-2003 workbook \(\.xls\)\./);
    const binaryPdf = path.join(dir, 'scan.pdf');
    writeFileSync(binaryPdf, Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0a, 0xe2, 0xe3, 0xcf, 0xd3]));
    expect(cli(['run', 'flows/hello-records.json', '--input', binaryPdf]).stderr).toMatch(/E_INPUT_FORMAT: The input file .*scan\.pdf is neither \.json, \.csv, \.xlsx nor \.ods\./);
  });

  it('run --input people.xlsx runs the rows and lists the rejected ones', async () => {
    const dir = tmp();
    const xlsx = await writeXlsx(path.join(dir, 'people.xlsx'), { People: [['first_name', 'last_name', 'email'], ['Ada', 'Lovelace', 'ada@example.com'], ['Alan', 'Turing', 'nope']] });
    const r = cli(['run', FLOW, '--input', xlsx, '--data-dir', path.join(dir, 'data')]);
    expect(r.stdout).toMatch(/Run run_\w+ completed — The record succeeded\./);
    expect(r.stdout).toContain('1 row was rejected before the run:\n  row 3, email: "nope" — not a valid email address (rule email)');
    expect(r.status).toBe(1);
  });

  it('counts the records a run would skip: duplicates in the file and keys done in past runs of DATA_DIR, with their sheet rows', () => {
    const dir = tmp();
    const flow = JSON.parse(readFileSync(FLOW, 'utf8'));
    flow.settings.businessKey = 'email';
    const keyed = path.join(dir, 'keyed.json');
    writeFileSync(keyed, JSON.stringify(flow));
    const write = (name: string, rows: string[]) => {
      const file = path.join(dir, name);
      writeFileSync(file, `first_name,last_name,email\n${rows.join('\n')}\n`);
      return file;
    };
    const dataDir = path.join(dir, 'data');
    const done = cli(['run', keyed, '--input', write('first.csv', ['Ada,Lovelace,ada@example.com']), '--data-dir', dataDir]);
    expect(done.status).toBe(0);

    const second = write('second.csv', ['Ada,Lovelace,ada@example.com', 'Grace,Hopper,grace@example.com', 'Grace,Hopper,GRACE@example.com', 'Alan,Turing,alan@example.com']);
    const r = cli(['check', keyed, '--input', second, '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0); // skips are not problems
    expect(r.stdout).toContain('keyed.json with second.csv: 2 records would run, 2 would be skipped (duplicates / already done), 0 rows rejected, 0 problems.');
    expect(r.stdout).toMatch(/\n {2}row 2: Already done in run \S+ \(record #1, same email "ada@example\.com"\)/);
    expect(r.stdout).toContain('\n  row 4: Duplicate of record #2 (sheet row 3) (same email "grace@example.com").');
    // A data directory without past runs: only the duplicate; nothing is created there.
    const fresh = path.join(dir, 'fresh');
    const alone = cli(['check', keyed, '--input', second, '--data-dir', fresh]);
    expect(alone.stdout).toContain('3 records would run, 1 would be skipped (duplicates / already done)');
    expect(existsSync(path.join(fresh, 'store'))).toBe(false);
  });
});
