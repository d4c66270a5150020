/**
 * How a committed step is written to the journal: its output once, never escaped twice.
 *
 * A commitStep op ('S', see ops.ts) holds its JSON columns as strings. Written with
 * `JSON.stringify(op)` (journal format 1), the step's output was escaped a second time, and written
 * twice more: inside the record's checkpoint (the next token's data is the data the step emitted)
 * and, for a record that finished, as the record's output. Format 2 writes the same op as an 's'
 * entry:
 *
 *   ["s", STEP, RECORD, state, rows, OUTPUT]
 *
 *   ["s", STEP, RECORD, state, rows, OUTPUT, CHECKPOINT]   (the checkpoint made around the data)
 *
 * STEP is the step's columns as in 'S' with null for the output, which comes after the others as a
 * JSON *value* (OUTPUT: the column's text as it is, not a string holding it); state and rows as in 'S'
 * (null when none). RECORD is the record update's columns as in 'S', except that its run and index
 * (0, 1) are null when they are the step's, and its checkpoint (3) and output (5) columns may be a
 * *template* `[before, after]`: the text is `before + D + after`, D being the JSON text of the data
 * the step emitted (its only emission). The output's copy is found as text (the record's output and
 * the step's are both `JSON.stringify` of the same data), so masked data dedupes too. A checkpoint made
 * around the data (`checkpointAround`, the usual case) is the number 1 in RECORD, and comes last as
 * a JSON value (CHECKPOINT) holding PLACEHOLDER where the data goes: written raw, its text is not
 * escaped into a string — which was half the cost of the entry's head (0.5–0.6 µs a step, measured on
 * the 10-step chain's entries). Entries written before (the checkpoint as a `[before, after]` template
 * of strings) replay as they were written.
 *
 * Replay turns an 's' entry back into the 'S' op it was written from, text for text: the output and
 * the checkpoint were written by `JSON.stringify`, whose text `JSON.stringify(JSON.parse(text))` gives
 * back unchanged, and D is the same `JSON.stringify` of the emitted data. Journals of format 1 ('S')
 * replay as before.
 * Measured on entries of the 10-step chain (a microbenchmark, interleaved): about 690 → 540 bytes,
 * made and UTF-8 encoded in 4.2–5.2 µs against 3.9–4.8 µs for `JSON.stringify(op)`; per step in all
 * (journal, snapshots, step segments) see docs/benchmarks.md.
 */
import type { Param } from './sql.ts';

/** Where the output column is in a step's params. */
const OUTPUT = 10;

/** A record column in an 's' entry: text, null, or [before, after] around the emitted data's JSON. */
type Cell = string | null | [string, string];

/** JSON texts of node ids and port names, made once each (a flow has few; the cache is bounded). */
const quotedNames = new Map<string, string>();

function quoted(name: string): string {
  let q = quotedNames.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (quotedNames.size < 4096) quotedNames.set(name, q);
  }
  return q;
}

/** The JSON text of the data of a step's only emission, cut from its output's JSON (null: no such). */
export function emittedData(output: unknown, outputJson: string): string | null {
  if (!Array.isArray(output) || output.length !== 1) return null;
  const e = output[0] as { port?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.port !== 'string') return null;
  const head = `[{"port":${quoted(e.port)},"data":`;
  if (!outputJson.startsWith(head) || !outputJson.endsWith('}]')) return null;
  return outputJson.slice(head.length, -2);
}

/** Stands for the emitted data in a checkpoint serialized around it (`checkpointAround`). */
const PLACEHOLDER = '\u0000emitted data\u0000';
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);
/** RECORD's checkpoint column when the checkpoint comes last in the entry, made around the data. */
const RAW_CHECKPOINT = 1;

/** A checkpoint's JSON text with PLACEHOLDER_JSON (once) at `at` where the emitted data's JSON goes. */
export interface CheckpointAround {
  text: string;
  at: number;
}

/** Where PLACEHOLDER_JSON is in `text` when it is there exactly once, else -1. */
function placeholderAt(text: string): number {
  const at = text.indexOf(PLACEHOLDER_JSON);
  return at >= 0 && text.indexOf(PLACEHOLDER_JSON, at + 1) < 0 ? at : -1;
}

