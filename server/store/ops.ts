/**
 * Write operations: what a journal entry holds and how it is applied to the database.
 *
 * An op is a small JSON array of SQL parameters (JSON columns already stringified, once), so the same
 * op is applied live after its fsync and again, identically, when the journal is replayed.
 * Applying is deterministic: an op that fails (a constraint) fails the same way on replay.
 */
import type { FlowDocument } from '../contract/flow/schema.ts';
import type { RecordData } from '../../nodes/sdk/types.ts';
import type { CreateRunExtras, LogRow, NodeStateWrite, RecordUpdate, RunPatch, RunRow, StepRow } from './types.ts';
import type { ApplyOutcome, JournalEntry } from './journal.ts';
import { TransactionLost, type Param, type Sql } from './sql.ts';
import { ConveyorError } from '../errors.ts';
import { applyAudit, applyDeleteRun, type AuditOp, type DeleteRunOp } from './retention.ts';
import { applyArchive, archiveRefOf, restoreRun, type ArchiveOp } from './archive/apply.ts';
import { applySpill, SQL_SPILL_DELETE, SQL_SPILL_STEPS_IN, SQL_SPILL_STEPS_OF, type SpillOp } from './archive/spill.ts';
import type { SqlValue } from 'sql.js';
import { checkpointAround, checkpointText, emittedData, fromStepEntry, stepEntry } from './step-frame.ts';
import { keptByReference } from './output-ref.ts';

export type Op =
  /** putFlow: id, name, doc JSON, time. */
  | ['F', string, string, string, string]
  /** deleteFlow: id. */
  | ['D', string]
  /**
   * createRun: run columns, then each record's data JSON; with extras (absent in older journals and
   * when none are given): each record's business key, the settled records [index, status, reason],
   * the rejects [row, field, rule, value JSON, message], and each record's file row (absent when none).
   */
  | ['R', Param[], string[], (Array<string | null> | null)?, (Array<[number, string, string]> | null)?, (Param[][] | null)?, (Array<number | null> | null)?]
  /** updateRun: id, then (set?, value) pairs. */
  | ['U', Param[]]
  /**
   * commitStep: step columns, record update, the node state the step wrote (absent or null when none),
   * and the checkpoint rows that changed (absent when the checkpoint is whole: see RecordUpdate.tokenRows).
   */
  | ['S', Param[], Param[], (StateParams | null)?, RowParams?]
  /** commitStep as journal format 2 writes it (step-frame.ts): read back from the journal only. */
  | ['s', unknown[], unknown[], StateParams | null, RowParams | null, unknown, unknown?]
  /** putNodeState: state writes; clearNodeState: scope, node id. */
  | ['N', StateParams]
  | ['X', string, string]
  /** updateRecord, with the checkpoint rows that changed (absent when the checkpoint is whole). */
  | ['C', Param[], RowParams?]
  /** appendLogs: log columns per line. */
  | ['L', Param[][]]
  /** deleteRun (retention.ts): run id, force, audit row; appendAudit: an audit row. */
  | DeleteRunOp
  | AuditOp
  /** archiveRun (archive/apply.ts): run id, the run's touched_seq when read, the archive reference. */
  | ArchiveOp
  /** spillSteps (archive/spill.ts): run id, where each finished record's steps went. */
  | SpillOp;

const TERMINAL_STATUSES = new Set(['success', 'failed', 'needs_review', 'skipped']);

/** Runs an op writes to (their touched_seq moves; an archived one is restored first). */
export function runsWrittenBy(op: Op): string[] {
  switch (op[0]) {
    case 'S':
    case 's':
      return [op[1][0] as string];
    case 'C':
    case 'U':
      return [op[1][0] as string];
    case 'L': {
      const ids: string[] = [];
      for (const row of op[1]) if (!ids.includes(row[0] as string)) ids.push(row[0] as string);
      return ids;
    }
    default:
      return [];
  }
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const finite = (n: number): number => (Number.isFinite(n) ? n : 0);
const flag = (value: unknown): 0 | 1 => (value === undefined ? 0 : 1);

export function putFlowOp(doc: FlowDocument, at: string): Op {
  return ['F', doc.id, doc.name, JSON.stringify(doc), at];
}

export function deleteFlowOp(id: string): Op {
  return ['D', id];
}

export function createRunOp(run: RunRow, records: RecordData[], extras: CreateRunExtras = {}): Op {
  const cols: Param[] = [
    run.id,
    run.flowId,
    run.flowName,
    JSON.stringify(run.flow),
    run.status,
    JSON.stringify(run.settings),
    run.recordCount,
    json(run.reason),
    run.createdAt,
    run.startedAt ?? null,
    run.endedAt ?? null,
  ];
  const data = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) data[i] = JSON.stringify(records[i] ?? {});
  const keys = extras.keys && extras.keys.some((k) => k !== null && k !== undefined) ? extras.keys.slice(0, records.length).map((k) => k ?? null) : null;
  const settled = extras.settled && extras.settled.length > 0 ? extras.settled.map((s): [number, string, string] => [s.index, s.status, s.reason ?? '']) : null;
  const rejects =
    extras.rejects && extras.rejects.length > 0
      ? extras.rejects.map((r): Param[] => [finite(r.row), r.field ?? null, r.rule, json(r.value), r.message])
      : null;
  const rows = extras.rows && extras.rows.some((r) => typeof r === 'number') ? extras.rows.slice(0, records.length).map((r) => (typeof r === 'number' && Number.isFinite(r) ? r : null)) : null;
  if (keys === null && settled === null && rejects === null && rows === null) return ['R', cols, data];
  if (rows === null) return ['R', cols, data, keys, settled, rejects];
  return ['R', cols, data, keys, settled, rejects, rows];
}

export function updateRunOp(id: string, p: RunPatch): Op {
  const params: Param[] = [id, flag(p.status), p.status ?? null, flag(p.reason), json(p.reason), flag(p.startedAt), p.startedAt ?? null, flag(p.endedAt), p.endedAt ?? null];
  // The halts only when given: entries without them are as before (and replay as before).
  if (p.halts !== undefined) params.push(1, JSON.stringify(p.halts));
  return ['U', params];
}

