import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { termGroups } from './groups.ts';
import { failureOf } from '../sdk/testing.ts';
import { tempDir, writeCsv, writeXlsx } from '../spreadsheet/test-files.ts';

const params = (over: Record<string, unknown> = {}) => termGroups.params.parse(over);

describe('groups of search terms (trigger)', () => {
  it('makes one record per term, group by group, with its position', async () => {
    const out = await termGroups.records!(params({ groups: [{ name: 'A', terms: ['one', ' two '] }, { name: 'B', terms: ['three'] }] }), undefined);
    expect(Array.isArray(out) ? out : out.records).toEqual([
      { group: 'A', term: 'one', groupIndex: 1, termIndex: 1, termsInGroup: 2 },
      { group: 'A', term: 'two', groupIndex: 1, termIndex: 2, termsInGroup: 2 },
      { group: 'B', term: 'three', groupIndex: 2, termIndex: 1, termsInGroup: 1 },
    ]);
  });

  it('uses the field names chosen in its form, and paces by the loop interval', () => {
    const p = params({ groupField: 'campaign', termField: 'query', intervalSeconds: 90 });
    expect(termGroups.pacing!(p)).toEqual({ intervalMs: 90_000 });
    expect(termGroups.pacing!(params())).toBeNull();
    expect(termGroups.grouping!(p)).toEqual({ groupField: 'campaign', itemField: 'query' });
  });

  it('refuses a group without a name and an interval out of range', () => {
    expect(termGroups.params.safeParse({ groups: [{ name: ' ', terms: ['x'] }] }).success).toBe(false);
    expect(termGroups.params.safeParse({ intervalSeconds: -1 }).success).toBe(false);
  });

  it('reads groups from a CSV given to the run: an empty group cell keeps the group above', async () => {
    const file = writeCsv(path.join(tempDir(), 'terms.csv'), 'Group,Term\nBakeries,bakery lyon\n,boulangerie lyon\nFlorists,florist lyon\n,\n,bakery lyon\n');
    const out = await termGroups.records!(params(), { file: { path: file, name: 'terms.csv' } });
    const { records, rejects } = Array.isArray(out) ? { records: out, rejects: [] } : out;
    expect(records.map((r) => [r.group, r.term])).toEqual([
      ['Bakeries', 'bakery lyon'],
      ['Bakeries', 'boulangerie lyon'],
      ['Florists', 'florist lyon'],
      ['Florists', 'bakery lyon'],
    ]);
    expect(rejects).toEqual([]);
  });

  it('a CSV term with a "," but no quotes is rejected with its row, never cut at the comma', async () => {
    const file = writeCsv(path.join(tempDir(), 'cut.csv'), 'group,term\nShoes,red shoes\nShoes,red, blue shoes\nShoes,"green, blue shoes"\n');
    const out = await termGroups.records!(params(), { file: { path: file, name: 'cut.csv' } });
    if (Array.isArray(out)) throw new Error('expected rejects');
    expect(out.records.map((r) => r.term)).toEqual(['red shoes', 'green, blue shoes']);
    expect(out.rejects).toEqual([
      { row: 3, field: null, rule: 'columns', value: 'Shoes,red, blue shoes', message: 'the row has 3 values where the header row has 2 columns: a term with a "," in it needs quotes around it. Correct the row in the file and run it again.' },
    ]);
  });

  it('a Windows-1252 CSV is refused in auto, naming the line and the setting, and read letter for letter when chosen', async () => {
    const file = path.join(tempDir(), 'ansi.csv');
    writeFileSync(file, Buffer.from('group,term\nBoulangeries,boulangerie Montr\xe9al\n', 'latin1'));
    const err = await failureOf(() => termGroups.records!(params(), { file: { path: file, name: 'ansi.csv' } }));
    expect(err).toMatchObject({ code: 'E_SHEET_ENCODING', message: '"ansi.csv" is not UTF-8 text: line 2 holds the byte 0xE9, which is not UTF-8 here (in Windows-1252 it is "é").' });
    expect(err.hint).toMatch(/the trigger's "Text encoding" setting/);
    const out = await termGroups.records!(params({ encoding: 'windows-1252' }), { file: { path: file, name: 'ansi.csv' } });
    const { records } = Array.isArray(out) ? { records: out } : out;
    expect(records.map((r) => r.term)).toEqual(['boulangerie Montréal']);
  });

  it('reads groups from an xlsx, and names the row of a repeated term', async () => {
    const file = await writeXlsx(path.join(tempDir(), 'terms.xlsx'), { Terms: [['group', 'term'], ['G', 'a'], ['G', 'b'], ['G', 'a']] });
    const out = await termGroups.records!(params(), { file: { path: file, name: 'terms.xlsx' } });
    if (Array.isArray(out)) throw new Error('expected rejects');
    expect(out.records.map((r) => r.term)).toEqual(['a', 'b']);
    expect(out.rejects).toEqual([{ row: 4, field: 'term', rule: 'duplicate', value: 'a', message: 'row 4: "a" is already in group "G".' }]);
  });

  it('says which column is missing from a sheet', async () => {
    const file = writeCsv(path.join(tempDir(), 'bad.csv'), 'Category,Term\nx,y\n');
    const err = await failureOf(() => termGroups.records!(params(), { file: { path: file, name: 'bad.csv' } }));
    expect(err).toMatchObject({ code: 'E_TERMS_COLUMNS' });
    expect(err.message).toContain('no "group" column');
  });

  it('passes the term on as the record', async () => {
    const result = await termGroups.run({ input: { term: 'x' } } as never);
    expect(result.emit).toEqual([{ port: 'out', data: { term: 'x' } }]);
  });
});
