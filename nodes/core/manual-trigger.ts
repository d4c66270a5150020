import Papa from 'papaparse';
import { parseJsonExact } from '../../server/contract/json-exact.ts';
import { z } from 'zod';
import { defineTrigger } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { RecordData, RunInput } from '../sdk/types.ts';

/** The most records one run can start with. */
export const MAX_RECORDS = 1_000_000;

const EXAMPLE_RECORDS = `[
  { "name": "Ada", "email": "ada@example.com" },
  { "name": "Grace", "email": "grace@example.com" }
]`;

const params = z.object({
  format: z
    .enum(['json', 'csv'])
    .default('json')
    .describe('How the records below are written: JSON (a list like [{"name": "Ada"}]) or CSV (a header row with the column names, then one line per record).')
    .meta({ title: 'Format' }),
  records: z
    .string()
    .default(EXAMPLE_RECORDS)
    .describe('The records to run the flow on, typed or pasted here. Used when a run is started without data of its own.')
    .meta({ title: 'Records', widget: 'textarea' }),
});

type Format = 'json' | 'csv';

export const manualTrigger = defineTrigger({
  type: 'core.manual-trigger',
  title: 'Manual trigger',
  category: 'Triggers',
  description: 'Starts the flow by hand with records you type, paste or upload (JSON or CSV).',
  icon: 'play',
  params,
  outputs: [{ id: 'out', label: 'Records' }],
  effect: 'none',
  records(p, input) {
    return buildRecords(p, input);
  },
});

/** The run's records: the run input wins over the trigger's own records. */
export function buildRecords(p: { format: Format; records: string }, input: RunInput | undefined): RecordData[] {
  if (input?.records !== undefined && input.records !== null) {
    return checkRecords(input.records, 'The run input');
  }
  if (typeof input?.text === 'string') {
    const format = input.format ?? p.format;
    return parseRecords(input.text, format, `The ${format.toUpperCase()} text given to the run`);
  }
  return parseRecords(p.records, p.format, `The ${p.format.toUpperCase()} text in the trigger's Records field`);
}

export function parseRecords(text: string, format: Format, what: string): RecordData[] {
  return format === 'csv' ? parseCsv(text, what) : parseJson(text, what);
}

function invalid(message: string, hint: string): NodeError {
  return new NodeError('E_INPUT_INVALID', message, hint);
}

const JSON_HINT = 'Write the records as a JSON list of objects, e.g. [{"name": "Ada"}, {"name": "Grace"}], or switch the format to CSV.';

function parseJson(text: string, what: string): RecordData[] {
  if (text.trim() === '') return [];
  let value: unknown;
  try {
    // Integers too long for a number (ids of 17+ digits) are kept as text, digit for digit.
    value = parseJsonExact(text).value;
  } catch (err) {
    throw invalid(`${what} is not valid JSON: ${describeJsonError(err, text)}.`, JSON_HINT);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return [value as RecordData];
  if (!Array.isArray(value)) {
    throw invalid(`${what} must be a list of records, but it is ${describeValue(value)}.`, JSON_HINT);
  }
  return checkRecords(value, what);
}

function checkRecords(value: unknown, what: string): RecordData[] {
  if (!Array.isArray(value)) {
    throw invalid(`${what} must be a list of records, but it is ${describeValue(value)}.`, JSON_HINT);
  }
  checkCount(value.length, what);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw invalid(
        `${what}: record ${i + 1} is ${describeValue(item)}, but each record must be an object with fields, like {"name": "Ada"}.`,
        'Put each record in curly braces with named fields; a lone value can become {"value": 42}.',
      );
    }
  }
  return value as RecordData[];
}

/** `count` may be a lower bound (`exact` false) when parsing stopped early. */
function checkCount(count: number, what: string, exact = true): void {
  if (count > MAX_RECORDS) {
    const size = exact ? count.toLocaleString('en-US') : `more than ${MAX_RECORDS.toLocaleString('en-US')}`;
    throw invalid(
      `${what} has ${size} records; one run can take at most ${MAX_RECORDS.toLocaleString('en-US')}.`,
      'Split the data into several files and start one run for each.',
    );
  }
}

const CSV_HINT = 'The first row must hold the column names, and every other row one value per column, separated by commas. Put values that contain commas in double quotes.';

function parseCsv(text: string, what: string): RecordData[] {
  const parsed = Papa.parse<string[]>(text, {
    header: false,
    skipEmptyLines: 'greedy',
    dynamicTyping: false,
    // header row + one more than the limit, so "too many" is detected without parsing everything
    preview: MAX_RECORDS + 2,
  });
  for (const error of parsed.errors) {
    if (error.type === 'Quotes') {
      const line = typeof error.index === 'number' ? text.slice(0, error.index).split('\n').length : undefined;
      throw invalid(
        `${what} is not valid CSV: a quoted value is never closed (a " is missing)${line ? ` near line ${line}` : ''}.`,
        CSV_HINT,
      );
    }
    // "UndetectableDelimiter" (a single column) is harmless: a comma is assumed.
  }
  const rows = parsed.data;
  if (rows.length === 0) return [];
  const header = rows[0].map((name) => name.trim());
  checkCount(rows.length - 1, what, false);

  const seen = new Map<string, number>();
  const dropped = new Set<number>();
  header.forEach((name, col) => {
    if (name === '') {
      // a trailing comma in the header: tolerated when the column is empty everywhere
      if (rows.every((row, r) => r === 0 || (row[col] ?? '') === '')) {
        dropped.add(col);
        return;
      }
      throw invalid(`${what}: column ${col + 1} of the header row has no name, but some rows have values in it.`, 'Give every column a name in the first row.');
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw invalid(`${what}: columns ${previous + 1} and ${col + 1} of the header row are both named "${name}".`, 'Give every column a different name in the first row.');
    }
    seen.set(name, col);
  });

  const records: RecordData[] = new Array(rows.length - 1);
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== header.length) {
      throw invalid(
        `${what}: record ${r} (row ${r + 1}, counting the header) has ${row.length} value${row.length === 1 ? '' : 's'}, but the header has ${header.length} columns.`,
        CSV_HINT,
      );
    }
    const record: RecordData = {};
    for (let c = 0; c < header.length; c++) {
      if (!dropped.has(c)) record[header[c]] = row[c];
    }
    records[r - 1] = record;
  }
  return records;
}

function describeJsonError(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /at position (\d+)/.exec(message);
  const position = match ? Number(match[1]) : -1;
  if (/unexpected end/i.test(message) || position >= text.trimEnd().length) {
    return 'the text ends too early (a closing ] or } or " may be missing)';
  }
  if (!match) return message;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const reason = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
  return `${reason} at line ${line}, column ${column}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the value ${value}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