/** Length of an updateRun's params with the halts (`updateRunOp`); entries without them are shorter. */
const RUN_UPDATE_LENGTH = 11;

/** Optional record fields, in the order of their bits in the update's mask. */
const RECORD_OPTIONAL_COLUMNS = ['output', 'error', 'reason', 'started_at', 'ended_at'] as const;

/**
 * runId, index, status, checkpoint JSON, mask of the optional fields given, then the 5 optional fields;
 * then, only when the update carries an audit event: at, from, to, actor, action, note, data JSON.
 */
function recordUpdateParams(u: RecordUpdate, output: string | null = json(u.output), checkpoint: string | null = checkpointJson(u)): Param[] {
  const mask =
    (u.output !== undefined ? 1 : 0) |
    (u.error !== undefined ? 2 : 0) |
    (u.reason !== undefined ? 4 : 0) |
    (u.startedAt !== undefined ? 8 : 0) |
    (u.endedAt !== undefined ? 16 : 0);
  const params: Param[] = [
    u.runId,
    u.index,
    u.status,
    checkpoint,
    mask,
    output,
    json(u.error),
    u.reason ?? null,
    u.startedAt ?? null,
    u.endedAt ?? null,
  ];
  const e = u.event;
  if (e) params.push(e.at, e.from ?? null, e.to ?? null, e.actor, e.action, e.note ?? null, json(e.data));
  if (u.entered !== undefined || u.sentToReview) {
    // After the event's columns (null when none): updates written before `entered` replay as they were.
    if (!e) params.push(null, null, null, null, null, null, null);
    params.push(u.entered ?? null);
    // Then 1 when the step sent its record to review (RecordUpdate.sentToReview), likewise.
    if (u.sentToReview) params.push(1);
  }
  return params;
}

/** Length of a record update's params without an event (see `recordUpdateParams`). */
const RECORD_UPDATE_LENGTH = 10;
/** Where a record update's `entered` is (see `recordUpdateParams`). */
const ENTERED_AT = 17;
/** Where a record update's `sentToReview` is (1; see `recordUpdateParams`). */
const SENT_TO_REVIEW_AT = 18;

/** Checkpoint rows: [kind, id, order, value JSON] put, [kind, id] dropped. */
type RowParams = [Array<[string, number, number, string]>, Array<[string, number]>];

function rowParams(rows: NonNullable<RecordUpdate['tokenRows']>): RowParams {
  return [rows.put.map(([kind, id, ord, value]) => [kind, id, ord, JSON.stringify(value)]), rows.drop.map(([kind, id]) => [kind, id])];
}

/** The header of a checkpoint kept as rows says so, for reading it back (`tokenRows`). */
function checkpointJson(u: RecordUpdate): string | null {
  if (!u.tokenRows || !u.checkpoint) return json(u.checkpoint);
  return JSON.stringify({ ...u.checkpoint, tokenRows: true });
}

/** [scope, node id, key, value JSON or null to delete] per write. */
type StateParams = Array<[string, string, string, string | null]>;

function stateParams(writes: NodeStateWrite[]): StateParams {
  return writes.map((w) => [w.scope, w.nodeId, w.key, json(w.value)]);
}

export function putNodeStateOp(writes: NodeStateWrite[]): Op {
  return ['N', stateParams(writes)];
}

export function clearNodeStateOp(scope: string, nodeId: string): Op {
  return ['X', scope, nodeId];
}

/** Where an op keeps the journal entry made with it (commitStep: step-frame.ts). */
const ENTRY = Symbol('journal entry');

/** The journal entry (frame payload) of an op. */
export function encodeOp(op: Op): string {
  return (op as Op & { [ENTRY]?: string })[ENTRY] ?? JSON.stringify(op);
}

export function commitStepOp(s: StepRow, record: RecordUpdate, state?: NodeStateWrite[]): Op {
  const output = JSON.stringify(s.output ?? []);
  // The emitted data's JSON, cut from the output's: the finished record's output is that same text.
  const data = emittedData(s.output, output);
  const only = Array.isArray(s.output) && s.output.length === 1 ? s.output[0].data : undefined;
  // The checkpoint's text made around the emitted data (its JSON is `data`), when it holds it once.
  const around = data !== null && !record.tokenRows ? checkpointAround(record.checkpoint, only) : null;
  const rec = recordUpdateParams(
    record,
    data !== null && record.output !== undefined && record.output === only ? data : json(record.output),
    around ? checkpointText(around, data!) : checkpointJson(record),
  );
  const step: Param[] = [
    s.runId,
    s.recordIndex,
    s.seq,
    s.tokenId,
    s.nodeId,
    s.nodeType,
    s.attempt,
    s.status,
    json(s.input),
    s.inputFrom ?? null,
    output,
    json(s.error),
    // Most steps keep no evidence: the same text without serializing an empty array each time.
    s.evidence && s.evidence.length > 0 ? JSON.stringify(s.evidence) : '[]',
    s.startedAt,
    s.endedAt,
    finite(s.durationMs),
  ];
  const st = state && state.length > 0 ? stateParams(state) : null;
  const rows = record.tokenRows ? rowParams(record.tokenRows) : null;
  const entry = stepEntry(step, rec, data, st, rows, around);
  const op: Op = rows ? ['S', step, rec, st, rows] : st ? ['S', step, rec, st] : ['S', step, rec];
  (op as Op & { [ENTRY]?: string })[ENTRY] = entry;
  return op;
}

export function updateRecordOp(u: RecordUpdate): Op {
  if (u.tokenRows) return ['C', recordUpdateParams(u), rowParams(u.tokenRows)];
  return ['C', recordUpdateParams(u)];
}

export function appendLogsOp(rows: LogRow[]): Op {
  return [
    'L',
    rows.map((r) => [r.runId, r.recordIndex ?? null, r.nodeId ?? null, r.level, r.message, json(r.data), r.at]),
  ];
}

