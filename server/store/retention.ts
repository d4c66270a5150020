/**
 * Retention in the store: deleting a run and everything of it in one journaled op ('Z'), the audit
 * trail of deletions ('A' and the audit row a 'Z' carries), and the space a run takes.
 * See docs/operations.md, "Retention", and docs/architecture.md, "Durable store".
 *
 * Applying is deterministic like every other op: a 'Z' refused live (an active run, records in
 * review without force) is refused the same way on replay, and changes nothing.
 */
import path from 'node:path';
import type { SqlValue } from 'sql.js';
import { RUN_STATUSES, isActive, type RunStatus } from '../contract/status.ts';
import type { Json } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import type { Param, Sql } from './sql.ts';
import type { AuditEntry as WireAuditEntry, LostStepsDetail } from '../contract/wire/storage.ts';
import type { LostSteps } from './archive/spill-check.ts';

/** Runs a deletion must never take from under the engine. */
/** Runs that execute steps (the contract's `isActive`): never deleted under their feet. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter(isActive);

/** Who did it: an operator in the studio (or REST), the CLI, or a retention policy (upload cleanup). */
export type AuditActor = 'operator' | 'cli' | 'policy';
/** The actions the audit trail names: one list, the wire contract's (server/contract/wire/storage.ts). */
export type AuditAction = WireAuditEntry['action'];

export interface AuditWrite {
  at: string;
  actor: AuditActor;
  action: AuditAction;
  runId?: string | null;
  flowId?: string | null;
  flowName?: string | null;
  /** Records deleted (a run), files deleted (uploads). */
  records?: number;
  /** Bytes freed (estimate: store + files on disk). */
  bytes?: number;
  /** What else there is to say: the archive folder, the files removed… */
  detail?: Json;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: AuditActor;
  action: AuditAction;
  runId: string | null;
  flowId: string | null;
  flowName: string | null;
  records: number;
  bytes: number;
  detail: Json | null;
}

/** at, actor, action, run id, flow id, flow name, records, bytes, detail JSON. */
export type AuditParams = [string, string, string, string | null, string | null, string | null, number, number, string | null];

/** deleteRun: run id, force (1: even with records in review), the audit row written with it. */
export type DeleteRunOp = ['Z', string, 0 | 1, AuditParams];
/** An audit row alone (uploads cleaned up). */
export type AuditOp = ['A', AuditParams];

export function auditParams(a: AuditWrite): AuditParams {
  const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
  return [a.at, a.actor, a.action, a.runId ?? null, a.flowId ?? null, a.flowName ?? null, n(a.records), n(a.bytes), a.detail === undefined || a.detail === null ? null : JSON.stringify(a.detail)];
}

export function deleteRunOp(runId: string, force: boolean, audit: AuditWrite): DeleteRunOp {
  return ['Z', runId, force ? 1 : 0, auditParams(audit)];
}

export function auditOp(audit: AuditWrite): AuditOp {
  return ['A', auditParams(audit)];
}

