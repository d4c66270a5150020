/**
 * The embedded store's reads. A run's rows answer from the database (sql.js); an archived run's from its
 * archive; a finished record's steps partly from the run's step segments. `SqlJsStore` (sqljs-store.ts)
 * extends this class with the write path: the journal that makes writes durable, snapshots, archiving.
 * Grouped by the roles of server/store/types.ts; the audit and report queries are in
 * sqljs-reads-audit.ts and sqljs-reads-report.ts.
 */
import type { SqlValue } from 'sql.js';
import type { Json } from '../../nodes/sdk/types.ts';
import { RECORD_STATUSES } from '../contract/status.ts';
import type { StepCounts } from '../contract/wire/runs.ts';
import type {
  FlowRow,
  KeyAttempts,
  LogRow,
  Page,
  RecordCheckpoint,
  RecordEventRow,
  RecordRow,
  RecordStatus,
  RecordSummary,
  RecordTiming,
  RejectRow,
  ReviewFilter,
  RunRow,
  RunStatus,
  StatusCounts,
  StepRow,
  StepTimings,
} from './types.ts';
import type { Applier } from './ops.ts';
import {
  EVENT_COLUMNS,
  FLOW_COLUMNS,
  LOG_COLUMNS,
  OUTPUT_STEP_AT,
  RECORD_COLUMNS,
  REJECT_COLUMNS,
  RUN_COLUMNS,
  STEP_COLUMNS,
  toEvent,
  toFlow,
  toLog,
  toRecord,
  toReject,
  toRun,
  toStep,
} from './rows.ts';
import type { Sql } from './sql.ts';
import * as retention from './retention.ts';
import type { ArchiveShelf } from './archive/shelf.ts';
import { stepSegmentDamagedError } from './archive/apply.ts';
import { ArchiveDamage } from './archive/frames.ts';
import type { ArchiveRef } from './archive/layout.ts';
import { expandOutcomes, type RunArchive } from './archive/reader.ts';
import type { StepSpill } from './archive/spill.ts';
import { stepFromArchive } from './archive/rows-json.ts';
import { clampLimit, clampOffset } from './paging.ts';
import { emittedByStep, firstItemData } from './output-ref.ts';
import * as audit from './sqljs-reads-audit.ts';
import * as report from './sqljs-reads-report.ts';

const DEFAULT_RECORDS_LIMIT = 100;
const DEFAULT_LOGS_LIMIT = 100;
const DEFAULT_RUNS_LIMIT = 200;

export abstract class SqlJsReads {
  /** The store's folder (for messages and the step segments' damage reports). */
  protected abstract readonly dir: string;
  protected abstract readonly sql: Sql;
  /** Knows each run's key and whether its rows were moved to its archive. */
  protected abstract readonly applier: Applier;
  protected abstract readonly shelf: ArchiveShelf;
  protected abstract readonly spill: StepSpill;
  /** Set once the store is closed: reads are refused from then on. */
  protected closed = false;

  // ---------------------------------------------------------------- flows (FlowStore)

  async listFlows(): Promise<FlowRow[]> {
    this.ensureOpen();
    return this.sql.all(`SELECT ${FLOW_COLUMNS} FROM flows ORDER BY name COLLATE NOCASE, id`, []).map(toFlow);
  }

  async getFlow(id: string): Promise<FlowRow | null> {
    this.ensureOpen();
    const row = this.sql.one(`SELECT ${FLOW_COLUMNS} FROM flows WHERE id = ?`, [id]);
    return row ? toFlow(row) : null;
  }

  // ---------------------------------------------------------------- runs, records, steps (RunStore)