const SQL_PUT_FLOW = `INSERT INTO flows (id, name, doc, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, updated_at = excluded.updated_at`;
const SQL_FLOW_CREATED = 'SELECT created_at FROM flows WHERE id = ?';
const SQL_DELETE_FLOW = 'DELETE FROM flows WHERE id = ?';
const SQL_RUN_KEY = 'SELECT key FROM runs WHERE id = ?';
const SQL_INSERT_RUN = `INSERT INTO runs (id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_LAST_ROWID = 'SELECT last_insert_rowid()';
const SQL_INSERT_RECORD = `INSERT INTO records (run_key, idx, status, data, key, source_row) VALUES (?1, ?2, 'pending', CAST(?3 AS TEXT), ?4, ?5)`;
const SQL_INSERT_SETTLED_RECORD = `INSERT INTO records (run_key, idx, status, data, key, reason, started_at, ended_at, source_row)
  VALUES (?1, ?2, ?5, CAST(?3 AS TEXT), ?4, ?6, ?7, ?7, ?8)`;
const SQL_INSERT_REJECT = `INSERT INTO rejects (run_key, row, field, rule, value, message) VALUES (?, ?, ?, ?, ?, ?)`;
const SQL_INSERT_EVENT = `INSERT INTO record_events (run_key, record_idx, at, from_status, to_status, actor, action, note, data)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_UPDATE_RUN = `UPDATE runs SET
  status = CASE WHEN ?2 THEN ?3 ELSE status END,
  reason = CASE WHEN ?4 THEN ?5 ELSE reason END,
  started_at = CASE WHEN ?6 THEN ?7 ELSE started_at END,
  ended_at = CASE WHEN ?8 THEN ?9 ELSE ended_at END,
  halts = CASE WHEN ?10 THEN ?11 ELSE halts END
  WHERE id = ?1`;
const SQL_INSERT_STEP = `INSERT INTO steps (run_key, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from,
  output, error, evidence, started_at, ended_at, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CAST(?9 AS TEXT), ?10,
  CAST(?11 AS TEXT), CAST(?12 AS TEXT), CAST(?13 AS TEXT), CAST(?14 AS TEXT), CAST(?15 AS TEXT), ?16)`;
const SQL_ADD_STEP_COUNTS = `INSERT INTO step_counts (run_key, node_id, success, failed, review) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (run_key, node_id) DO UPDATE SET success = success + excluded.success, failed = failed + excluded.failed, review = review + excluded.review`;
const SQL_PUT_STATE = `INSERT INTO node_state (scope, node_id, key, value) VALUES (?, ?, ?, ?)
  ON CONFLICT (scope, node_id, key) DO UPDATE SET value = excluded.value`;
const SQL_DELETE_STATE = 'DELETE FROM node_state WHERE scope = ? AND node_id = ? AND key = ?';
const SQL_CLEAR_STATE = 'DELETE FROM node_state WHERE scope = ? AND node_id = ?';
const SQL_PUT_ROW = `INSERT INTO record_tokens (run_key, record_idx, kind, id, ord, value) VALUES (?1, ?2, ?3, ?4, ?5, CAST(?6 AS TEXT))
  ON CONFLICT (run_key, record_idx, kind, id) DO UPDATE SET ord = excluded.ord, value = excluded.value`;
const SQL_DROP_ROW = 'DELETE FROM record_tokens WHERE run_key = ? AND record_idx = ? AND kind = ? AND id = ?';
const SQL_DROP_ROWS = 'DELETE FROM record_tokens WHERE run_key = ? AND record_idx = ?';
const SQL_TOUCH_RUN = 'UPDATE runs SET touched_seq = ? WHERE key = ?';
const SQL_RECORD_RANGE = 'SELECT count(*), max(idx) FROM records WHERE run_key = ?';
const SQL_STEP_SEQS = 'SELECT seq FROM steps WHERE run_key = ? AND record_idx = ? /* held steps */';
const SQL_STEP_ROW_RECORDS = 'SELECT DISTINCT record_idx FROM steps WHERE run_key = ? /* held steps */';
/** A statement that reads or writes the steps table (held steps are inserted before it runs). */
const TOUCHES_STEPS = /\bsteps\b/i;
const SQL_INSERT_LOG = `INSERT INTO logs (run_key, record_idx, node_id, level, message, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)`;

/**
 * One UPDATE per combination of optional fields: only the columns that change are written. Setting the
 * error also sets `error_code` (bound right after the error), what the review queue filters on. A step
 * commit whose output is kept by reference to its step (output-ref.ts) empties the output column: its
 * variant binds the step's seq after the other parameters (the output's own is bound null, unread).
 */
function recordUpdate(mask: number, byRef: boolean): string {
  let sql = 'UPDATE records SET status = ?3, checkpoint = CAST(?4 AS TEXT)';
  let n = 5;
  const last = 5 + RECORD_OPTIONAL_COLUMNS.length + 1;
  RECORD_OPTIONAL_COLUMNS.forEach((col, bit) => {
    if (mask & (1 << bit)) {
      const value = `CAST(?${n++} AS TEXT)`;
      if (col === 'output') sql += byRef ? `, output = NULL, output_step = ?${last + 1}` : `, output = ${value}, output_step = 0`;
      else sql += `, ${col} = ${value}`;
      if (col === 'error') sql += `, error_code = ?${n++}`;
    }
  });
  return `${sql} WHERE run_key = ?1 AND idx = ?2`;
}
const recordUpdateSql: string[] = Array.from({ length: 1 << RECORD_OPTIONAL_COLUMNS.length }, (_, mask) => recordUpdate(mask, false));
const recordByRefUpdateSql: string[] = Array.from({ length: 1 << RECORD_OPTIONAL_COLUMNS.length }, (_, mask) => recordUpdate(mask, true));
/** Where the step's seq is bound in `recordByRefUpdateSql` (after every optional field and the error code). */
const STEP_PARAMS_AT = 5 + RECORD_OPTIONAL_COLUMNS.length + 1;

