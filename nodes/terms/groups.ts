import path from 'node:path';
import { z } from 'zod';
import { defineTrigger } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { Json, RecordData, RejectInfo, RunInput } from '../sdk/types.ts';
import { sheetKind, type SheetRow } from '../spreadsheet/lib/sheet-file.ts';
import { readCsv } from '../spreadsheet/lib/read-csv.ts';
import { readXlsx } from '../spreadsheet/lib/read-xlsx.ts';
import { readOds } from '../spreadsheet/lib/read-ods.ts';
import { TEXT_ENCODINGS, type TextEncodingChoice } from '../spreadsheet/lib/text-encoding.ts';

/** The most terms one run can hold (each term is a record). */
export const MAX_TERMS = 100_000;
/** The longest loop interval: a week. */
const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

const group = z.object({
  name: z.string().trim().min(1, 'Give the group a name.').max(200).describe('The group\'s name, e.g. "Bakeries in Lyon".').meta({ title: 'Group' }),
  terms: z
    .array(z.string().max(500))
    .default([])
    .describe('The search terms of this group, one per line, processed in this order.')
    .meta({ title: 'Search terms', widget: 'lines' }),
});

const params = z.object({
  groups: z
    .array(group)
    .default([
      { name: 'Bakeries', terms: ['bakery lyon', 'boulangerie lyon'] },
      { name: 'Florists', terms: ['florist lyon'] },
    ])
    .describe('Groups of search terms, processed term by term, group by group. A spreadsheet given to the run (columns "group" and "term") replaces them.')
    .meta({ title: 'Groups' }),
  intervalSeconds: z
    .number()
    .min(0)
    .max(MAX_INTERVAL_SECONDS)
    .default(0)
    .describe('Loop interval: seconds between the start of one term and the start of the next (0: one after the other). Kept across pauses and restarts.')
    .meta({ title: 'Loop interval (seconds)' }),
  groupField: z.string().trim().min(1).default('group').describe('Field of each record that holds its group\'s name.').meta({ title: 'Group field' }),
  termField: z.string().trim().min(1).default('term').describe('Field of each record that holds its search term.').meta({ title: 'Term field' }),
  encoding: z
    .enum(TEXT_ENCODINGS)
    .default('auto')
    .describe('The character encoding of a CSV given to the run. auto: UTF-8, or UTF-16 (told by the file itself); a file that is not UTF-8 is refused with the line where it is not. windows-1252: a CSV saved by Excel as "CSV (Comma delimited)" in Western Europe or the Americas. Not used for Excel or OpenDocument files.')
    .meta({ title: 'Text encoding' }),
});

type Params = z.infer<typeof params>;

export const termGroups = defineTrigger({
  type: 'terms.groups',
  title: 'Groups of search terms',
  category: 'Triggers',
  description: 'Runs the flow once per search term, term by term and group by group, at a set interval; the run panel shows progress per group and term.',
  icon: 'list-tree',
  params,
  outputs: [{ id: 'out', label: 'Terms' }],
  effect: 'none',
  acceptsFile: true,
  pacing: (p) => (p.intervalSeconds > 0 ? { intervalMs: Math.round(p.intervalSeconds * 1000) } : null),
  grouping: (p) => ({ groupField: p.groupField, itemField: p.termField }),
  async records(p, input, signal) {
    const groups = input?.file ? await groupsFromSheet(input.file, signal, p.encoding) : { groups: p.groups, rows: null, rejects: [] };
    const result = termRecords(p, groups.groups, groups.rows);
    return groups.rejects.length ? { ...result, rejects: [...groups.rejects, ...result.rejects].sort((a, b) => a.row - b.row) } : result;
  },
});

interface SheetGroups {
  groups: Array<{ name: string; terms: string[] }>;
  /** Sheet row of each term, per group (for rejects). */
  rows: number[][] | null;
  /** CSV rows whose values cannot be matched to the header's columns (see SheetMapper.csv). */
  rejects: RejectInfo[];
}