  async getRun(id: string): Promise<RunRow | null> {
    this.ensureOpen();
    const row = this.sql.one(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return row ? toRun(row) : null;
  }

  async listRuns(filter: { flowId?: string; limit?: number } = {}): Promise<RunRow[]> {
    this.ensureOpen();
    const limit = clampLimit(filter.limit, DEFAULT_RUNS_LIMIT);
    const rows =
      filter.flowId !== undefined
        ? this.sql.all(`SELECT ${RUN_COLUMNS} FROM runs WHERE flow_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [
            filter.flowId,
            limit,
          ])
        : this.sql.all(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT ?`, [limit]);
    return rows.map(toRun);
  }

  async listRunsWithStatus(statuses: RunStatus[]): Promise<RunRow[]> {
    this.ensureOpen();
    if (statuses.length === 0) return [];
    const marks = statuses.map(() => '?').join(', ');
    return this.sql
      .all(`SELECT ${RUN_COLUMNS} FROM runs WHERE status IN (${marks}) ORDER BY created_at DESC, id DESC`, statuses)
      .map(toRun);
  }

  async getRecord(runId: string, index: number): Promise<RecordRow | null> {
    return this.readRun(runId, null, (a) => a.getRecord(index), (key) => {
      const row = this.sql.one(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_key = ? AND idx = ?`, [key, index]);
      return row ? this.record(runId, key, row) : null;
    });
  }

  async listRecords(
    runId: string,
    filter: { status?: RecordStatus; offset?: number; limit?: number } = {},
  ): Promise<Page<RecordRow>> {
    const limit = clampLimit(filter.limit, DEFAULT_RECORDS_LIMIT);
    const offset = clampOffset(filter.offset);
    return this.readRun(runId, { items: [], total: 0 }, (a) => a.listRecords(filter.status, offset, limit), (key) => {
      let total: SqlValue[] | null;
      let rows: SqlValue[][];
      if (filter.status !== undefined) {
        total = this.sql.one('SELECT count(*) FROM records WHERE run_key = ? AND status = ?', [key, filter.status]);
        rows = this.sql.all(
          `SELECT ${RECORD_COLUMNS} FROM records WHERE run_key = ? AND status = ? ORDER BY idx LIMIT ? OFFSET ?`,
          [key, filter.status, limit, offset],
        );
      } else {
        total = this.sql.one('SELECT count(*) FROM records WHERE run_key = ?', [key]);
        rows = this.sql.all(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_key = ? ORDER BY idx LIMIT ? OFFSET ?`, [
          key,
          limit,
          offset,
        ]);
      }
      return { items: rows.map((r) => this.record(runId, key, r)), total: Number(total?.[0] ?? 0) };
    });
  }