/**
 * Statements that neither read nor write a held-back record row (Applier.deferred): a step's insert,
 * a record's own update (its held-back one merged into it), its audit event and checkpoint rows, node
 * state, log lines, the batch's counters and the reads and deletes of steps. Any other statement
 * writes the held-back rows first.
 */
const RECORD_UPDATE_EXEMPT: ReadonlySet<string> = new Set([
  SQL_INSERT_STEP,
  ...recordUpdateSql,
  ...recordByRefUpdateSql,
  SQL_INSERT_EVENT,
  SQL_PUT_ROW,
  SQL_DROP_ROW,
  SQL_DROP_ROWS,
  SQL_PUT_STATE,
  SQL_DELETE_STATE,
  SQL_INSERT_LOG,
  SQL_ADD_STEP_COUNTS,
  SQL_TOUCH_RUN,
  SQL_STEP_SEQS,
  SQL_STEP_ROW_RECORDS,
  SQL_RECORD_RANGE,
  SQL_SPILL_STEPS_OF,
  SQL_SPILL_STEPS_IN,
  SQL_SPILL_DELETE,
]);

/**
 * Statements naming the steps table that do not need the held steps inserted first (Applier.heldSteps):
 * the insert itself, the look-up of a record's seqs (the held ones are added to it), the spill's reads
 * (it adds the held steps itself) and the spill's delete (the spilled held steps are dropped before).
 */
const HELD_STEPS_EXEMPT: ReadonlySet<string> = new Set([SQL_INSERT_STEP, SQL_STEP_SEQS, SQL_STEP_ROW_RECORDS, SQL_SPILL_STEPS_OF, SQL_SPILL_STEPS_IN, SQL_SPILL_DELETE]);

/** The code of an error JSON (null for no error). */
function errorCode(errorJson: Param): string | null {
  if (typeof errorJson !== 'string') return null;
  try {
    const code = (JSON.parse(errorJson) as { code?: unknown } | null)?.code;
    return code === undefined || code === null ? null : String(code);
  } catch {
    return null;
  }
}

function writeError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`The store refused the write: ${message}`, { cause: err });
}

/**
 * Long text parameters are handed to sql.js as UTF-8 bytes (encoded natively into one scratch buffer)
 * and turned back into TEXT by `CAST(? AS TEXT)` in the SQL: sql.js would otherwise encode each string
 * with a JavaScript loop, a large share of a commit's cost. Short or empty strings are bound as they are.
 */
class TextBytes {
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private off = 0;

  /** Starts a new statement's parameters (sql.js copies bound bytes, so the scratch can be reused). */
  reset(): this {
    this.off = 0;
    return this;
  }

  of(value: Param): Param | Uint8Array {
    if (typeof value !== 'string' || value.length < 24) return value;
    const need = this.off + value.length * 3;
    if (need > this.scratch.length) {
      // Earlier views of this statement keep the old buffer alive; only new bytes go to the new one.
      this.scratch = Buffer.allocUnsafe(Math.max(need - this.off, 64 * 1024) * 2);
      this.off = 0;
    }
    const n = this.scratch.write(value, this.off, 'utf8');
    const view = this.scratch.subarray(this.off, this.off + n);
    this.off += n;
    return view;
  }
}

/**
 * Applies ops to the database. Keeps the run id -> run key map (a deleted run leaves it) and the step
 * counters of the batch being applied, written once per batch.
 */
export class Applier {
  private readonly runKeys = new Map<string, number>();
  /** run key -> node id -> [success, failed, sent to review] added by the current batch. */
  private readonly counts = new Map<number, Map<string, [number, number, number]>>();
  private readonly text = new TextBytes();
  /** Keys of archived runs (their rows are in archive folders); reloaded after a rollback. */
  private archived: Set<number>;
  /** run key -> sequence number of the last entry of the current batch that wrote to it. */
  private readonly touched = new Map<number, number>();
  /** Damage met while restoring an archived run (a replay refuses to open on it). */
  archiveDamage: Error | null = null;
  /** run key -> records that reached a final status since their steps were last spilled (archive/spill.ts). */
  readonly finals = new Map<number, number[]>();
  /**
   * run key -> records that may have checkpoint rows (record_tokens), read once per run: a record that
   * never fanned out skips the DELETE of its rows at every step. Ops that move rows otherwise (create,
   * delete, spill, archive, restore) and rollbacks forget it all.
   */
  private readonly withRows = new Map<number, Set<number>>();
  /** run key -> its record count, or −1 when its indexes are not 0 to count − 1 (`recordExists`); forgotten with `withRows`. */
  private readonly recordCounts = new Map<number, number>();
  /**
   * run key -> the records that may have rows in the steps table (`recordsWithStepRows`: read once per
   * run, added to when held steps are inserted). Only their first step looks up the seqs they have
   * there (`stepSeqs`), and only their spill deletes rows: for the others both were a statement per
   * record — a snapshot inserts every held step, after which a run's every record paid them
   * (no-op step, 20,000 records: 39,000 of 130,000 statements).
   */
  private readonly stepRowsOf = new Map<number, Set<number>>();
  /**
   * Record updates held back: "run key:index" -> the record's latest update while it runs. A step
   * commit rewrote the record's row (status, checkpoint) at every step — 11 % of a 10-step chain's
   * CPU — though only the journal must have it before the record moves on (it does: the update is in
   * the step's entry). The rows are written once another statement could read or write them (Sql
   * runs `flushDeferred` before every statement but those named in the constructor), before a
   * snapshot, and a record's own row, merged into its next update, when that cannot wait (a final
   * status, fan-out rows, an output kept by reference). An update with an audit event (a record's
   * start) is held too, its event written at once (events keep the order they happened in): the
   * record's start UPDATE merged into its end's was a tenth of a run's CPU on one-step records
   * (no-op step, 10,000 records). Several held updates of one
   * record merge: the latest status and checkpoint, and every optional column any of them set, the
   * latest value of each. A rolled-back batch undoes what it held (`undo`).
   */
  private deferred = new Map<string, DeferredUpdate>();
  private flushing = false;
  /**
   * Steps held back: "run key:index" -> the record's committed steps not inserted in the steps table
   * (each the 'S' op's step params, run id first). Inserting every step — then reading it back and
   * deleting it when the record's steps move to the step segments — cost about a fifth of a 10-step
   * chain's CPU, though the journal already holds each step durably. Held steps are inserted before
   * any statement that names the steps table (but the spill's own reads, which add them, and its
   * delete, before which the applier drops the spilled ones) and before a snapshot; the spill writes
   * a finished record's held steps to its frame straight from here. A step committed twice is refused
   * as the table's key would refuse it (`stepSeqs`).
   */
  private heldSteps = new Map<string, { key: number; rows: Param[][] }>();
  private flushingSteps = false;
  private readonly flushParams: Array<Param | Uint8Array> = new Array<Param | Uint8Array>(16).fill(null);
  /** "run key:index" -> seqs of the record's steps in the table or held (read once per record). */
  private readonly stepSeqs = new Map<string, Set<number>>();
  /** Inside a batch: how to undo what was done to the held record updates and steps, should the batch roll back. */
  private undo: Array<() => void> | null = null;
  /** Per statement text: 1 = write held record updates first, 2 = insert held steps first. */
  private readonly statementClasses = new Map<string, number>();
  /**
   * The flush's own scratch for text parameters: it runs before another statement whose parameters
   * may already be views of `text`'s scratch.
   */
  private readonly flushText = new TextBytes();

