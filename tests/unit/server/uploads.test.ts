import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeXlsx } from '../../../nodes/spreadsheet/test-files.ts';
import { resolveUpload } from '../../../server/http/upload-routes.ts';
import { startTestServer } from './support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
let xlsx: Buffer;
const CONTACTS_CSV = readFileSync('flows/samples/contacts.csv');
const FLOW = JSON.parse(readFileSync('flows/spreadsheet-contacts.json', 'utf8'));

beforeAll(async () => {
  s = await startTestServer();
  const dir = tempDir();
  xlsx = readFileSync(
    await writeXlsx(path.join(dir, 'people.xlsx'), {
      People: [
        ['first_name', 'last_name', 'email'],
        ['Ada', 'Lovelace', 'ADA@example.com'],
        ['Alan', 'Turing', 'nope'],
      ],
    }),
  );
  expect((await s.api('POST', '/api/flows/import', FLOW)).status).toBe(201);
});
afterAll(async () => s && (await s.close()));

async function upload(name: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/api/uploads?name=${encodeURIComponent(name)}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: res.status, body: await res.json() };
}

describe('POST /api/uploads', () => {
  it('stores an .xlsx, .ods or .csv under DATA_DIR/uploads and answers its id, name and size', async () => {
    const r = await upload('people.xlsx', xlsx, { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.stringMatching(/^[a-z0-9]+\.xlsx$/), name: 'people.xlsx', size: xlsx.length });
    const stored = path.join(s.dataDir, 'uploads', r.body.id);
    expect(readFileSync(stored).equals(xlsx)).toBe(true);
    expect(await resolveUpload(s.dataDir, r.body.id)).toEqual({ path: stored, name: 'people.xlsx' });

    // An OpenDocument spreadsheet (LibreOffice's own format) too.
    const odsBytes = readFileSync(path.join(import.meta.dirname, '../../../nodes/spreadsheet/fixtures/libreoffice.ods'));
    const ods = await upload('people.ods', odsBytes);
    expect(ods).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^[a-z0-9]+\.ods$/), name: 'people.ods' } });
    expect(await resolveUpload(s.dataDir, ods.body.id)).toEqual({ path: path.join(s.dataDir, 'uploads', ods.body.id), name: 'people.ods' });
    expect((await upload('renamed.ods', 'a,b\n1,2\n')).body.error).toMatchObject({ code: 'E_UPLOAD_TYPE', message: expect.stringMatching(/not a real OpenDocument spreadsheet/) });

    // Delimited text as Excel saves "Unicode Text" (.txt) or other programs .tsv.
    expect(await upload('export.txt', Buffer.from('a\tb\n1\t2\n'))).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^[a-z0-9]+\.txt$/) } });

    // any content type, or none, or JSON: the body is the file as it is
    const csv = await upload('Contacts 2024.CSV', CONTACTS_CSV, { 'content-type': 'application/json' });
    expect(csv).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^[a-z0-9]+\.csv$/), name: 'Contacts 2024.CSV', size: CONTACTS_CSV.length } });
  });

  it('keeps only the file name of a path given as name', async () => {
    const r = await upload('../../etc/evil.csv', 'a\n1\n');
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('evil.csv');
    expect(existsSync(path.join(s.dataDir, 'uploads', r.body.id))).toBe(true);
  });

  it('refuses a name with a line break or NUL, or no name at all (a path ending in /), as kept files are — keeping nothing', async () => {
    const before = readdirSync(path.join(s.dataDir, 'uploads')).length;
    for (const name of ['people\n.csv', 'people\u0000.csv', 'folder/..', 'C:\\data\\']) {
      const r = await upload(name, 'a\n1\n');
      expect([r.status, r.body.error.code]).toEqual([400, 'E_BODY_INVALID']);
      expect(r.body.error.message).toMatch(/is not a file name\.$/);
    }
    expect(readdirSync(path.join(s.dataDir, 'uploads')).length).toBe(before);
  });

  it('refuses other types, fake workbooks, empty bodies and a missing name — and keeps nothing', async () => {
    const before = readdirSync(path.join(s.dataDir, 'uploads')).length;
    const xls = await upload('old.xls', 'whatever');
    expect(xls.status).toBe(415);
    expect(xls.body.error).toMatchObject({ code: 'E_UPLOAD_TYPE', message: '"old.xls" is not a spreadsheet file (.xlsx, .ods, .csv, .tsv or .txt): it is an Excel 97-2003 workbook (.xls).' });
    expect(xls.body.error.hint).toMatch(/\.xlsx/);
    expect((await upload('renamed.xlsx', 'first_name\nAda\n')).body.error).toMatchObject({ code: 'E_UPLOAD_TYPE', message: expect.stringMatching(/not a real Excel workbook/) });
    expect((await upload('zip.csv', xlsx)).body.error.code).toBe('E_UPLOAD_TYPE');
    // An .xls saved by LibreOffice, renamed: said so, not "a CSV renamed" nor read as text.
    const xlsBytes = readFileSync(path.join(import.meta.dirname, '../../../nodes/spreadsheet/fixtures/libreoffice-dates.xls'));
    for (const name of ['renamed-xls.xlsx', 'renamed-xls.csv']) {
      expect((await upload(name, xlsBytes)).body.error, name).toMatchObject({ code: 'E_UPLOAD_TYPE', message: expect.stringContaining('it is an Excel 97-2003 workbook (.xls) renamed, or a workbook locked with a password') });
    }
    const gzipped = await upload('people.csv', gzipSync(CONTACTS_CSV), { 'content-encoding': 'gzip' });
    expect([gzipped.status, gzipped.body.error.code]).toEqual([415, 'E_BODY_INVALID']);
    expect(gzipped.body.error.message).toMatch(/sent compressed \(Content-Encoding: gzip\)/);
    const empty = await upload('empty.csv', '');
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('E_UPLOAD_EMPTY');
    const noName = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: 'a\n1\n' });
    expect(noName.status).toBe(400);
    expect((await noName.json()).error.code).toBe('E_QUERY_INVALID');
    expect(readdirSync(path.join(s.dataDir, 'uploads')).length).toBe(before);
  });

  it('refuses a body announced larger than 200 MB: E_BODY_TOO_LARGE', async () => {
    const { hostname, port } = new URL(s.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ hostname, port, method: 'POST', path: '/api/uploads?name=big.csv', headers: { 'content-length': String(201 * 1024 * 1024) } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('a,b\n');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'E_BODY_TOO_LARGE', message: expect.stringMatching(/200 MB/) });
  });
});