  async unfinishedRecords(runId: string): Promise<RecordRow[]> {
    return this.readRun(runId, [], (a) => a.unfinished(), (key) =>
      this.sql
        .all(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_key = ? AND status IN ('pending', 'running') ORDER BY idx`, [key])
        .map((r) => this.record(runId, key, r)),
    );
  }

  /**
   * A record read from the database; an output kept by reference (output-ref.ts) is the data of its
   * step, from the steps table or the run's step segments. A damaged frame answers E_STORE_DAMAGED,
   * never the record without its output.
   */
  private record(runId: string, key: number, row: SqlValue[]): RecordRow {
    const record = this.whole(key, toRecord(runId, row));
    const seq = row[OUTPUT_STEP_AT] as number;
    if (!seq) return record;
    const hot = this.sql.one('SELECT output FROM steps WHERE run_key = ? AND record_idx = ? AND seq = ?', [key, record.index, seq]);
    if (hot) {
      record.output = firstItemData(hot[0]) as RecordRow['output'];
      return record;
    }
    try {
      record.output = emittedByStep(this.spill.stepRows(runId, key, record.index), seq) as RecordRow['output'];
    } catch (err) {
      if (err instanceof ArchiveDamage) throw stepSegmentDamagedError(this.dir, runId, record.index, err, 'output');
      throw err;
    }
    return record;
  }

  /**
   * A record whose checkpoint is kept as a header and rows (it fanned out: server/engine/fan-out.ts)
   * gets its whole checkpoint back: tokens and groups in their order, path outcomes as a list.
   */
  private whole(key: number, record: RecordRow): RecordRow {
    const cp = record.checkpoint as (RecordCheckpoint & { tokenRows?: boolean; outcomeCounts?: Record<string, number> }) | null;
    if (!cp?.tokenRows) return record;
    const tokens: RecordCheckpoint['tokens'] = [];
    const groups: RecordCheckpoint['groups'] = [];
    for (const r of this.sql.all('SELECT kind, value FROM record_tokens WHERE run_key = ? AND record_idx = ? ORDER BY kind, ord', [key, record.index])) {
      if (r[0] === 't') tokens.push(JSON.parse(r[1] as string));
      else groups.push(JSON.parse(r[1] as string));
    }
    const { tokenRows: _rows, outcomeCounts, ...header } = cp;
    const outcomes = [...header.outcomes, ...expandOutcomes(outcomeCounts)];
    return { ...record, checkpoint: { ...header, tokens, groups, outcomes } };
  }

  async countRecords(runId: string): Promise<StatusCounts> {
    this.ensureOpen();
    const counts = Object.fromEntries(RECORD_STATUSES.map((s) => [s, 0])) as StatusCounts;
    const key = this.applier.runKey(runId);
    if (key === null) return counts;
    const ref = this.archiveRef(key);
    if (ref) return { ...counts, ...ref.counts };
    for (const [status, n] of this.sql.all('SELECT status, count(*) FROM records WHERE run_key = ? GROUP BY status', [key])) {
      counts[status as RecordStatus] = Number(n);
    }
    return counts;
  }

  async lastRecordStart(runId: string): Promise<string | null> {
    return this.readRun(
      runId,
      null,
      (a) => a.lastRecordStart(),
      (key) => (this.sql.one('SELECT max(started_at) FROM records WHERE run_key = ?', [key])?.[0] as string | null) ?? null,
    );
  }

  async listSteps(runId: string, recordIndex: number): Promise<StepRow[]> {
    return this.readRun(runId, [], (a) => a.listSteps(recordIndex), (key) => {
      // Steps of a finished record may be in the run's step segments; later ones (a retry) in the database.
      const spilled = this.readSpill(runId, recordIndex, () => this.spill.stepRows(runId, key, recordIndex)).map((r) => stepFromArchive(runId, r as unknown[]));
      const hot = this.sql
        .all(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_key = ? AND record_idx = ? ORDER BY seq`, [key, recordIndex])
        .map((r) => toStep(runId, r));
      return spilled.length ? [...spilled, ...hot] : hot;
    });
  }

  /** A read of a record's steps in its run's step segments; damage answers E_STORE_DAMAGED naming the segment and the record. */
  private readSpill<T>(runId: string, recordIndex: number, read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (err instanceof ArchiveDamage) throw stepSegmentDamagedError(this.dir, runId, recordIndex, err, 'read');
      throw err;
    }
  }

  async stepCounts(runId: string): Promise<Record<string, StepCounts>> {
    this.ensureOpen();
    const out: Record<string, StepCounts> = {};
    const key = this.applier.runKey(runId);
    if (key === null) return out;
    for (const [nodeId, success, failed, review] of this.sql.all(
      'SELECT node_id, success, failed, review FROM step_counts WHERE run_key = ? ORDER BY node_id',
      [key],
    )) {
      out[nodeId as string] = { success: Number(success), failed: Number(failed), review: Number(review) };
    }
    return out;
  }

  // ---------------------------------------------------------------- audit (AuditReads)

  async keyAttempts(flowId: string, keys: string[], excludeRunId: string): Promise<Map<string, KeyAttempts>> {
    this.ensureOpen();
    return audit.keyAttempts(this.sql, flowId, keys, excludeRunId);
  }

  async listRejects(runId: string): Promise<RejectRow[]> {
    return this.readRun(runId, [], (a) => a.rejects(), (key) =>
      this.sql.all(`SELECT ${REJECT_COLUMNS} FROM rejects WHERE run_key = ? ORDER BY row, id`, [key]).map((r) => toReject(runId, r)),
    );
  }

  async listRecordEvents(runId: string, index: number): Promise<RecordEventRow[]> {
    return this.readRun(runId, [], (a) => a.listRecordEvents(index), (key) =>
      this.sql
        .all(`SELECT ${EVENT_COLUMNS} FROM record_events WHERE run_key = ? AND record_idx = ? ORDER BY id`, [key, index])
        .map((r) => toEvent(runId, r)),
    );
  }

  async listRunEvents(runId: string, filter: { actor?: 'engine' | 'operator'; offset?: number; limit?: number } = {}): Promise<Page<RecordEventRow>> {
    return this.readRun(runId, { items: [], total: 0 }, (a) => a.listRunEvents(filter.actor, clampOffset(filter.offset), clampLimit(filter.limit, 100)), (key) => {
      const where = filter.actor ? 'run_key = ? AND actor = ?' : 'run_key = ?';
      const params: Array<string | number> = filter.actor ? [key, filter.actor] : [key];
      const total = Number(this.sql.one(`SELECT COUNT(*) FROM record_events WHERE ${where}`, params)?.[0] ?? 0);
      const items = this.sql
        .all(`SELECT ${EVENT_COLUMNS} FROM record_events WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`, [...params, filter.limit ?? 100, filter.offset ?? 0])
        .map((r) => toEvent(runId, r));
      return { items, total };
    });
  }

  async listReview(filter: ReviewFilter = {}): Promise<Page<RecordRow & { flowId: string; flowName: string }>> {
    this.ensureOpen();
    return audit.listReview(this.sql, filter, filter.runId === undefined ? null : this.applier.runKey(filter.runId));
  }

  // ---------------------------------------------------------------- report (ReportReads)

  async stepTimings(runId: string): Promise<StepTimings[]> {
    return this.readRun(runId, [], (a) => a.stepTimings(), (key) => report.stepTimings(this.sql, key, this.spill.timings(key)));
  }

  async recordTimings(runId: string): Promise<RecordTiming[]> {
    return this.readRun(runId, [], (a) => a.recordTimings(), (key) => report.recordTimings(this.sql, key));
  }

  async recordSummaries(runId: string, fields: string[]): Promise<RecordSummary[]> {
    return this.readRun(runId, [], (a) => a.recordSummaries(fields), (key) => report.recordSummaries(this.sql, key, fields));
  }

  // ---------------------------------------------------------------- node state (NodeStateStore), logs (LogStore)

  async getNodeState(scope: string, nodeId: string, key: string): Promise<Json | null> {
    this.ensureOpen();
    const row = this.sql.one('SELECT value FROM node_state WHERE scope = ? AND node_id = ? AND key = ?', [scope, nodeId, key]);
    return row ? (JSON.parse(row[0] as string) as Json) : null;
  }

  async listNodeState(scope: string, nodeId: string, prefix = ''): Promise<Array<{ key: string; value: Json }>> {
    this.ensureOpen();
    // A range on the primary key instead of LIKE: prefixes may hold % or _.
    const rows = prefix
      ? this.sql.all('SELECT key, value FROM node_state WHERE scope = ? AND node_id = ? AND key >= ? AND key < ? ORDER BY key', [scope, nodeId, prefix, prefix + '\uffff'])
      : this.sql.all('SELECT key, value FROM node_state WHERE scope = ? AND node_id = ? ORDER BY key', [scope, nodeId]);
    return rows.map((r) => ({ key: r[0] as string, value: JSON.parse(r[1] as string) as Json }));
  }

  async pageNodeState(scope: string, nodeId: string, page: { contains?: string; offset: number; limit: number }): Promise<{ items: Array<{ key: string; value: Json }>; total: number }> {
    this.ensureOpen();
    // instr, not LIKE: the text searched for may hold % or _.
    const where = page.contains ? 'scope = ? AND node_id = ? AND instr(key, ?) > 0' : 'scope = ? AND node_id = ?';
    const params: Array<string | number> = page.contains ? [scope, nodeId, page.contains] : [scope, nodeId];
    const total = Number(this.sql.one(`SELECT count(*) FROM node_state WHERE ${where}`, params)?.[0] ?? 0);
    const rows = this.sql.all(`SELECT key, value FROM node_state WHERE ${where} ORDER BY key LIMIT ? OFFSET ?`, [...params, clampLimit(page.limit, 100), clampOffset(page.offset)]);
    return { items: rows.map((r) => ({ key: r[0] as string, value: JSON.parse(r[1] as string) as Json })), total };
  }

  async listLogs(runId: string, filter: { offset?: number; limit?: number } = {}): Promise<Page<LogRow>> {
    const limit = clampLimit(filter.limit, DEFAULT_LOGS_LIMIT);
    const offset = clampOffset(filter.offset);
    return this.readRun(runId, { items: [], total: 0 }, (a) => a.listLogs(offset, limit), (key) => {
      const total = this.sql.one('SELECT count(*) FROM logs WHERE run_key = ?', [key]);
      const rows = this.sql.all(`SELECT ${LOG_COLUMNS} FROM logs WHERE run_key = ? ORDER BY id LIMIT ? OFFSET ?`, [
        key,
        limit,
        offset,
      ]);
      return { items: rows.map((r) => toLog(runId, r)), total: Number(total?.[0] ?? 0) };
    });
  }

  // ---------------------------------------------------------------- retention reads (retention.ts)

  async listAudit(filter: { runId?: string; offset?: number; limit?: number } = {}): Promise<{ items: retention.AuditEntry[]; total: number }> {
    this.ensureOpen();
    return retention.listAudit(this.sql, filter);
  }

  async runStoreSize(runId: string): Promise<retention.RunStoreSize | null> {
    this.ensureOpen();
    const key = this.applier.runKey(runId);
    if (key === null) return null;
    // An archived run: its archive's bytes on disk (and what its hot rows still take).
    const ref = this.archiveRef(key);
    if (ref) return { records: ref.records, steps: ref.steps, bytes: ref.bytes + retention.runStoreSize(this.sql, key).bytes };
    const hot = retention.runStoreSize(this.sql, key);
    const spilled = this.spill.size(key);
    return { records: hot.records, steps: hot.steps + spilled.steps, bytes: hot.bytes + spilled.bytes };
  }

  async reviewCount(runId: string): Promise<number> {
    this.ensureOpen();
    const key = this.applier.runKey(runId);
    return key === null ? 0 : retention.reviewCount(this.sql, key);
  }

  async listRunHeads(): Promise<retention.RunHead[]> {
    this.ensureOpen();
    return retention.listRunHeads(this.sql);
  }

  async referencedUploads(): Promise<Set<string>> {
    this.ensureOpen();
    return retention.referencedUploads(this.sql);
  }

  async namedKeptFiles(sha256s: readonly string[]): Promise<Set<string>> {
    this.ensureOpen();
    return retention.namedKeptFiles(this.sql, sha256s);
  }

  async runsUsingUpload(uploadId: string, exceptRunId: string): Promise<number> {
    this.ensureOpen();
    return retention.runsUsingUpload(this.sql, uploadId, exceptRunId);
  }

  // ---------------------------------------------------------------- helpers

  /** The archive of an archived run (null: its rows are in the database). */
  protected archiveRef(key: number): ArchiveRef | null {
    return this.applier.isArchived(key) ? this.shelf.ref(key) : null;
  }

  /**
   * A read of one run: `none` when there is no such run; `archived` from its archive when the run's rows
   * were moved there (see docs/architecture.md, "Run archives"); otherwise `hot`, from the database, with
   * the run's key.
   */
  protected readRun<T>(runId: string, none: T, archived: (a: RunArchive) => T, hot: (key: number) => T): T {
    this.ensureOpen();
    const key = this.applier.runKey(runId);
    if (key === null) return none;
    const ref = this.archiveRef(key);
    return ref ? this.shelf.read(runId, ref, archived) : hot(key);
  }

  protected closedError(): Error {
    return new Error(`The store in ${this.dir} is closed; reopen it to write.`);
  }

  protected ensureOpen(): void {
    if (this.closed) throw this.closedError();
  }
}