/** The checkpoint's own text: `around` with the data's JSON in its place. */
export function checkpointText(around: CheckpointAround, data: string): string {
  return around.text.slice(0, around.at) + data + around.text.slice(around.at + PLACEHOLDER_JSON.length);
}

/**
 * A checkpoint's JSON text made around the data a step emitted, without serializing that data again
 * nor searching for it: the text with PLACEHOLDER_JSON where D goes, such that `checkpointText` is
 * `JSON.stringify(checkpoint)`, D being `JSON.stringify(data)`. Only when exactly one token carries `data` (the same object: the
 * next token of a chain) and nothing else in the text reads like the placeholder; null otherwise
 * (the caller then cuts the whole text, `cell`). The checkpoint's `JSON.stringify` was 3 % of the
 * 10-step chain's CPU, most of it the data, serialized a second time. Per step, against stringifying
 * it whole and searching for the data (a microbenchmark, 200,000 calls, three rounds): a record of 9
 * fields 1.1–1.3 → 0.9–1.0 µs, of 40 fields (1.3 KB) 3.4 → 0.9 µs — it no longer grows with the data.
 */
export function checkpointAround(checkpoint: unknown, data: unknown): CheckpointAround | null {
  const cp = checkpoint as { tokens?: unknown } | null;
  if (typeof data !== 'object' || data === null || typeof cp !== 'object' || cp === null || !Array.isArray(cp.tokens)) return null;
  const linear = linearCheckpoint(cp as LinearCheckpoint, data);
  if (linear) return linear;
  let hits = 0;
  const tokens = cp.tokens.map((t: { data?: unknown }) => {
    if (t === null || typeof t !== 'object' || t.data !== data) return t;
    hits++;
    return { ...t, data: PLACEHOLDER };
  });
  // None: a look-alike text elsewhere would be taken for the placeholder. Two: one emission to two steps.
  if (hits !== 1) return null;
  const text = JSON.stringify({ ...cp, tokens });
  const at = placeholderAt(text);
  return at < 0 ? null : { text, at };
}

/** The checkpoint of a record walking a straight path: one token, no fan-out, nothing ended yet. */
interface LinearCheckpoint {
  tokens: Array<{ id: unknown; nodeId: unknown; data: unknown; fromStep: unknown; groups: unknown[] }>;
  groups: unknown[];
  nextTokenId: unknown;
  nextGroupId: unknown;
  seq: unknown;
  outcomes: unknown[];
  inFlight?: unknown;
}

/** Keys of such a checkpoint and of its token, in the order the engine makes them (token-graph.ts). */
const LINEAR_KEYS = ['tokens', 'groups', 'nextTokenId', 'nextGroupId', 'seq', 'outcomes', 'inFlight'];
const LINEAR_TOKEN_KEYS = ['id', 'nodeId', 'data', 'fromStep', 'groups'];
/**
 * Whether `o`'s own keys are `keys` in that order (the last one may be absent when `lastOptional`);
 * a key whose value is undefined is left out, as JSON.stringify leaves it out (a checkpoint's
 * `entered` once its record's first step is committed).
 */