  /**
   * `storeDir`: where run archives are (restores read them); `onRestored`: told the folder of an
   * archive whose run was put back in the database (removed once a snapshot no longer needs it).
   */
  constructor(
    readonly sql: Sql,
    private readonly archives: { storeDir: string; onRestored?: (dir: string) => void } | null = null,
  ) {
    this.archived = this.loadArchived();
    sql.beforeEach((text) => this.beforeStatement(text));
  }

  /** Writes what was held back that the statement `text` could read or write (see `deferred`, `heldSteps`). */
  private beforeStatement(text: string): void {
    let c = this.statementClasses.get(text);
    if (c === undefined) {
      c = (RECORD_UPDATE_EXEMPT.has(text) ? 0 : 1) | (HELD_STEPS_EXEMPT.has(text) || !TOUCHES_STEPS.test(text) ? 0 : 2);
      this.statementClasses.set(text, c);
    }
    if (c & 1) this.flushDeferred();
    if (c & 2) this.flushSteps();
  }

  /** Writes everything held back (before a snapshot). */
  flushHeld(): void {
    this.flushDeferred();
    this.flushSteps();
  }

  /** Inserts the held steps (see `heldSteps`). */
  private flushSteps(): void {
    if (this.heldSteps.size === 0 || this.flushingSteps) return;
    this.flushingSteps = true;
    const held = this.heldSteps;
    this.heldSteps = new Map();
    this.undo?.push(() => {
      this.heldSteps = held;
    });
    // Outside a batch (a read between batches) the inserts go in a transaction of their own.
    const own = this.undo === null;
    if (own) this.sql.db.exec('SAVEPOINT held_steps');
    try {
      const p = this.flushParams;
      for (const h of held.values()) {
        for (const s of h.rows) {
          const text = this.flushText.reset();
          p[0] = h.key;
          this.recordsWithStepRows(h.key).add(s[1] as number);
          for (let i = 1; i < 16; i++) p[i] = text.of(s[i]);
          this.sql.run(SQL_INSERT_STEP, p);
        }
      }
      if (own) this.sql.db.exec('RELEASE held_steps');
    } catch (err) {
      if (own) {
        this.sql.db.exec('ROLLBACK TO held_steps');
        this.sql.db.exec('RELEASE held_steps');
        this.heldSteps = held;
      }
      throw err;
    } finally {
      this.flushingSteps = false;
    }
  }

  /** A committed step, held instead of inserted (see `heldSteps`). */
  private holdStep(key: number, s: Param[]): void {
    const idx = s[1] as number;
    const seq = s[2] as number;
    const id = `${key}:${idx}`;
    let seqs = this.stepSeqs.get(id);
    if (!seqs) {
      seqs = new Set<number>();
      // Most records never have a step in the table (held, then spilled): no look-up for them.
      if (this.recordsWithStepRows(key).has(idx)) for (const r of this.sql.all(SQL_STEP_SEQS, [key, idx])) seqs.add(r[0] as number);
      for (const row of this.heldSteps.get(id)?.rows ?? []) seqs.add(row[2] as number);
      this.stepSeqs.set(id, seqs);
    }
    if (seqs.has(seq)) throw new Error('UNIQUE constraint failed: steps.run_key, steps.record_idx, steps.seq');
    seqs.add(seq);
    let h = this.heldSteps.get(id);
    if (!h) this.heldSteps.set(id, (h = { key, rows: [] }));
    h.rows.push(s);
    const entry = h;
    this.undo?.push(() => {
      entry.rows.pop();
      if (entry.rows.length === 0 && this.heldSteps.get(id) === entry) this.heldSteps.delete(id);
    });
  }

  /** The steps of a record spilled up to `lastSeq` leave the held ones (the 'P' op). */
  private dropHeldSteps(key: number, idx: number, lastSeq: number): void {
    const id = `${key}:${idx}`;
    this.stepSeqs.delete(id);
    const h = this.heldSteps.get(id);
    if (!h) return;
    const before = h.rows;
    h.rows = before.filter((s) => (s[2] as number) > lastSeq);
    if (h.rows.length === 0) this.heldSteps.delete(id);
    this.undo?.push(() => {
      h.rows = before;
      this.heldSteps.set(id, h);
    });
  }

  /** A record's held steps as step rows (STEP_COLUMNS order), for the spill. */
  heldStepRows(key: number, idx: number): SqlValue[][] {
    const h = this.heldSteps.get(`${key}:${idx}`);
    return h ? h.rows.map((s) => s.slice(1) as SqlValue[]) : [];
  }

