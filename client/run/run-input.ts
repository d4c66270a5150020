import type { RunInputBody } from '../api/types.ts';
import { parseJsonExact } from '../../server/contract/json-exact.ts';
import Papa from 'papaparse';

export type InputFormat = 'auto' | 'json' | 'csv';

/**
 * Turns what the person pasted into the run input: nothing (the trigger's own records), JSON
 * records (an array of objects, or one object), or CSV text for the server to parse.
 */
export function parseRunInput(text: string, format: InputFormat): { ok: true; input?: RunInputBody; count?: number } | { ok: false; error: string } {
  const t = text.trim();
  if (!t) return { ok: true };
  const kind = format === 'auto' ? (t.startsWith('[') || t.startsWith('{') ? 'json' : 'csv') : format;
  if (kind === 'csv') {
    // Rows as the server will parse them (core.manual-trigger): a quoted value may span lines.
    const rows = Papa.parse<string[]>(t, { header: false, skipEmptyLines: 'greedy', dynamicTyping: false }).data.length;
    if (rows < 2) return { ok: false, error: 'CSV needs a header line and at least one record line.' };
    return { ok: true, input: { text, format: 'csv' }, count: rows - 1 };
  }
  let value: unknown;
  try {
    // Whole numbers too long for a number (ids of 17+ digits) are sent as text, digit for digit.
    value = parseJsonExact(t).value;
  } catch (err) {
    return { ok: false, error: `This is not valid JSON: ${(err as Error).message}` };
  }
  const list = Array.isArray(value) ? value : [value];
  const bad = list.findIndex((r) => !r || typeof r !== 'object' || Array.isArray(r));
  if (bad !== -1) return { ok: false, error: `Record ${bad + 1} is not an object: each record must look like {"name": "value"}.` };
  return { ok: true, input: { records: list as RunInputBody['records'] }, count: list.length };
}