function keysAre(o: object, keys: readonly string[], lastOptional: boolean): boolean {
  let i = 0;
  for (const k in o) {
    if ((o as Record<string, unknown>)[k] === undefined) continue;
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length || (lastOptional && i === keys.length - 1);
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * `checkpointAround` for the checkpoint of nearly every step — a record on a straight path, one token
 * holding the data the step emitted, no group, nothing ended, nothing in flight — written from its
 * few numbers and node id, text for text what `JSON.stringify` makes (the keys checked in order,
 * integers written as JSON writes them); null for any other checkpoint. Serializing it was a quarter
 * of making a step's entry on the 10-step chain: 0.93–1.0 µs → 0.08–0.1 µs (a microbenchmark,
 * 300,000 checkpoints, three rounds).
 */
function linearCheckpoint(cp: LinearCheckpoint, data: object): CheckpointAround | null {
  const t = cp.tokens;
  if (t.length !== 1 || !Array.isArray(cp.groups) || cp.groups.length !== 0 || !Array.isArray(cp.outcomes) || cp.outcomes.length !== 0) return null;
  // Undefined, like an absent key, is left out of the text (as JSON.stringify leaves it out).
  if (cp.inFlight !== null && cp.inFlight !== undefined) return null;
  const k = t[0];
  if (typeof k !== 'object' || k === null || k.data !== data || typeof k.nodeId !== 'string' || !isInt(k.id) || !(k.fromStep === null || isInt(k.fromStep))) return null;
  if (!Array.isArray(k.groups) || k.groups.length !== 0 || !isInt(cp.nextTokenId) || !isInt(cp.nextGroupId) || !isInt(cp.seq)) return null;
  if (!keysAre(cp, LINEAR_KEYS, true) || !keysAre(k, LINEAR_TOKEN_KEYS, false)) return null;
  const head = `{"tokens":[{"id":${k.id},"nodeId":${quoted(k.nodeId)},"data":`;
  const tail = `,"fromStep":${k.fromStep},"groups":[]}],"groups":[],"nextTokenId":${cp.nextTokenId},"nextGroupId":${cp.nextGroupId},"seq":${cp.seq},"outcomes":[]${cp.inFlight === null ? ',"inFlight":null' : ''}}`;
  return { text: head + PLACEHOLDER_JSON + tail, at: head.length };
}

/** A record column as it goes in an 's' entry: a template when it holds the emitted data's JSON once. */
function cell(text: Param, data: string | null): Cell {
  if (typeof text !== 'string' || data === null || data.length < 16) return text as string | null;
  const at = text.indexOf(data);
  if (at < 0) return text;
  return [text.slice(0, at), text.slice(at + data.length)];
}

/**
 * The 's' entry of a commitStep op: `step` and `record` are its 'S' params (used for the entry's text
 * and left as they were), `data` the JSON text of the step's emitted data (`emittedData`). One
 * `JSON.stringify` of the columns, the output's JSON appended as it is.
 */
export function stepEntry(step: Param[], record: Param[], data: string | null, state: unknown, rows: unknown, around: CheckpointAround | null = null): string {
  const output = step[OUTPUT];
  const [runId, index, , checkpoint, , recordOutput] = record;
  // The record's run and index are the step's: null says so (they are never null otherwise).
  const same = runId === step[0] && index === step[1];
  step[OUTPUT] = null;
  if (same) record[0] = record[1] = null;
  // `around`: the checkpoint's text was made around the data (`checkpointAround`): it goes last, raw.
  (record as unknown[])[3] = around ? RAW_CHECKPOINT : cell(checkpoint, data);
  (record as unknown[])[5] = cell(recordOutput, data);
  const head = JSON.stringify(['s', step, record, state, rows]);
  step[OUTPUT] = output;
  record[0] = runId;
  record[1] = index;
  record[3] = checkpoint;
  record[5] = recordOutput;
  return around ? `${head.slice(0, -1)},${output as string},${around.text}]` : `${head.slice(0, -1)},${output as string}]`;
}

/**
 * The 'S' params of an 's' entry read back from the journal: step and record columns as text.
 * Throws on an entry without that shape (replay then refuses it as unreadable).
 */
export function fromStepEntry(step: unknown[], record: unknown[], outputValue: unknown, checkpointValue?: unknown): { step: Param[]; record: Param[] } {
  if (!Array.isArray(step) || !Array.isArray(record) || outputValue === undefined) throw new Error('a malformed step entry');
  const s = step.slice() as Param[];
  const output = JSON.stringify(outputValue);
  s[OUTPUT] = output;
  let data: string | null = null;
  const text = (c: unknown): Param => {
    if (!Array.isArray(c)) return c as Param;
    data ??= emittedData(outputValue, output);
    if (data === null || c.length !== 2) throw new Error('a step entry refers to data its step did not emit');
    return c[0] + data + c[1];
  };
  const r = record.slice() as Param[];
  if (r[0] === null && r[1] === null) {
    r[0] = s[0];
    r[1] = s[1];
  }
  if (record[3] === RAW_CHECKPOINT) {
    const cp = checkpointValue === undefined ? '' : JSON.stringify(checkpointValue);
    const at = placeholderAt(cp);
    data ??= emittedData(outputValue, output);
    if (at < 0 || data === null) throw new Error('a step entry whose checkpoint does not hold the data its step emitted once');
    r[3] = checkpointText({ text: cp, at }, data);
  } else r[3] = text(record[3]);
  r[5] = text(record[5]);
  return { step: s, record: r };
}
