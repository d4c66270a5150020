/**
 * The PostgreSQL store: the whole `Store` interface with the embedded store's behaviour, on a
 * database many processes can share. Writes go through a group commit (write-queue.ts) and resolve
 * once committed; reads see every committed write. Schema migrations run on open (migrate.ts).
 * See docs/architecture.md, "Scaling out".
 */
import type pg from 'pg';
import type { FlowDocument } from '../../contract/flow/schema.ts';
import type { StepCounts } from '../../contract/wire/runs.ts';
import type { Json, RecordData, TerminalStatus } from '../../../nodes/sdk/types.ts';
import { RECORD_STATUSES, REVIEW_STATUSES } from '../../contract/status.ts';
import { clampLimit, clampOffset } from '../paging.ts';
import type {
  ConditionalWrite,
  CreateRunExtras,
  FlowRow,
  KeptFileHead,
  SharedUploadHead,
  KeyAttempts,
  LogRow,
  NodeStateWrite,
  Page,
  RecordEventRow,
  RecordExpectation,
  RecordRow,
  RecordStatus,
  RecordSummary,
  RecordTiming,
  RecordUpdate,
  RejectRow,
  ReviewFilter,
  RunPatch,
  RunRow,
  RunStatus,
  StatusCounts,
  StepRow,
  StepTimings,
  Store,
} from '../types.ts';
import type { AuditEntry, AuditWrite, RunHead, RunStoreSize } from '../retention.ts';
import { createPool, describeUrl, isUnreachable, unreachableError, unreachableWriteError } from './connection.ts';
import { isStoreWriteError, type StoreWriteFailure } from '../write-failure.ts';
import { migrate, type MigrationResult } from './migrate.ts';
import { WriteQueue } from './write-queue.ts';
import * as w from './writes.ts';
import * as rr from './retention-reads.ts';
import { EVENT_COLUMNS, FLOW_COLUMNS, LOG_COLUMNS, outcomesOf, RECORD_COLUMNS, REJECT_COLUMNS, RUN_COLUMNS, STEP_COLUMNS, toEvent, toFlow, toLog, toRecord, toReject, toRun, toStep, wholeCheckpoint } from './rows.ts';
import { holdStore, withFlowLock, type Hold } from './exclusive.ts';
import { KEPT_FILE_ID, keptFileDamaged, sha256Of } from '../kept-files.ts';
import { dataFileError } from '../data-files.ts';
import * as uploads from './shared-uploads.ts';

const DEFAULT_RECORDS_LIMIT = 100;
const DEFAULT_LOGS_LIMIT = 100;
const DEFAULT_RUNS_LIMIT = 200;
const DEFAULT_REVIEW_LIMIT = 100;
const DEFAULT_REVIEW_STATUSES: readonly RecordStatus[] = REVIEW_STATUSES;
/** Pending and skipped records never attempted anything (a settled record is stored skipped). */
const ATTEMPT_STATUSES = ['success', 'failed', 'needs_review', 'running'];

export interface PgStoreOptions {
  /** Connections in the pool (default 10; CONVEYOR_PG_POOL). */
  poolSize?: number;
  /**
   * Hold the database for this process (a session advisory lock, exclusive.ts): `true` / 'sole' for
   * a process that executes runs itself or copies into it (refused beside any other holder),
   * 'shared' for a --no-execute studio (any number of them share it). E_STORE_IN_USE otherwise.
   */
  exclusive?: boolean | Hold;
}