const SQL_INSERT_AUDIT = `INSERT INTO audit (at, actor, action, run_id, flow_id, flow_name, records, bytes, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_RUN_STATUS = 'SELECT status, flow_id FROM runs WHERE key = ?';
const SQL_REVIEW_COUNT = "SELECT count(*) FROM records WHERE run_key = ? AND status = 'needs_review'";
/** Everything of a run, its node state (scope run:<id>) and the run itself. */
const SQL_DELETE_RUN_ROWS = [
  'DELETE FROM steps WHERE run_key = ?',
  'DELETE FROM records WHERE run_key = ?',
  'DELETE FROM record_tokens WHERE run_key = ?',
  'DELETE FROM logs WHERE run_key = ?',
  'DELETE FROM record_events WHERE run_key = ?',
  'DELETE FROM rejects WHERE run_key = ?',
  'DELETE FROM step_counts WHERE run_key = ?',
  'DELETE FROM archived_keys WHERE run_key = ?',
  'DELETE FROM spilled_steps WHERE run_key = ?',
  'DELETE FROM runs WHERE key = ?',
];
const SQL_DELETE_RUN_STATE = "DELETE FROM node_state WHERE scope = 'run:' || ?";

export function activeRunError(runId: string, status: string): ConveyorError {
  return new ConveyorError(
    'E_RUN_ACTIVE',
    `Run ${runId} is ${status}: a run that is executing cannot be deleted or archived.`,
    'Pause or stop the run first (or wait until it ends), then delete it.',
    409,
  );
}

export function runInReviewError(runId: string, count: number): ConveyorError {
  return new ConveyorError(
    'E_RUN_IN_REVIEW',
    `Run ${runId} has ${count} record${count === 1 ? '' : 's'} waiting in the review queue.`,
    'Settle them in the review queue first, or delete anyway with force (REST ?force=1, CLI --force, the checkbox in the studio): they leave the queue for good.',
    409,
  );
}

/** Records in review of a run (its key). */
export function reviewCount(sql: Sql, key: number): number {
  return Number(sql.one(SQL_REVIEW_COUNT, [key])?.[0] ?? 0);
}

/**
 * Applies a 'Z': refuses an active run, and a run with records in review unless forced (the same on
 * replay); else deletes every row of the run and writes its audit row. Returns the records deleted.
 */
export function applyDeleteRun(sql: Sql, key: number | null, op: DeleteRunOp): { records: number } {
  const runId = op[1];
  if (key === null) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
  const row = sql.one(SQL_RUN_STATUS, [key]);
  const status = String(row?.[0] ?? '');
  if ((ACTIVE_RUN_STATUSES as readonly string[]).includes(status)) throw activeRunError(runId, status);
  if (op[2] !== 1) {
    const n = reviewCount(sql, key);
    if (n > 0) throw runInReviewError(runId, n);
  }
  // An archived run's records are counted by its archive reference (only its hot records are rows).
  const archive = sql.one('SELECT archive FROM runs WHERE key = ?', [key])?.[0];
  const records =
    typeof archive === 'string'
      ? Number((JSON.parse(archive) as { records: number }).records)
      : Number(sql.one('SELECT count(*) FROM records WHERE run_key = ?', [key])?.[0] ?? 0);
  for (const stmt of SQL_DELETE_RUN_ROWS) sql.run(stmt, [key]);
  sql.run(SQL_DELETE_RUN_STATE, [runId]);
  sql.run(SQL_INSERT_AUDIT, op[3]);
  return { records };
}

export function applyAudit(sql: Sql, op: AuditOp): void {
  sql.run(SQL_INSERT_AUDIT, op[1]);
}

/** A record whose steps `store repair` could not keep, with its frame's bytes. */
export type LostStepsRow = LostSteps & { bytes: number };

/**
 * Records listed one by one in a 'steps.lost' row; the others are counted (`more`) and all are in the
 * repair report. 200 entries are ~20 KB of JSON in one journal entry: a whole lost segment can name
 * hundreds of thousands of records.
 */
const LOST_LISTED = 200;

/**
 * The audit rows of a repair that could not keep some records' steps (damaged step segments): one per
 * run, with what was lost (records, steps, bytes of their frames, where the damage was) and where the
 * damaged segments and the repair report were put. `runs`: each run's flow, when the run is known.
 */
export function lostStepsAudit(
  lost: LostStepsRow[],
  runs: Map<string, { flowId: string; flowName: string }>,
  at: string,
  aside: { segments: (runId: string) => string; report: string },
): AuditWrite[] {
  const byRun = new Map<string, LostStepsRow[]>();
  for (const l of lost) {
    const list = byRun.get(l.runId);
    if (list) list.push(l);
    else byRun.set(l.runId, [l]);
  }
  return [...byRun].map(([runId, rows]) => {
    const sorted = [...rows].sort((a, b) => a.record - b.record);
    const detail: LostStepsDetail = {
      repair: 'damaged step segments',
      steps: sorted.reduce((n, l) => n + l.steps, 0),
      lost: sorted.slice(0, LOST_LISTED).map((l) => ({ record: l.record, steps: l.steps, upToStep: l.lastSeq, file: path.basename(l.file), offset: l.offset, reason: l.reason })),
      more: Math.max(0, sorted.length - LOST_LISTED),
      copiedTo: aside.segments(runId),
      report: aside.report,
    };
    return {
      at,
      actor: 'cli' as const,
      action: 'steps.lost' as const,
      runId,
      flowId: runs.get(runId)?.flowId ?? null,
      flowName: runs.get(runId)?.flowName ?? null,
      records: sorted.length,
      // Records that shared a frame (archive/spill.ts) lost the same bytes: each frame counted once.
      bytes: [...new Map(sorted.map((l) => [`${l.file}\0${l.offset}`, l.bytes])).values()].reduce((n, b) => n + b, 0),
      detail: detail as unknown as Json,
    };
  });
}

/** What a run takes in the store: an estimate, the lengths of its rows' text columns. */
export interface RunStoreSize {
  records: number;
  steps: number;
  /** Sum of the lengths of the run's JSON and text columns (records, steps, logs, events, rejects, the run row). */
  bytes: number;
}

const SQL_SIZE_RUN = `SELECT length(flow) + length(settings) + coalesce(length(reason), 0) + 200 FROM runs WHERE key = ?`;
const SQL_SIZE_RECORDS = `SELECT count(*), coalesce(sum(length(data) + coalesce(length(output), 0) + coalesce(length(error), 0)
  + coalesce(length(checkpoint), 0) + coalesce(length(reason), 0) + coalesce(length(key), 0) + 60), 0) FROM records WHERE run_key = ?`;
const SQL_SIZE_STEPS = `SELECT count(*), coalesce(sum(coalesce(length(input), 0) + length(output) + coalesce(length(error), 0) + length(evidence)
  + length(node_id) + length(node_type) + 80), 0) FROM steps WHERE run_key = ?`;
const SQL_SIZE_LOGS = `SELECT coalesce(sum(length(message) + coalesce(length(data), 0) + 40), 0) FROM logs WHERE run_key = ?`;
const SQL_SIZE_EVENTS = `SELECT coalesce(sum(coalesce(length(note), 0) + coalesce(length(data), 0) + 60), 0) FROM record_events WHERE run_key = ?`;
const SQL_SIZE_REJECTS = `SELECT coalesce(sum(length(message) + coalesce(length(value), 0) + 40), 0) FROM rejects WHERE run_key = ?`;

/** Each query walks the run's own rows through the run-key indexes: cost in proportion to the run. */
export function runStoreSize(sql: Sql, key: number): RunStoreSize {
  const num = (row: SqlValue[] | null, i = 0) => Number(row?.[i] ?? 0);
  const recs = sql.one(SQL_SIZE_RECORDS, [key]);
  const steps = sql.one(SQL_SIZE_STEPS, [key]);
  const bytes =
    num(sql.one(SQL_SIZE_RUN, [key])) +
    num(recs, 1) +
    num(steps, 1) +
    num(sql.one(SQL_SIZE_LOGS, [key])) +
    num(sql.one(SQL_SIZE_EVENTS, [key])) +
    num(sql.one(SQL_SIZE_REJECTS, [key]));
  return { records: num(recs), steps: num(steps), bytes };
}

/** Upload ids the runs name (`settings.upload`): kept by the upload cleanup. */
export function referencedUploads(sql: Sql): Set<string> {
  const rows = sql.all("SELECT DISTINCT json_extract(settings, '$.upload') FROM runs WHERE json_valid(settings) AND json_extract(settings, '$.upload') IS NOT NULL", []);
  return new Set(rows.map((r) => String(r[0])));
}

/**
 * Which of the kept files' SHA-256s a saved flow or a run's copy of its flow names. Found as text in
 * the documents (a flow names a kept file by its SHA-256 in a step's params, kept-file.ts): a 64-digit
 * hex string that appears elsewhere only keeps a file longer, never deletes one that is named.
 */
export function namedKeptFiles(sql: Sql, sha256s: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const sha of sha256s) {
    if (sql.one('SELECT EXISTS (SELECT 1 FROM flows WHERE instr(doc, ?1) > 0) OR EXISTS (SELECT 1 FROM runs WHERE instr(flow, ?1) > 0)', [sha])?.[0]) named.add(sha);
  }
  return named;
}

/** Runs (other than `exceptRunId`) that name the upload. */
export function runsUsingUpload(sql: Sql, uploadId: string, exceptRunId: string): number {
  return Number(
    sql.one("SELECT count(*) FROM runs WHERE id <> ? AND json_valid(settings) AND json_extract(settings, '$.upload') = ?", [exceptRunId, uploadId])?.[0] ?? 0,
  );
}

const AUDIT_COLUMNS = 'id, at, actor, action, run_id, flow_id, flow_name, records, bytes, detail';

export function listAudit(sql: Sql, filter: { runId?: string; offset?: number; limit?: number } = {}): { items: AuditEntry[]; total: number } {
  const where = filter.runId !== undefined ? 'WHERE run_id = ?' : '';
  const params: Param[] = filter.runId !== undefined ? [filter.runId] : [];
  const total = Number(sql.one(`SELECT count(*) FROM audit ${where}`, params)?.[0] ?? 0);
  const limit = Math.max(0, Math.floor(filter.limit ?? 100));
  const offset = Math.max(0, Math.floor(filter.offset ?? 0));
  const items = sql.all(`SELECT ${AUDIT_COLUMNS} FROM audit ${where} ORDER BY id DESC LIMIT ? OFFSET ?`, [...params, limit, offset]).map(
    (r): AuditEntry => ({
      id: Number(r[0]),
      at: String(r[1]),
      actor: String(r[2]) as AuditActor,
      action: String(r[3]) as AuditAction,
      runId: r[4] === null ? null : String(r[4]),
      flowId: r[5] === null ? null : String(r[5]),
      flowName: r[6] === null ? null : String(r[6]),
      records: Number(r[7]),
      bytes: Number(r[8]),
      detail: r[9] === null ? null : (JSON.parse(String(r[9])) as Json),
    }),
  );
  return { items, total };
}

import type { RunHead } from '../contract/wire/storage.ts';
export type { RunHead };

export function listRunHeads(sql: Sql): RunHead[] {
  return sql
    .all(
      "SELECT id, flow_id, flow_name, status, record_count, created_at, ended_at, CASE WHEN json_valid(settings) THEN json_extract(settings, '$.upload') END FROM runs ORDER BY created_at, id",
      [],
    )
    .map((r) => ({
      id: String(r[0]),
      flowId: String(r[1]),
      flowName: String(r[2]),
      status: String(r[3]),
      recordCount: Number(r[4]),
      createdAt: String(r[5]),
      endedAt: r[6] === null ? null : String(r[6]),
      upload: r[7] === null || r[7] === undefined ? null : String(r[7]),
    }));
}

/** What the store offers retention (implemented by SqlJsStore). */
export interface RetentionStore {
  /** Deletes a run and everything of it, with its audit row, in one journaled op. */
  deleteRun(runId: string, opts: { force?: boolean; audit: AuditWrite }): Promise<{ records: number }>;
  appendAudit(audit: AuditWrite): Promise<void>;
  listAudit(filter?: { runId?: string; offset?: number; limit?: number }): Promise<{ items: AuditEntry[]; total: number }>;
  /** The run's size in the store (estimate), or null when there is no such run. */
  runStoreSize(runId: string): Promise<RunStoreSize | null>;
  /** Records of the run waiting in review. */
  reviewCount(runId: string): Promise<number>;
  listRunHeads(): Promise<RunHead[]>;
  referencedUploads(): Promise<Set<string>>;
  /** The database's own size on its server's disk, for a store that is not a folder of the data folder (PostgreSQL). */
  databaseBytes?(): Promise<number>;
  /** Which of these kept files a saved flow or a run's flow copy names (see `namedKeptFiles`). */
  namedKeptFiles(sha256s: readonly string[]): Promise<Set<string>>;
  runsUsingUpload(uploadId: string, exceptRunId: string): Promise<number>;
}