describe('resolveUpload', () => {
  it('refuses ids that are not upload ids (path traversal) and ids that do not exist', async () => {
    for (const id of ['../store/journal', '..%2Fx.csv', 'a/b.csv', 'ABC.csv', 'abc.xls', 'abc.csv.json', 'nothere.csv']) {
      await expect(resolveUpload(s.dataDir, id)).rejects.toMatchObject({ code: 'E_UPLOAD_NOT_FOUND', status: 422 });
    }
  });
});

describe('dry check: POST /api/flows/:id/preflight', () => {
  it('reads the uploaded file: records that would run, rejects with their rows, a sample — and stores nothing', async () => {
    const { body: file } = await upload('contacts.csv', CONTACTS_CSV);
    const r = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: file.id } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, canStart: true, problems: [], recordCount: 5, rejectCount: 3 });
    expect(r.body.rejects).toEqual([
      { row: 4, field: 'email', rule: 'email', value: 'grace@example', message: 'not a valid email address' },
      { row: 7, field: 'email', rule: 'email', value: 'not an email', message: 'not a valid email address' },
      { row: 9, field: 'email', rule: 'required', value: '', message: 'empty, but this field is required' },
    ]);
    expect(r.body.sample).toHaveLength(5);
    expect(r.body.sample[1]).toEqual({ first_name: 'Alan', last_name: 'Turing', email: 'alan.turing@example.com' });
    expect((await s.api('GET', `/api/runs?flowId=${FLOW.id}`)).body).toEqual([]);
  });

  it('reports the trigger failure as a problem at its node (no file, missing column)', async () => {
    const none = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, {});
    expect(none.body).toMatchObject({ ok: false, canStart: false, recordCount: 0, problems: [{ path: '$.nodes[0]', code: 'E_SHEET_NO_FILE', message: expect.any(String), hint: expect.any(String) }] });
    const { body: other } = await upload('other.csv', 'name,mail\nAda,a@b.co\n');
    const missing = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: other.id } });
    expect(missing.body.problems).toEqual([expect.objectContaining({ path: '$.nodes[0]', code: 'E_SHEET_COLUMN_MISSING' })]);
    // An .ods is read by the reader threads too: its header is named (the first visible sheet's).
    const { body: ods } = await upload('people.ods', readFileSync(path.join(import.meta.dirname, '../../../nodes/spreadsheet/fixtures/libreoffice.ods')));
    const fromOds = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: ods.id } });
    expect(fromOds.body.problems).toEqual([expect.objectContaining({ code: 'E_SHEET_COLUMN_MISSING', message: expect.stringContaining('Columns found: "name", "born", "at"') })]);
    // A Windows-1252 CSV: the encoding problem, with its line, at the trigger.
    const { body: ansi } = await upload('ansi.csv', Buffer.from('first_name,last_name,email\nJos\xe9,M\xfcller,j@example.com\n', 'latin1'));
    const fromAnsi = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: ansi.id } });
    expect(fromAnsi.body.problems).toEqual([expect.objectContaining({ code: 'E_SHEET_ENCODING', message: expect.stringContaining('line 2 holds the byte 0xE9') })]);
  });

  it('checks the flow as given in the body (unsaved editor changes): flow problems and rejects together', async () => {
    const { body: file } = await upload('people.xlsx', xlsx);
    const flow = structuredClone(FLOW);
    flow.edges = [flow.edges[0], { ...flow.edges[1], target: 'nowhere' }];
    const r = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: file.id }, flow });
    expect(r.body.problems).toEqual([{ path: '$.edges[1].target', message: expect.stringMatching(/nowhere/) }]);
    expect(r.body).toMatchObject({ ok: false, canStart: false, recordCount: 1, rejectCount: 1, sample: [{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }] });
    expect(r.body.rejects[0]).toMatchObject({ row: 3, field: 'email', rule: 'email', value: 'nope' });
  });

  it('works for a manual trigger with pasted records, and says when a file would be ignored', async () => {
    const created = await s.api('POST', '/api/flows', { name: 'Manual' });
    const ok = await s.api('POST', `/api/flows/${created.body.id}/preflight`, { input: { records: [{ a: 1 }, { a: 2 }] } });
    expect(ok.body).toEqual({ ok: true, canStart: true, problems: [], recordCount: 2, runCount: 2, skipCount: 0, skips: [], rejects: [], rejectCount: 0, sample: [{ a: 1 }, { a: 2 }] });
    const { body: file } = await upload('contacts.csv', CONTACTS_CSV);
    const ignored = await s.api('POST', `/api/flows/${created.body.id}/preflight`, { input: { fileId: file.id } });
    expect(ignored.body.problems).toEqual([expect.objectContaining({ code: 'E_INPUT_INVALID', message: expect.stringMatching(/does not read files/) })]);
  });

  it('refuses unknown uploads and unknown flows', async () => {
    const r = await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: '../../store/x.csv' } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('E_UPLOAD_NOT_FOUND');
    expect((await s.api('POST', '/api/flows/flow_nope/preflight', {})).body.error.code).toBe('E_FLOW_NOT_FOUND');
    expect((await s.api('POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: 1 } })).body.error.code).toBe('E_BODY_INVALID');
  });
});

describe('POST /api/runs with input.fileId', () => {
  it('starts the run over the uploaded file', async () => {
    const { body: file } = await upload('contacts.csv', CONTACTS_CSV);
    const r = await s.api('POST', '/api/runs', { flowId: FLOW.id, input: { fileId: file.id } });
    expect(r.status).toBe(201);
    expect(r.body.recordCount).toBe(5);
  });

  it('a file named only by its extension (".csv") gets an id a run takes', async () => {
    const r = await upload('.csv', CONTACTS_CSV);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^[a-z0-9]+\.csv$/), name: '.csv' });
    const run = await s.api('POST', '/api/runs', { flowId: FLOW.id, input: { fileId: r.body.id } });
    expect(run.status).toBe(201);
    expect(run.body.recordCount).toBe(5);
  });

  it('refuses an unknown file id before starting anything', async () => {
    const r = await s.api('POST', '/api/runs', { flowId: FLOW.id, input: { fileId: 'abc123.csv' } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('E_UPLOAD_NOT_FOUND');
  });
});