/** Opens the store in the database `url` names, running the migrations it lacks. */
export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const where = describeUrl(url);
  const pool = createPool(url, options.poolSize ?? (Number(process.env.CONVEYOR_PG_POOL) || 10));
  try {
    const client = await pool.connect().catch((err: unknown) => {
      throw isUnreachable(err) ? unreachableError(where, err) : err;
    });
    let migration: MigrationResult;
    try {
      migration = await migrate(client, where);
    } finally {
      client.release();
    }
    const release = options.exclusive ? await holdStore(pool, where, options.exclusive === 'shared' ? 'shared' : 'sole') : null;
    return new PgStore(pool, where, migration, release);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

export class PgStore implements Store {
  private readonly writes: WriteQueue;
  private closing: Promise<void> | null = null;
  /** Why writes fail now (the database cannot be reached), until one goes through again. */
  private failure: StoreWriteFailure | null = null;
  private readonly writeStateListeners = new Set<(failure: StoreWriteFailure | null) => void>();

  constructor(
    private readonly pool: pg.Pool,
    /** host:port/database, for messages (never the password). */
    readonly where: string,
    /** What the migrations did on open. */
    readonly migration: MigrationResult,
    private readonly releaseExclusive: (() => Promise<void>) | null = null,
  ) {
    this.writes = new WriteQueue(pool, where);
  }

  // ---------------------------------------------------------------- plumbing

  private write<R>(op: w.Write<R>): Promise<R> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.writes.submit(op).then(
      (value) => {
        this.setFailure(null);
        return value;
      },
      (err: unknown) => {
        if (isStoreWriteError(err)) this.setFailure(err.failure);
        throw err;
      },
    );
  }

  private setFailure(failure: StoreWriteFailure | null): void {
    if ((failure === null) === (this.failure === null)) return;
    this.failure = failure;
    for (const l of this.writeStateListeners) l(failure);
  }

  /** Why writes fail (the database cannot be reached), or null while they work: health and the engine ask. */
  writeFailure(): StoreWriteFailure | null {
    return this.failure;
  }

  /** Calls `listener` when writes start failing (with the failure) and when they work again (null). */
  onWriteState(listener: (failure: StoreWriteFailure | null) => void): () => void {
    this.writeStateListeners.add(listener);
    return () => this.writeStateListeners.delete(listener);
  }

  /** Before a resume: checks that the database answers again; throws E_STORE_WRITE while it does not. */
  async recoverWrites(): Promise<void> {
    if (this.closing) throw this.closedError();
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      const failure = unreachableWriteError(this.where, err);
      this.setFailure(failure.failure);
      throw failure;
    }
    this.setFailure(null);
  }

  private async rows<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
    if (this.closing) throw this.closedError();
    try {
      return (await this.pool.query(text, values)).rows as T[];
    } catch (err) {
      throw isUnreachable(err) ? unreachableError(this.where, err) : err;
    }
  }

  private closedError(): Error {
    return new Error(`The store in ${this.where} is closed; reopen it to write.`);
  }

  /** Waits for queued writes, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writes.idle();
      await this.releaseExclusive?.().catch(() => undefined);
      await this.pool.end();
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- flows

  async listFlows(): Promise<FlowRow[]> {
    return (await this.rows(`SELECT ${FLOW_COLUMNS} FROM flows ORDER BY lower(name) COLLATE "C", id`)).map(toFlow);
  }

  async getFlow(id: string): Promise<FlowRow | null> {
    const [row] = await this.rows(`SELECT ${FLOW_COLUMNS} FROM flows WHERE id = $1`, [id]);
    return row ? toFlow(row) : null;
  }

  async putFlow(doc: FlowDocument): Promise<FlowRow> {
    const at = new Date().toISOString();
    const text = JSON.stringify(doc);
    const createdAt = await this.write(w.putFlow(doc, at));
    return { id: doc.id, name: doc.name, doc: JSON.parse(text) as FlowDocument, createdAt, updatedAt: at };
  }

  deleteFlow(id: string): Promise<boolean> {
    return this.write(w.deleteFlow(id));
  }

  withFlowLock<T>(id: string, write: () => Promise<T>): Promise<T> {
    return withFlowLock(this.pool, id, write);
  }

  // ---------------------------------------------------------------- files chosen in node forms

  async putKeptFile(bytes: Buffer): Promise<string> {
    const sha = sha256Of(bytes);
    await this.write(w.putKeptFile(sha, bytes));
    return sha;
  }

  async readKeptFile(sha256: string): Promise<Buffer | null> {
    if (!KEPT_FILE_ID.test(sha256)) return null;
    const [row] = await this.rows<{ bytes: Buffer }>('SELECT bytes FROM kept_files WHERE sha256 = $1', [sha256]);
    if (!row) return null;
    const actual = sha256Of(row.bytes);
    if (actual !== sha256) throw keptFileDamaged(sha256, 'kept_files', actual);
    return row.bytes;
  }

  // ---------------------------------------------------------------- uploads shared by the studios (shared-uploads.ts)

  async shareUpload(upload: Omit<SharedUploadHead, 'receivedAt'>, file: string): Promise<void> {
    if (this.closing) throw this.closedError();
    await uploads.shareUpload(this.pool, upload, file);
  }

  async fetchUpload(id: string, toFile: string): Promise<SharedUploadHead | null> {
    if (this.closing) throw this.closedError();
    return uploads.fetchUpload(this.pool, id, toFile);
  }

  async sharedUploads(): Promise<SharedUploadHead[]> {
    if (this.closing) throw this.closedError();
    return uploads.sharedUploads(this.pool);
  }

  async deleteSharedUpload(id: string): Promise<boolean> {
    if (this.closing) throw this.closedError();
    return uploads.deleteSharedUpload(this.pool, id);
  }

  // ---------------------------------------------------------------- evidence (any studio or worker reads it)

  async putEvidence(runId: string, ref: string, bytes: Buffer): Promise<void> {
    await this.write(w.putEvidence(runId, ref, sha256Of(bytes), bytes));
  }

  async readEvidence(ref: string): Promise<Buffer | null> {
    const [row] = await this.rows<{ bytes: Buffer; sha256: string }>('SELECT bytes, sha256 FROM evidence_files WHERE ref = $1', [ref]);
    if (!row) return null;
    const actual = sha256Of(row.bytes);
    if (actual !== row.sha256) throw dataFileError('evidence', ref, { state: 'damaged', reason: `its ${row.bytes.length} bytes in the database hash to ${actual.slice(0, 12)}…, not to the SHA-256 kept when it was written (${row.sha256.slice(0, 12)}…)`, sum: null });
    return row.bytes;
  }

  async runEvidence(runId: string): Promise<Array<{ ref: string; bytes: Buffer; sha256: string }>> {
    return this.rows<{ ref: string; bytes: Buffer; sha256: string }>('SELECT ref, bytes, sha256 FROM evidence_files WHERE run_id = $1 ORDER BY written_at, ref', [runId]);
  }

  async evidenceBytes(runId: string): Promise<number> {
    const [row] = await this.rows<{ n: string }>('SELECT coalesce(sum(octet_length(bytes)), 0) AS n FROM evidence_files WHERE run_id = $1', [runId]);
    return Number(row.n);
  }

  async allEvidenceBytes(): Promise<number> {
    const [row] = await this.rows<{ n: string }>('SELECT coalesce(sum(octet_length(bytes)), 0) AS n FROM evidence_files');
    return Number(row.n);
  }

  async listKeptFiles(): Promise<KeptFileHead[]> {
    const rows = await this.rows<{ sha256: string; bytes: string; kept_at: Date }>('SELECT sha256, octet_length(bytes) AS bytes, kept_at FROM kept_files ORDER BY sha256');
    return rows.map((r) => ({ sha256: r.sha256, bytes: Number(r.bytes), keptAt: new Date(r.kept_at).toISOString() }));
  }

  async deleteKeptFile(sha256: string): Promise<boolean> {
    if (!KEPT_FILE_ID.test(sha256)) return false;
    return this.write(w.deleteKeptFile(sha256));
  }

  // ---------------------------------------------------------------- runs, records, steps

  createRun(run: RunRow, records: RecordData[], extras?: CreateRunExtras): Promise<void> {
    return this.write(w.createRun(run, records, extras));
  }

  updateRun(id: string, patch: RunPatch): Promise<void> {
    return this.write(w.updateRun(id, patch));
  }

  updateRunIf(id: string, from: readonly RunStatus[], patch: RunPatch): Promise<ConditionalWrite<RunStatus>> {
    return this.write(w.updateRunIf(id, from, patch));
  }

  async getRun(id: string): Promise<RunRow | null> {
    const [row] = await this.rows(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return row ? toRun(row) : null;
  }

  async listRuns(filter: { flowId?: string; limit?: number } = {}): Promise<RunRow[]> {
    const limit = clampLimit(filter.limit, DEFAULT_RUNS_LIMIT);
    const rows =
      filter.flowId !== undefined
        ? await this.rows(`SELECT ${RUN_COLUMNS} FROM runs WHERE flow_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [filter.flowId, limit])
        : await this.rows(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  async listRunsWithStatus(statuses: RunStatus[]): Promise<RunRow[]> {
    if (statuses.length === 0) return [];
    return (await this.rows(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = ANY($1::text[]) ORDER BY created_at DESC, id DESC`, [statuses])).map(toRun);
  }

  commitStep(step: StepRow, record: RecordUpdate, state?: NodeStateWrite[]): Promise<void> {
    return this.write(w.commitStep(step, record, state));
  }

  updateRecord(update: RecordUpdate): Promise<void> {
    return this.write(w.updateRecord(update));
  }

  updateRecordIf(update: RecordUpdate, expect: RecordExpectation): Promise<ConditionalWrite<RecordStatus>> {
    return this.write(w.updateRecordIf(update, expect));
  }

  /** Records with their whole checkpoint (the rows of those that fanned out read back in one query). */
  private async records(rows: Array<Record<string, any>>): Promise<RecordRow[]> {
    const records = rows.map(toRecord);
    const split = records.filter((r) => (r.checkpoint as { tokenRows?: boolean } | null)?.tokenRows);
    if (split.length === 0) return records;
    const tokenRows = await this.rows<{ record_idx: number; kind: string; value: string }>(
      'SELECT record_idx, kind, value FROM record_tokens WHERE run_id = $1 AND record_idx = ANY($2::int[]) ORDER BY record_idx, kind, ord',
      [split[0].runId, split.map((r) => r.index)],
    );
    return records.map((r) => (split.includes(r) ? wholeCheckpoint(r, tokenRows.filter((t) => t.record_idx === r.index)) : r));
  }

  /** Records from rows of the records table read elsewhere (a worker's claim returns the rows it took). */
  recordsOf(rows: Array<Record<string, any>>): Promise<RecordRow[]> {
    return this.records(rows);
  }

  async getRecord(runId: string, index: number): Promise<RecordRow | null> {
    const rows = await this.rows(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_id = $1 AND idx = $2`, [runId, index]);
    return rows.length ? (await this.records(rows))[0] : null;
  }

  /** Several records of a run in one query, in index order (a worker reading the records it claimed; absent ones left out). */
  async getRecords(runId: string, indexes: number[]): Promise<RecordRow[]> {
    if (indexes.length === 0) return [];
    return this.records(await this.rows(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_id = $1 AND idx = ANY($2::int[]) ORDER BY idx`, [runId, indexes]));
  }

  async listRecords(runId: string, filter: { status?: RecordStatus; offset?: number; limit?: number } = {}): Promise<Page<RecordRow>> {
    const limit = clampLimit(filter.limit, DEFAULT_RECORDS_LIMIT);
    const offset = clampOffset(filter.offset);
    const where = filter.status !== undefined ? 'run_id = $1 AND status = $2' : 'run_id = $1';
    const params: unknown[] = filter.status !== undefined ? [runId, filter.status] : [runId];
    const [{ n }] = await this.rows<{ n: number }>(`SELECT count(*) AS n FROM records WHERE ${where}`, params);
    const rows = await this.rows(`SELECT ${RECORD_COLUMNS} FROM records WHERE ${where} ORDER BY idx LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, limit, offset]);
    return { items: await this.records(rows), total: n };
  }

  async unfinishedRecords(runId: string): Promise<RecordRow[]> {
    return this.records(await this.rows(`SELECT ${RECORD_COLUMNS} FROM records WHERE run_id = $1 AND status IN ('pending', 'running') ORDER BY idx`, [runId]));
  }

  async countRecords(runId: string): Promise<StatusCounts> {
    const counts = Object.fromEntries(RECORD_STATUSES.map((s) => [s, 0])) as StatusCounts;
    for (const r of await this.rows<{ status: RecordStatus; n: number }>('SELECT status, count(*) AS n FROM records WHERE run_id = $1 GROUP BY status', [runId])) counts[r.status] = r.n;
    return counts;
  }

  async listSteps(runId: string, recordIndex: number): Promise<StepRow[]> {
    return (await this.rows(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = $1 AND record_idx = $2 ORDER BY seq`, [runId, recordIndex])).map(toStep);
  }

  async stepCounts(runId: string): Promise<Record<string, StepCounts>> {
    const out: Record<string, StepCounts> = {};
    // One row per connection that wrote (writes.ts writeCounts): the counter is their sum.
    const text =
      'SELECT node_id, sum(success)::bigint AS success, sum(failed)::bigint AS failed, sum(review)::bigint AS review FROM step_counts WHERE run_id = $1 GROUP BY node_id ORDER BY node_id';
    for (const r of await this.rows<{ node_id: string } & StepCounts>(text, [runId])) {
      out[r.node_id] = { success: r.success, failed: r.failed, review: r.review };
    }
    return out;
  }

  async lastRecordStart(runId: string): Promise<string | null> {
    const [r] = await this.rows<{ at: string | null }>('SELECT max(started_at) AS at FROM records WHERE run_id = $1', [runId]);
    return r?.at ?? null;
  }

  // ---------------------------------------------------------------- audit reads

  async keyAttempts(flowId: string, keys: string[], excludeRunId: string): Promise<Map<string, KeyAttempts>> {
    const found = new Map<string, KeyAttempts>();
    const unique = [...new Set(keys.filter((k) => typeof k === 'string'))];
    if (unique.length === 0) return found;
    // Newest run first: the first row of a key is its latest attempt, its first success the latest one.
    const rows = await this.rows(
      `SELECT r.key, ru.id, r.idx, r.status, r.error_code, r.in_flight, ru.status AS run_status
       FROM records r JOIN runs ru ON ru.id = r.run_id
       WHERE r.key = ANY($1::text[]) AND r.status = ANY($2::text[]) AND ru.flow_id = $3 AND ru.id <> $4
       ORDER BY ru.seq DESC, r.idx`,
      [unique, ATTEMPT_STATUSES, flowId, excludeRunId],
    );
    for (const r of rows) {
      const attempt = { runId: r.id, index: r.idx, status: r.status, runStatus: r.run_status, errorCode: r.error_code, inFlight: r.in_flight };
      const seen = found.get(r.key);
      if (!seen) found.set(r.key, { last: attempt, lastSuccess: attempt.status === 'success' ? attempt : null });
      else if (!seen.lastSuccess && attempt.status === 'success') seen.lastSuccess = attempt;
    }
    return found;
  }

  async listRejects(runId: string): Promise<RejectRow[]> {
    return (await this.rows(`SELECT ${REJECT_COLUMNS} FROM rejects WHERE run_id = $1 ORDER BY row, id`, [runId])).map(toReject);
  }

  async listRecordEvents(runId: string, index: number): Promise<RecordEventRow[]> {
    return (await this.rows(`SELECT ${EVENT_COLUMNS} FROM record_events WHERE run_id = $1 AND record_idx = $2 ORDER BY id`, [runId, index])).map(toEvent);
  }

  async listRunEvents(runId: string, filter: { actor?: 'engine' | 'operator'; offset?: number; limit?: number } = {}): Promise<Page<RecordEventRow>> {
    const where = filter.actor ? 'run_id = $1 AND actor = $2' : 'run_id = $1';
    const params: unknown[] = filter.actor ? [runId, filter.actor] : [runId];
    const [{ n }] = await this.rows<{ n: number }>(`SELECT count(*) AS n FROM record_events WHERE ${where}`, params);
    const rows = await this.rows(`SELECT ${EVENT_COLUMNS} FROM record_events WHERE ${where} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      clampLimit(filter.limit, 100),
      clampOffset(filter.offset),
    ]);
    return { items: rows.map(toEvent), total: n };
  }

  async listReview(filter: ReviewFilter = {}): Promise<Page<RecordRow & { flowId: string; flowName: string }>> {
    const statuses = [...new Set(filter.statuses ?? DEFAULT_REVIEW_STATUSES)];
    if (statuses.length === 0) return { items: [], total: 0 };
    const params: unknown[] = [statuses];
    const where = ['r.status = ANY($1::text[])'];
    const add = (cond: string, v: unknown) => {
      params.push(v);
      where.push(cond.replace('?', `$${params.length}`));
    };
    if (filter.runId !== undefined) add('r.run_id = ?', filter.runId);
    if (filter.flowId !== undefined) add('ru.flow_id = ?', filter.flowId);
    if (filter.code !== undefined) add('r.error_code = ?', filter.code);
    if (filter.nodeId !== undefined) add("(r.error::jsonb ->> 'nodeId') = ?", filter.nodeId);
    const from = `FROM records r JOIN runs ru ON ru.id = r.run_id WHERE ${where.join(' AND ')}`;
    const [{ n: total }] = await this.rows<{ n: number }>(`SELECT count(*) AS n ${from}`, params);
    const limit = clampLimit(filter.limit, DEFAULT_REVIEW_LIMIT);
    const offset = clampOffset(filter.offset);
    if (limit === 0 || offset >= total) return { items: [], total };
    const cols = RECORD_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ');
    const rows = await this.rows(`SELECT ru.flow_id, ru.flow_name, ${cols} ${from} ORDER BY ru.created_at DESC, ru.id DESC, r.idx LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      limit,
      offset,
    ]);
    return { items: rows.map((r) => ({ ...toRecord(r), flowId: r.flow_id, flowName: r.flow_name })), total };
  }

  // ---------------------------------------------------------------- report reads

  async stepTimings(runId: string): Promise<StepTimings[]> {
    const rows = await this.rows<{ node_id: string; status: StepRow['status']; durations: number[] }>(
      'SELECT node_id, status, array_agg(duration_ms) AS durations FROM steps WHERE run_id = $1 GROUP BY node_id, status',
      [runId],
    );
    // Per node, successes before failures (the embedded store's order).
    return rows
      .map((r) => ({ nodeId: r.node_id, status: r.status, durations: r.durations }))
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.status < b.status ? 1 : -1));
  }

  async recordTimings(runId: string): Promise<RecordTiming[]> {
    const rows = await this.rows(
      `SELECT idx, status, started_at, ended_at, error_code,
        EXISTS (SELECT 1 FROM record_events e WHERE e.run_id = r.run_id AND e.record_idx = r.idx AND e.action = 'settled') AS settled
       FROM records r WHERE run_id = $1 ORDER BY idx`,
      [runId],
    );
    return rows.map((r) => ({ index: r.idx, status: r.status, startedAt: r.started_at, endedAt: r.ended_at, errorCode: r.error_code, settled: r.settled }));
  }

  async recordSummaries(runId: string, fields: string[]): Promise<RecordSummary[]> {
    // jsonb values come back parsed: a field's value as JSON, whatever its name (spaces, dots).
    const cols = fields.map((_, i) => `, (data::jsonb) -> $${i + 2} AS f${i}`).join('');
    const rows = await this.rows(
      `SELECT idx, status, (checkpoint::jsonb) -> 'outcomes' AS outcomes, (checkpoint::jsonb) -> 'outcomeCounts' AS counts${cols} FROM records WHERE run_id = $1 ORDER BY idx`,
      [runId, ...fields],
    );
    return rows.map((r) => ({
      index: r.idx,
      status: r.status,
      outcomes: r.outcomes === null || r.outcomes === undefined ? null : outcomesOf(r.outcomes as TerminalStatus[], r.counts),
      fields: fields.map((_, i) => (r[`f${i}`] ?? null) as Json),
    }));
  }

  // ---------------------------------------------------------------- node state

  async getNodeState(scope: string, nodeId: string, key: string): Promise<Json | null> {
    const [r] = await this.rows<{ value: string }>('SELECT value FROM node_state WHERE scope = $1 AND node_id = $2 AND key = $3', [scope, nodeId, key]);
    return r ? (JSON.parse(r.value) as Json) : null;
  }

  async listNodeState(scope: string, nodeId: string, prefix = ''): Promise<Array<{ key: string; value: Json }>> {
    // starts_with, not LIKE: prefixes may hold % or _.
    const rows = await this.rows<{ key: string; value: string }>('SELECT key, value FROM node_state WHERE scope = $1 AND node_id = $2 AND starts_with(key, $3) ORDER BY key', [scope, nodeId, prefix]);
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as Json }));
  }

  async pageNodeState(scope: string, nodeId: string, page: { contains?: string; offset: number; limit: number }): Promise<{ items: Array<{ key: string; value: Json }>; total: number }> {
    // strpos, not LIKE: the text searched for may hold % or _.
    const where = page.contains ? 'scope = $1 AND node_id = $2 AND strpos(key, $3) > 0' : 'scope = $1 AND node_id = $2';
    const params: unknown[] = page.contains ? [scope, nodeId, page.contains] : [scope, nodeId];
    const [count] = await this.rows<{ n: string }>(`SELECT count(*) AS n FROM node_state WHERE ${where}`, params);
    const n = params.length;
    const rows = await this.rows<{ key: string; value: string }>(`SELECT key, value FROM node_state WHERE ${where} ORDER BY key LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...params,
      clampLimit(page.limit, 100),
      clampOffset(page.offset),
    ]);
    return { items: rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as Json })), total: Number(count?.n ?? 0) };
  }

  async putNodeState(writes: NodeStateWrite[]): Promise<void> {
    if (this.closing) throw this.closedError();
    if (writes.length > 0) await this.write(w.putNodeState(writes));
  }

  async claimNodeState(scope: string, nodeId: string, key: string, value: Json): Promise<Json> {
    if (this.closing) throw this.closedError();
    return this.write(w.claimNodeState(scope, nodeId, key, value));
  }

  clearNodeState(scope: string, nodeId: string): Promise<void> {
    return this.write(w.clearNodeState(scope, nodeId));
  }

  // ---------------------------------------------------------------- run log

  async appendLogs(rows: LogRow[]): Promise<void> {
    if (this.closing) throw this.closedError();
    if (rows.length > 0) await this.write(w.appendLogs(rows));
  }

  async listLogs(runId: string, filter: { offset?: number; limit?: number } = {}): Promise<Page<LogRow>> {
    const [{ n }] = await this.rows<{ n: number }>('SELECT count(*) AS n FROM logs WHERE run_id = $1', [runId]);
    const rows = await this.rows(`SELECT ${LOG_COLUMNS} FROM logs WHERE run_id = $1 ORDER BY id LIMIT $2 OFFSET $3`, [
      runId,
      clampLimit(filter.limit, DEFAULT_LOGS_LIMIT),
      clampOffset(filter.offset),
    ]);
    return { items: rows.map(toLog), total: n };
  }

  // ---------------------------------------------------------------- retention

  deleteRun(runId: string, opts: { force?: boolean; audit: AuditWrite }): Promise<{ records: number }> {
    return this.write(w.deleteRun(runId, opts.force ?? false, opts.audit));
  }

  appendAudit(audit: AuditWrite): Promise<void> {
    return this.write(w.appendAudit(audit));
  }

  async listAudit(filter?: { runId?: string; offset?: number; limit?: number }): Promise<{ items: AuditEntry[]; total: number }> {
    if (this.closing) throw this.closedError();
    return rr.listAudit(this.pool, filter);
  }

  async runStoreSize(runId: string): Promise<RunStoreSize | null> {
    if (this.closing) throw this.closedError();
    return rr.runStoreSize(this.pool, runId);
  }

  async reviewCount(runId: string): Promise<number> {
    if (this.closing) throw this.closedError();
    return rr.reviewCount(this.pool, runId);
  }

  async listRunHeads(): Promise<RunHead[]> {
    if (this.closing) throw this.closedError();
    return rr.listRunHeads(this.pool);
  }

  async referencedUploads(): Promise<Set<string>> {
    if (this.closing) throw this.closedError();
    return rr.referencedUploads(this.pool);
  }

  async databaseBytes(): Promise<number> {
    const [row] = await this.rows<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
    return Number(row.bytes);
  }

  async namedKeptFiles(sha256s: readonly string[]): Promise<Set<string>> {
    if (this.closing) throw this.closedError();
    return rr.namedKeptFiles(this.pool, sha256s);
  }

  async runsUsingUpload(uploadId: string, exceptRunId: string): Promise<number> {
    if (this.closing) throw this.closedError();
    return rr.runsUsingUpload(this.pool, uploadId, exceptRunId);
  }

  // ---------------------------------------------------------------- several studios (migration 4)

  /**
   * Claims one tick of a flow's schedule for `studio`, to start the run `runId`
   * (server/scheduler/tick-claims.ts). Returns the run id to start: `runId` for the first claim of
   * (flow, tick); the earlier claim's run id when that claim was another studio's and its run does
   * not exist (the studio stopped between its claim and its run: taken over, same run id); null
   * when the tick is fired or settled already, or being fired by this studio. Claims older than 30
   * days are dropped on the way (a tick is never that late).
   */
  async claimTick(flowId: string, scheduledFor: string, studio: string, runId: string): Promise<string | null> {
    const rows = await this.rows<{ run_id: string }>(
      `WITH pruned AS (DELETE FROM schedule_ticks WHERE claimed_at < now() - interval '30 days')
       INSERT INTO schedule_ticks AS t (flow_id, scheduled_for, studio, run_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (flow_id, scheduled_for) DO UPDATE SET studio = EXCLUDED.studio, claimed_at = now()
         WHERE t.run_id IS NOT NULL AND t.studio <> EXCLUDED.studio AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = t.run_id)
       RETURNING t.run_id`,
      [flowId, scheduledFor, studio, runId],
    );
    return rows[0]?.run_id ?? null;
  }

  /** A claimed tick ends without a run (skipped: the previous run still went on): nobody takes it over. */
  async settleTick(flowId: string, scheduledFor: string): Promise<void> {
    await this.rows('UPDATE schedule_ticks SET run_id = NULL WHERE flow_id = $1 AND scheduled_for = $2', [flowId, scheduledFor]);
  }

  /**
   * Ticks claimed by another studio within the last day whose run does not exist: that studio
   * stopped between its claim and its run. The leader fires them when it starts (scheduler.ts).
   */
  async orphanTicks(studio: string): Promise<Array<{ flowId: string; scheduledFor: string }>> {
    const rows = await this.rows<{ flow_id: string; scheduled_for: string }>(
      `SELECT t.flow_id, t.scheduled_for FROM schedule_ticks t
        WHERE t.run_id IS NOT NULL AND t.studio <> $1 AND t.claimed_at > now() - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = t.run_id)
        ORDER BY t.flow_id, t.scheduled_for`,
      [studio],
    );
    return rows.map((r) => ({ flowId: r.flow_id, scheduledFor: r.scheduled_for }));
  }

  /** Tells every process LISTENing on `channel` (other studios): delivered once the statement commits. */
  async notify(channel: string, payload: string): Promise<void> {
    await this.rows('SELECT pg_notify($1, $2)', [channel, payload]);
  }
}

