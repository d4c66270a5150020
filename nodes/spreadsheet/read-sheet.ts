import path from 'node:path';
import { z } from 'zod';
import { defineTrigger } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { RunInput } from '../sdk/types.ts';
import { MAX_RECORDS } from '../core/manual-trigger.ts';
import { patternError } from './lib/row-rules.ts';
import { readCsv } from './lib/read-csv.ts';
import { readXlsx } from './lib/read-xlsx.ts';
import { readOds } from './lib/read-ods.ts';
import { sheetLimits, type SheetLimits } from './lib/limits.ts';
import { readInWorker } from './lib/read-pool.ts';
import { MAX_CELL_CHARS, SheetMapper, type SheetRecords } from './lib/sheet-mapping.ts';
import { sheetKind } from './lib/sheet-file.ts';
import { TEXT_ENCODINGS } from './lib/text-encoding.ts';

const column = z.object({
  field: z
    .string()
    .trim()
    .min(1, 'Give the field a name, e.g. email.')
    .describe('The name of the field in each record, used by the next steps, e.g. email or first_name.')
    .meta({ title: 'Field' }),
  column: z
    .string()
    .default('')
    .describe('The column title in the first row of the file, e.g. "E-mail address". Leave empty when it is the same as the field name (capitals, spaces and _ do not matter).')
    .meta({ title: 'Column in the file' }),
  required: z
    .boolean()
    .default(false)
    .describe('When on, a row whose cell is empty is rejected before the run.')
    .meta({ title: 'Required' }),
  trim: z
    .boolean()
    .default(true)
    .describe('Removes spaces at the start and the end of the value.')
    .meta({ title: 'Trim spaces' }),
  letterCase: z
    .enum(['keep', 'lower', 'upper'])
    .default('keep')
    .describe('keep: as in the file. lower: ada@example.com. upper: ADA@EXAMPLE.COM.')
    .meta({ title: 'Letter case' }),
  mustBe: z
    .enum(['anything', 'email', 'number', 'date'])
    .default('anything')
    .describe('Rejects rows whose value is not of this kind. email: an email address. number: a number (text like 12.5 becomes a number). date: a date cell or a text written YYYY-MM-DD. Empty cells are only refused when Required is on.')
    .meta({ title: 'Must be' }),
  pattern: z
    .string()
    .default('')
    .describe('Optional. A regular expression the whole value must match, e.g. [0-9]{5} for a 5-digit postcode. Rows that do not match are rejected.')
    .meta({ title: 'Pattern', syntax: 'regex' }),
  maxLength: z
    .number()
    .int()
    .min(1)
    .max(MAX_CELL_CHARS)
    .optional()
    .describe('Optional. The most characters the value may have (after trimming), e.g. 50 when the site refuses longer names. Longer values reject the row.')
    .meta({ title: 'Maximum length' }),
});

const params = z
  .object({
    sheet: z
      .string()
      .default('')
      .describe('The name of the sheet (tab) to read in an Excel file. Leave empty to read the first sheet. Not used for CSV files.')
      .meta({ title: 'Sheet' }),
    headerRow: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .describe('The row that holds the column titles, usually 1. Rows above it are ignored, the records start below it.')
      .meta({ title: 'Header row' }),
    separator: z
      .enum(['auto', 'comma', 'semicolon', 'tab', 'pipe'])
      .default('auto')
      .describe('How the values of a CSV file are separated. auto: found from the header row and the rows below it. comma: a,b. semicolon: a;b (European Excel). tab, pipe (a|b). Not used for Excel files.')
      .meta({ title: 'CSV separator' }),
    encoding: z
      .enum(TEXT_ENCODINGS)
      .default('auto')
      .describe(
        'The character encoding of a CSV file. auto: UTF-8, or UTF-16 (told by the file itself); a file that is not UTF-8 is refused with the line where it is not, never read with wrong letters. windows-1252: a CSV saved by Excel as "CSV (Comma delimited)" in Western Europe or the Americas (windows-1250: Central Europe, windows-1251: Cyrillic, macintosh: old Mac Excel). Not used for Excel files.',
      )
      .meta({ title: 'Text encoding' }),
    columns: z
      .array(column)
      .default([])
      .describe('Which columns to read, the field each one goes to, and the checks each value must pass. Leave the list empty to take every column, each as a field named after its title.')
      .meta({ title: 'Columns' }),
    keepUnmappedColumns: z
      .boolean()
      .default(false)
      .describe('When on, the columns not listed above are kept too, as fields named after their titles (without checks). When off, records hold only the listed fields.')
      .meta({ title: 'Keep other columns' }),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.columns.forEach((c, i) => {
      if (seen.has(c.field)) {
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'field'], message: `The field "${c.field}" is listed twice: give each column its own field name.` });
      }
      seen.add(c.field);
      const bad = c.pattern ? patternError(c.pattern) : null;
      if (bad) ctx.addIssue({ code: 'custom', path: ['columns', i, 'pattern'], message: `The pattern of "${c.field}" is not a valid regular expression (${bad}).` });
    });
  });