/** One record per term, in order; empty and repeated terms of a group are rejected, with where they are. */
export function termRecords(p: Params, groups: Array<{ name: string; terms: string[] }>, rows: number[][] | null = null): { records: RecordData[]; rejects: RejectInfo[] } {
  const records: RecordData[] = [];
  const rejects: RejectInfo[] = [];
  groups.forEach((g, gi) => {
    const seen = new Set<string>();
    const kept: string[] = [];
    g.terms.forEach((raw, ti) => {
      const term = raw.trim();
      const row = rows?.[gi]?.[ti] ?? ti + 1;
      const where = rows ? `row ${row}` : `term ${ti + 1} of group "${g.name}"`;
      if (!term) {
        rejects.push({ row, field: p.termField, rule: 'required', value: raw, message: `${where} is empty.` });
        return;
      }
      if (seen.has(term.toLowerCase())) {
        rejects.push({ row, field: p.termField, rule: 'duplicate', value: term, message: `${where}: "${term}" is already in group "${g.name}".` });
        return;
      }
      seen.add(term.toLowerCase());
      kept.push(term);
    });
    kept.forEach((term, ti) => {
      records.push({ [p.groupField]: g.name, [p.termField]: term, groupIndex: gi + 1, termIndex: ti + 1, termsInGroup: kept.length });
    });
  });
  if (records.length > MAX_TERMS) {
    throw new NodeError('E_TERMS_TOO_MANY', `There are ${records.length} search terms; one run takes at most ${MAX_TERMS}.`, 'Split the groups over several flows or runs.');
  }
  if (records.length === 0) {
    throw new NodeError('E_TERMS_EMPTY', 'There is no search term to process.', 'Add terms to a group in the trigger\'s form, or give the run a spreadsheet with the columns "group" and "term".');
  }
  return { records, rejects };
}

/**
 * Reads groups from a spreadsheet: a header row with "group" and "term" columns (any case), one term
 * per row; an empty group cell keeps the group of the row above (merged cells, grouped lists).
 */
export async function groupsFromSheet(file: NonNullable<RunInput['file']>, signal?: AbortSignal, encoding: TextEncodingChoice = 'auto'): Promise<SheetGroups> {
  const shown = file.name || path.basename(file.path);
  const kind = await sheetKind(file);
  let header: { group: number; term: number } | null = null;
  let headerError: NodeError | null = null;
  const groups: SheetGroups['groups'] = [];
  const rows: number[][] = [];
  let current: number | null = null;
  const rejects: RejectInfo[] = [];
  let separator: string | null = null;
  let headerWidth = 0;
  const onRow = (r: SheetRow) => {
    if (headerError) return;
    const cells = r.values.map(text);
    if (header && separator !== null && cells.slice(headerWidth).some((c) => c.trim() !== '')) {
      // A value holding the separator without quotes ("red, shoes"): the term would be cut there.
      rejects.push({
        row: r.row,
        field: null,
        rule: 'columns',
        value: cells.join(separator).slice(0, 200),
        message: `the row has ${cells.length} values where the header row has ${headerWidth} columns: a term with a "${separator === '\t' ? 'tab' : separator}" in it needs quotes around it. Correct the row in the file and run it again.`,
      });
      return;
    }
    if (!header) {
      headerWidth = cells.length;
      const find = (name: string) => cells.findIndex((c) => c.trim().toLowerCase() === name);
      header = { group: find('group'), term: find('term') };
      if (header.group < 0 || header.term < 0) {
        headerError = new NodeError('E_TERMS_COLUMNS', `"${shown}" has no "${header.group < 0 ? 'group' : 'term'}" column in its first row (found: ${cells.filter(Boolean).join(', ') || 'nothing'}).`, 'Put the headers "group" and "term" in the first row, one search term per row below.');
      }
      return;
    }
    const name = (cells[header.group] ?? '').trim();
    const term = cells[header.term] ?? '';
    if (!name && !term.trim()) return;
    if (name) {
      const found = groups.findIndex((g) => g.name === name);
      current = found >= 0 ? found : groups.push({ name, terms: [] }) - 1;
      if (found < 0) rows.push([]);
    }
    if (current === null) {
      headerError = new NodeError('E_TERMS_COLUMNS', `Row ${r.row} of "${shown}" has a term but no group, and no row above names one.`, 'Fill in the group of the first term.');
      return;
    }
    groups[current].terms.push(term);
    rows[current].push(r.row);
  };
  if (kind === 'xlsx') await readXlsx(file.path, shown, '', onRow, signal);
  else if (kind === 'ods') await readOds(file.path, shown, '', onRow, signal);
  else await readCsv(file.path, shown, onRow, signal, {
      separator: 'auto',
      headerRow: 1,
      encoding,
      encodingSetting: `the trigger's "Text encoding" setting`,
      onSeparator: (sep) => (separator = sep),
    });
  if (headerError) throw headerError;
  if (!header) throw new NodeError('E_TERMS_COLUMNS', `"${shown}" has no rows.`, 'Put the headers "group" and "term" in the first row, one search term per row below.');
  return { groups, rows, rejects };
}

function text(value: Json | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}