  /** Undoes what was done to the held record updates and steps since `mark` (a rolled-back batch or entry). */
  private undoHeld(mark: number): void {
    const undo = this.undo;
    if (undo) while (undo.length > mark) undo.pop()!();
    // Rebuilt from the table and the held steps when next needed.
    this.stepSeqs.clear();
  }

  /** Writes the record updates held back (see `deferred`). */
  flushDeferred(): void {
    if (this.deferred.size === 0 || this.flushing) return;
    this.flushing = true;
    const held = this.deferred;
    this.deferred = new Map();
    this.undo?.push(() => {
      this.deferred = held;
    });
    try {
      for (const d of held.values()) this.writeDeferred(d);
    } catch (err) {
      // Not written: still held (inside a batch, its rollback restores them anyway).
      if (this.undo === null) this.deferred = held;
      throw err;
    } finally {
      this.flushing = false;
    }
  }

  private writeDeferred(d: DeferredUpdate): void {
    const text = this.flushText.reset();
    const params: Array<Param | Uint8Array> = [d.key, d.index, d.status, text.of(d.checkpoint)];
    for (let bit = 0; bit < RECORD_OPTIONAL_COLUMNS.length; bit++) {
      if (d.mask & (1 << bit)) {
        params.push(text.of(d.values[bit]));
        if (bit === 1) params.push(errorCode(d.values[1]));
      }
    }
    this.sql.run(recordUpdateSql[d.mask], params);
  }

  private loadArchived(): Set<number> {
    return new Set(this.sql.all('SELECT key FROM runs WHERE archive IS NOT NULL', []).map((r) => r[0] as number));
  }

  isArchived(key: number): boolean {
    return this.archived.has(key);
  }

  /** The key of a run an op writes to; an archived run's rows are first put back from its archive. */
  private writableRunKey(runId: Param): number {
    const key = this.requireRunKey(runId);
    if (this.archived.has(key)) {
      const ref = archiveRefOf(this.sql, key);
      if (ref) {
        if (!this.archives) throw new Error(`run ${String(runId)} is archived and this store cannot read archives`);
        try {
          this.forgetRowCaches();
          const dir = restoreRun(this.sql, this.archives.storeDir, key, runId as string, ref);
          this.archives.onRestored?.(dir);
        } catch (err) {
          if (err instanceof ConveyorError && err.code === 'E_STORE_DAMAGED') this.archiveDamage ??= err;
          throw err;
        }
      }
      this.archived.delete(key);
    }
    return key;
  }

  /** The integer key of a run, or null when there is no such run. */
  runKey(runId: string): number | null {
    const cached = this.runKeys.get(runId);
    if (cached !== undefined) return cached;
    const row = this.sql.one(SQL_RUN_KEY, [runId]);
    if (!row) return null;
    const key = row[0] as number;
    this.runKeys.set(runId, key);
    return key;
  }

  private requireRunKey(runId: Param): number {
    const key = this.runKey(runId as string);
    if (key === null) throw new Error(`there is no run ${JSON.stringify(runId)}`);
    return key;
  }

  /**
   * Applies one op; returns what the write's promise resolves with (putFlow: the flow's creation time,
   * deleteFlow: whether it existed). Updates of rows that do not exist change nothing.
   */
  apply(op: Op): unknown {
    const sql = this.sql;
    if (op[0] === 'R' || op[0] === 'Z' || op[0] === 'H') this.forgetRowCaches();
    else if (op[0] === 'P') this.withRows.clear();
    switch (op[0]) {
      case 'S': {
        const s = op[1];
        const key = this.writableRunKey(s[0]);
        this.holdStep(key, s);
        this.updateRecord(op[2], op[4], s);
        if (op[3]) this.writeState(op[3]);
        const status = s[7];
        if (status === 'success' || status === 'failed') this.count(key, s[4] as string, status === 'success' ? 0 : op[2][SENT_TO_REVIEW_AT] === 1 ? 2 : 1);
        // The trigger's step of a record that entered past it (RecordUpdate.entered): counted, not stored.
        const entered = op[2][ENTERED_AT];
        if (typeof entered === 'string') this.count(key, entered, 0);
        return undefined;
      }
      case 's': {
        const { step, record } = fromStepEntry(op[1], op[2], op[5], op[6]);
        return this.apply(['S', step, record, op[3], op[4] ?? undefined]);
      }
      case 'C':
        this.updateRecord(op[1], op[2]);
        return undefined;
      case 'N':
        this.writeState(op[1]);
        return undefined;
      case 'X':
        sql.run(SQL_CLEAR_STATE, [op[1], op[2]]);
        return undefined;
      case 'L':
        for (const row of op[1]) sql.run(SQL_INSERT_LOG, [this.writableRunKey(row[0]), ...row.slice(1)]);
        return undefined;
      case 'U':
        if (this.runKey(op[1][0] as string) !== null) this.writableRunKey(op[1][0]);
        sql.run(SQL_UPDATE_RUN, op[1].length < RUN_UPDATE_LENGTH ? [...op[1], 0, null] : op[1]);
        return undefined;
      case 'R': {
        sql.run(SQL_INSERT_RUN, op[1]);
        const key = sql.one(SQL_LAST_ROWID, [])![0] as number;
        this.runKeys.set(op[1][0] as string, key);
        const data = op[2];
        const keys = op[3] ?? null;
        const rows = op[6] ?? null;
        const settled = new Map<number, [number, string, string]>();
        for (const s of op[4] ?? []) settled.set(s[0], s);
        const createdAt = op[1][8] as string;
        const stmt = sql.statement(SQL_INSERT_RECORD);
        const params: Array<Param | Uint8Array> = [key, 0, null, null, null];
        for (let i = 0; i < data.length; i++) {
          const s = settled.get(i);
          if (s) {
            sql.run(SQL_INSERT_SETTLED_RECORD, [key, i, this.text.reset().of(data[i]), keys?.[i] ?? null, s[1], s[2], createdAt, rows?.[i] ?? null]);
            sql.run(SQL_INSERT_EVENT, [key, i, createdAt, null, s[1], 'engine', 'settled', s[2], null]);
            continue;
          }
          params[1] = i;
          params[2] = this.text.reset().of(data[i]);
          params[3] = keys?.[i] ?? null;
          params[4] = rows?.[i] ?? null;
          stmt.bind(params);
          try {
            stmt.step();
          } finally {
            stmt.reset();
          }
        }
        for (const r of op[5] ?? []) sql.run(SQL_INSERT_REJECT, [key, ...r]);
        return undefined;
      }
      case 'F': {
        sql.run(SQL_PUT_FLOW, [op[1], op[2], op[3], op[4]]);
        return sql.one(SQL_FLOW_CREATED, [op[1]])?.[0] ?? op[4];
      }
      case 'D':
        sql.run(SQL_DELETE_FLOW, [op[1]]);
        return sql.changes() > 0;
      case 'Z': {
        const key = this.runKey(op[1]);
        const out = applyDeleteRun(sql, key, op);
        // The key may be given to the next run created (SQLite reuses the largest rowid).
        this.runKeys.delete(op[1]);
        if (key !== null) {
          this.counts.delete(key);
          this.archived.delete(key);
          this.touched.delete(key);
          this.finals.delete(key);
        }
        return out;
      }
      case 'P': {
        const key = this.runKey(op[1]);
        if (key !== null && !this.archived.has(key)) for (const e of op[2]) this.dropHeldSteps(key, e[0], e[4]);
        const withRows = key === null ? null : this.recordsWithStepRows(key);
        applySpill(sql, key, key !== null && this.archived.has(key), op, (idx) => withRows!.has(idx));
        return undefined;
      }
      case 'H': {
        const key = this.runKey(op[1]);
        applyArchive(sql, key, op, key === null ? undefined : this.touched.get(key));
        this.archived.add(key!);
        this.finals.delete(key!);
        return undefined;
      }
      case 'A':
        applyAudit(sql, op);
        return undefined;
      default:
        throw new Error(`Unknown journal operation ${JSON.stringify((op as unknown[])[0])}`);
    }
  }