export type ReadSheetParams = z.infer<typeof params>;

export const SHEET_TRIGGER_TYPE = 'sheet.read';

export const readSheet = defineTrigger({
  type: SHEET_TRIGGER_TYPE,
  title: 'Spreadsheet',
  category: 'Triggers',
  description: 'Starts the flow with the rows of an Excel (.xlsx), OpenDocument (.ods) or CSV file chosen when the run starts. Maps columns to fields and rejects rows that break the rules before anything runs.',
  icon: 'sheet',
  params,
  outputs: [{ id: 'out', label: 'Rows' }],
  effect: 'none',
  acceptsFile: true,
  records(p, input, signal) {
    return readSheetRecords(p, input, signal);
  },
});

/**
 * Reads the run's file (input.file) into records, rejects and each record's sheet row, streaming it
 * row by row — in a worker thread with a bounded heap, at most a few at once (lib/read-pool.ts), and
 * within the limits of lib/limits.ts (environment variables; `options.limits` overrides them).
 */
export async function readSheetRecords(p: ReadSheetParams, input: RunInput | undefined, signal?: AbortSignal, options: { limits?: Partial<SheetLimits> } = {}): Promise<SheetRecords> {
  const file = input?.file;
  if (!file?.path) {
    throw new NodeError(
      'E_SHEET_NO_FILE',
      'This flow starts with a Spreadsheet trigger, but no file was given to the run.',
      'In the run dialog choose "Spreadsheet file" and pick an .xlsx, .ods or .csv file; on the command line use --input people.xlsx.',
    );
  }
  const limits = sheetLimits(options.limits);
  return readInWorker({ params: p, file: { path: path.resolve(file.path), name: file.name || path.basename(file.path) }, limits }, signal);
}

/** The reading itself, on the current thread: what a reader worker runs (read-worker.ts). */
export async function readSheetInThread(p: ReadSheetParams, file: { path: string; name?: string }, limits: SheetLimits, signal?: AbortSignal): Promise<SheetRecords> {
  const shown = file.name || path.basename(file.path);
  const kind = await sheetKind(file);
  const mapper = new SheetMapper(shown, {
    headerRow: p.headerRow,
    columns: p.columns,
    keepUnmappedColumns: p.keepUnmappedColumns,
    maxRecords: MAX_RECORDS,
  });
  const onRow = mapper.push.bind(mapper);
  if (kind === 'xlsx') return mapper.finish(await readXlsx(file.path, shown, p.sheet, onRow, signal, limits));
  if (kind === 'ods') return mapper.finish(await readOds(file.path, shown, p.sheet, onRow, signal, limits));
  await readCsv(file.path, shown, onRow, signal, { separator: p.separator, headerRow: p.headerRow, encoding: p.encoding, encodingSetting: `the Spreadsheet step's "Text encoding" setting`, onSeparator: (sep) => mapper.csv(sep) });
  return mapper.finish();
}
