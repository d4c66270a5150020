/**
 * Write operations: what a journal entry holds and how it is applied to the database.
 *
 * An op is a small JSON array of SQL parameters (JSON columns already stringified, once), so the same
 * op is applied live after its fsync and again, identically, when the journal is replayed.
 * Applying is deterministic: an op that fails (a constraint) fails the same way on replay.
 */
import type { FlowDocument } from '../flow/schema.ts';
import type { RecordData } from '../../nodes/sdk/types.ts';
import type { LogRow, RecordUpdate, RunPatch, RunRow, StepRow } from './types.ts';
import type { ApplyOutcome, JournalEntry } from './journal.ts';
import type { Param, Sql } from './sql.ts';

export type Op =
  /** putFlow: id, name, doc JSON, time. */
  | ['F', string, string, string, string]
  /** deleteFlow: id. */
  | ['D', string]
  /** createRun: run columns, then each record's data JSON. */
  | ['R', Param[], string[]]
  /** updateRun: id, then (set?, value) pairs. */
  | ['U', Param[]]
  /** commitStep: step columns, record update. */
  | ['S', Param[], Param[]]
  /** updateRecord. */
  | ['C', Param[]]
  /** appendLogs: log columns per line. */
  | ['L', Param[][]];

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const finite = (n: number): number => (Number.isFinite(n) ? n : 0);
const flag = (value: unknown): 0 | 1 => (value === undefined ? 0 : 1);

export function putFlowOp(doc: FlowDocument, at: string): Op {
  return ['F', doc.id, doc.name, JSON.stringify(doc), at];
}

export function deleteFlowOp(id: string): Op {
  return ['D', id];
}

export function createRunOp(run: RunRow, records: RecordData[]): Op {
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
  return ['R', cols, data];
}

export function updateRunOp(id: string, p: RunPatch): Op {
  return [
    'U',
    [
      id,
      flag(p.status),
      p.status ?? null,
      flag(p.reason),
      json(p.reason),
      flag(p.startedAt),
      p.startedAt ?? null,
      flag(p.endedAt),
      p.endedAt ?? null,
    ],
  ];
}

function recordUpdateParams(u: RecordUpdate): Param[] {
  return [
    u.runId,
    u.index,
    u.status,
    json(u.checkpoint),
    flag(u.output),
    json(u.output),
    flag(u.error),
    json(u.error),
    flag(u.reason),
    u.reason ?? null,
    flag(u.startedAt),
    u.startedAt ?? null,
    flag(u.endedAt),
    u.endedAt ?? null,
  ];
}

export function commitStepOp(s: StepRow, record: RecordUpdate): Op {
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
    JSON.stringify(s.output ?? []),
    json(s.error),
    JSON.stringify(s.evidence ?? []),
    s.startedAt,
    s.endedAt,
    finite(s.durationMs),
  ];
  return ['S', step, recordUpdateParams(record)];
}

export function updateRecordOp(u: RecordUpdate): Op {
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
const SQL_INSERT_RUN = `INSERT INTO runs (id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_INSERT_RECORD = `INSERT INTO records (run_id, idx, status, data) VALUES (?, ?, 'pending', ?)`;
const SQL_UPDATE_RUN = `UPDATE runs SET
  status = CASE WHEN ?2 THEN ?3 ELSE status END,
  reason = CASE WHEN ?4 THEN ?5 ELSE reason END,
  started_at = CASE WHEN ?6 THEN ?7 ELSE started_at END,
  ended_at = CASE WHEN ?8 THEN ?9 ELSE ended_at END
  WHERE id = ?1`;
const SQL_INSERT_STEP = `INSERT INTO steps (run_id, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from,
  output, error, evidence, started_at, ended_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_UPDATE_RECORD = `UPDATE records SET
  status = ?3,
  checkpoint = ?4,
  output = CASE WHEN ?5 THEN ?6 ELSE output END,
  error = CASE WHEN ?7 THEN ?8 ELSE error END,
  reason = CASE WHEN ?9 THEN ?10 ELSE reason END,
  started_at = CASE WHEN ?11 THEN ?12 ELSE started_at END,
  ended_at = CASE WHEN ?13 THEN ?14 ELSE ended_at END
  WHERE run_id = ?1 AND idx = ?2`;
const SQL_INSERT_LOG = `INSERT INTO logs (run_id, record_idx, node_id, level, message, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)`;

/**
 * Applies one op; returns what the write's promise resolves with (putFlow: the flow's creation time,
 * deleteFlow: whether it existed). Updates of rows that do not exist change nothing.
 */
export function applyOp(sql: Sql, op: Op): unknown {
  switch (op[0]) {
    case 'S':
      sql.run(SQL_INSERT_STEP, op[1]);
      sql.run(SQL_UPDATE_RECORD, op[2]);
      return undefined;
    case 'C':
      sql.run(SQL_UPDATE_RECORD, op[1]);
      return undefined;
    case 'L':
      for (const row of op[1]) sql.run(SQL_INSERT_LOG, row);
      return undefined;
    case 'U':
      sql.run(SQL_UPDATE_RUN, op[1]);
      return undefined;
    case 'R': {
      sql.run(SQL_INSERT_RUN, op[1]);
      const runId = op[1][0];
      const stmt = sql.statement(SQL_INSERT_RECORD);
      const data = op[2];
      const params: Param[] = [runId, 0, null];
      for (let i = 0; i < data.length; i++) {
        params[1] = i;
        params[2] = data[i];
        stmt.bind(params);
        try {
          stmt.step();
        } finally {
          stmt.reset();
        }
      }
      return undefined;
    }
    case 'F': {
      sql.run(SQL_PUT_FLOW, [op[1], op[2], op[3], op[4]]);
      return sql.one(SQL_FLOW_CREATED, [op[1]])?.[0] ?? op[4];
    }
    case 'D':
      sql.run(SQL_DELETE_FLOW, [op[1]]);
      return sql.changes() > 0;
    default:
      throw new Error(`Unknown journal operation ${JSON.stringify((op as unknown[])[0])}`);
  }
}

function writeError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`The store refused the write: ${message}`, { cause: err });
}

/**
 * Applies entries in one transaction. When one fails, the transaction is rolled back and replayed with
 * a savepoint per entry, so the failed entry changes nothing and every other entry still applies.
 */
export function applyBatch(sql: Sql, entries: ReadonlyArray<JournalEntry<Op>>): ApplyOutcome[] {
  const outcomes = new Array<ApplyOutcome>(entries.length);
  try {
    sql.transaction(() => {
      for (let i = 0; i < entries.length; i++) outcomes[i] = { ok: true, value: applyOp(sql, entries[i].op) };
    });
    return outcomes;
  } catch {
    // Slow path below.
  }
  sql.transaction(() => {
    for (let i = 0; i < entries.length; i++) {
      sql.db.exec('SAVEPOINT entry');
      try {
        outcomes[i] = { ok: true, value: applyOp(sql, entries[i].op) };
      } catch (err) {
        sql.db.exec('ROLLBACK TO entry');
        outcomes[i] = { ok: false, error: writeError(err) };
      }
      sql.db.exec('RELEASE entry');
    }
  });
  return outcomes;
}