  /** `step`: the step committed with this update (its output text and seq), for an output kept by reference. */
  private updateRecord(u: Param[], rows?: RowParams, step?: Param[]): void {
    const mask = u[4] as number;
    const key = this.writableRunKey(u[0]);
    const id = `${key}:${u[1] as number}`;
    // A record that runs on, with nothing that needs its row now: held back (see `deferred`). Its audit
    // event (the record's start) is written now, in the order events happen, when the record exists.
    const event = u.length > RECORD_UPDATE_LENGTH && u[RECORD_UPDATE_LENGTH] !== null;
    const exists = event ? this.recordExists(key, u[1] as number) : null;
    if (!rows && !TERMINAL_STATUSES.has(u[2] as string) && !this.recordsWithRows(key).has(u[1] as number) && (!event || exists !== null)) {
      if (exists) this.insertEvent(key, u);
      const before = this.deferred.get(id);
      const values: Param[] = before ? before.values.slice() : [null, null, null, null, null];
      for (let bit = 0; bit < RECORD_OPTIONAL_COLUMNS.length; bit++) if (mask & (1 << bit)) values[bit] = u[5 + bit];
      this.deferred.set(id, { key, index: u[1] as number, status: u[2], checkpoint: u[3], mask: mask | (before?.mask ?? 0), values });
      this.undo?.push(() => (before ? this.deferred.set(id, before) : this.deferred.delete(id)));
      return;
    }
    // The record's own held-back update goes into this one (the optional columns it set that this
    // one does not name); the other records' stay held: only this record's row is written here.
    const held = this.deferred.get(id);
    if (held) {
      this.deferred.delete(id);
      this.undo?.push(() => this.deferred.set(id, held));
    }
    const columns = held ? mask | held.mask : mask;
    const byRef = step !== undefined && (mask & 1) === 1 && keptByReference(u[2], u[5], step[10]);
    const text = this.text.reset();
    const params: Array<Param | Uint8Array> = [key, u[1], u[2], text.of(u[3])];
    for (let bit = 0; bit < RECORD_OPTIONAL_COLUMNS.length; bit++) {
      if (columns & (1 << bit)) {
        const value = mask & (1 << bit) ? u[5 + bit] : held!.values[bit];
        params.push(byRef && bit === 0 ? null : text.of(value));
        if (bit === 1) params.push(errorCode(value));
      }
    }
    if (byRef) {
      // Numbered parameters: the step's seq goes at a fixed place after the optional ones.
      while (params.length < STEP_PARAMS_AT) params.push(null);
      params.push(step[2]);
    }
    this.sql.run((byRef ? recordByRefUpdateSql : recordUpdateSql)[columns], params);
    const updated = this.sql.changes() > 0;
    if (updated && TERMINAL_STATUSES.has(u[2] as string)) {
      let list = this.finals.get(key);
      if (!list) this.finals.set(key, (list = []));
      list.push(u[1] as number);
    }
    if (updated) {
      const index = u[1] as number;
      const withRows = this.recordsWithRows(key);
      // A whole checkpoint (or none) replaces the rows of a record that had fanned out.
      if (!rows) {
        if (withRows.delete(index)) this.sql.run(SQL_DROP_ROWS, [key, index]);
      } else {
        withRows.add(index);
        for (const [kind, id] of rows[1]) this.sql.run(SQL_DROP_ROW, [key, index, kind, id]);
        for (const [kind, id, ord, value] of rows[0]) this.sql.run(SQL_PUT_ROW, [key, index, kind, id, ord, this.text.reset().of(value)]);
      }
    }
    // The audit event, only for a record that exists (like the update itself).
    if (event && updated) this.insertEvent(key, u);
  }

  /** The audit event a record update carries (`recordUpdateParams`: its fields after the update's). */
  private insertEvent(key: number, u: Param[]): void {
    this.sql.run(SQL_INSERT_EVENT, [key, u[1], u[10], u[11], u[12], u[13], u[14], u[15], u[16]]);
  }

  /**
   * Whether record `idx` of run `key` exists, from the run's record count (read once per run: records
   * are made with the run, indexes 0 to n − 1); null when the run's indexes are not that range (then
   * the update is written at once and its row count tells).
   */
  private recordExists(key: number, idx: number): boolean | null {
    let n = this.recordCounts.get(key);
    if (n === undefined) {
      const r = this.sql.one(SQL_RECORD_RANGE, [key]);
      const count = Number(r?.[0] ?? 0);
      n = count === Number(r?.[1] ?? -1) + 1 ? count : -1;
      this.recordCounts.set(key, n);
    }
    return n < 0 ? null : Number.isInteger(idx) && idx >= 0 && idx < n;
  }

  /** Forgets what was read of runs' rows (ops that make, move or remove rows; rollbacks). */
  private forgetRowCaches(): void {
    this.withRows.clear();
    this.recordCounts.clear();
    this.stepRowsOf.clear();
  }

  /** The records of run `key` that may have rows in the steps table (see `stepRowsOf`). */
  private recordsWithStepRows(key: number): Set<number> {
    let set = this.stepRowsOf.get(key);
    if (!set) this.stepRowsOf.set(key, (set = new Set(this.sql.all(SQL_STEP_ROW_RECORDS, [key]).map((r) => r[0] as number))));
    return set;
  }

  private recordsWithRows(key: number): Set<number> {
    let set = this.withRows.get(key);
    if (!set) {
      set = new Set(this.sql.all('SELECT DISTINCT record_idx FROM record_tokens WHERE run_key = ?', [key]).map((r) => r[0] as number));
      this.withRows.set(key, set);
    }
    return set;
  }

  private writeState(writes: StateParams): void {
    for (const [scope, nodeId, key, value] of writes) {
      if (value === null) this.sql.run(SQL_DELETE_STATE, [scope, nodeId, key]);
      else this.sql.run(SQL_PUT_STATE, [scope, nodeId, key, value]);
    }
  }

  /** One more step of node `nodeId` in run `key` (0: success, 1: failed, 2: sent to review), written with the batch (`writeCounts`). */
  private count(key: number, nodeId: string, outcome: 0 | 1 | 2): void {
    let perNode = this.counts.get(key);
    if (!perNode) this.counts.set(key, (perNode = new Map()));
    let c = perNode.get(nodeId);
    if (!c) perNode.set(nodeId, (c = [0, 0, 0]));
    c[outcome]++;
  }

  private writeCounts(): void {
    for (const [key, perNode] of this.counts) {
      for (const [nodeId, [success, failed, review]] of perNode) this.sql.run(SQL_ADD_STEP_COUNTS, [key, nodeId, success, failed, review]);
    }
    this.counts.clear();
  }

  /** Notes the runs an applied entry wrote to (written to runs.touched_seq once per batch). */
  private touch(op: Op, seq: number): void {
    for (const runId of runsWrittenBy(op)) {
      const key = this.runKeys.get(runId);
      if (key !== undefined) this.touched.set(key, seq);
    }
  }

  private writeTouched(): void {
    for (const [key, seq] of this.touched) this.sql.run(SQL_TOUCH_RUN, [seq, key]);
    this.touched.clear();
  }

  /** Forgets what a rolled-back transaction may have cached. */
  private forget(): void {
    this.runKeys.clear();
    this.counts.clear();
    this.touched.clear();
    this.forgetRowCaches();
    this.archived = this.loadArchived();
  }

  /**
   * Applies entries as one batch (`Sql.batch`: all or nothing). When one fails, the batch is rolled back
   * and replayed with a savepoint per entry, so the failed entry changes nothing and every other entry
   * still applies. A lost transaction (`TransactionLost`) is not replayed: it is thrown.
   */
  applyBatch(entries: ReadonlyArray<JournalEntry<Op>>): ApplyOutcome[] {
    const sql = this.sql;
    const outcomes = new Array<ApplyOutcome>(entries.length);
    // What is held back (record updates, steps) is part of what a rollback undoes (`undo`).
    this.undo = [];
    try {
      sql.batch(() => {
        for (let i = 0; i < entries.length; i++) {
          outcomes[i] = { ok: true, value: this.apply(entries[i].op) };
          this.touch(entries[i].op, entries[i].seq);
        }
        this.writeCounts();
        this.writeTouched();
      });
      this.undo = null;
      return outcomes;
    } catch (err) {
      this.forget();
      this.undoHeld(0);
      if (err instanceof TransactionLost) {
        this.undo = null;
        throw err;
      }
    }
    try {
      sql.batch(() => {
        for (let i = 0; i < entries.length; i++) {
          sql.db.exec('SAVEPOINT entry');
          const undoAtEntry = this.undo!.length;
          try {
            outcomes[i] = { ok: true, value: this.apply(entries[i].op) };
            this.touch(entries[i].op, entries[i].seq);
          } catch (err) {
            sql.db.exec('ROLLBACK TO entry');
            this.undoHeld(undoAtEntry);
            this.runKeys.clear();
            this.forgetRowCaches();
            this.archived = this.loadArchived();
            outcomes[i] = { ok: false, error: err instanceof ConveyorError && err.code === 'E_STORE_DAMAGED' ? err : writeError(err) };
          }
          sql.db.exec('RELEASE entry');
        }
        this.writeCounts();
        this.writeTouched();
      });
    } catch (err) {
      this.forget();
      this.undoHeld(0);
      this.undo = null;
      throw err;
    }
    this.undo = null;
    return outcomes;
  }
}

/** A record update held back by the applier (see `Applier.deferred`). */
interface DeferredUpdate {
  key: number;
  index: number;
  status: Param;
  checkpoint: Param;
  /** Which optional columns (RECORD_OPTIONAL_COLUMNS) the held updates set, and their latest values. */
  mask: number;
  values: Param[];
}
