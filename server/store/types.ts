import type { FlowDocument } from '../contract/flow/schema.ts';
import type { Json, RecordData, RejectInfo, TerminalStatus, LogLevel } from '../../nodes/sdk/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';
import type { StoreWriteFailure } from './write-failure.ts';
import type { RetentionStore } from './retention.ts';

// The statuses are defined once, with what each allows, in the contract (server/contract/status.ts).
import type { RunStatus, RecordStatus, StatusCounts } from '../contract/status.ts';
export type { RunStatus, RecordStatus, StatusCounts };
import type { RunSettings, RecordEventRow, StepCounts } from '../contract/wire/runs.ts';
export type { RunSettings, RecordEventRow };

export interface FlowRow {
  id: string;
  name: string;
  doc: FlowDocument;
  createdAt: string;
  updatedAt: string;
}



export interface RunRow {
  id: string;
  flowId: string;
  flowName: string;
  /** The flow as it was when the run started: later edits do not change a run. */
  flow: FlowDocument;
  status: RunStatus;
  settings: RunSettings;
  recordCount: number;
  /** Why the run ended, paused or failed, when there is something to say. */
  reason: StepErrorInfo | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /**
   * When the run stood still between its start and its end — paused, stopped, interrupted (a store
   * write failure, a restart) — oldest first, the last one open (`to` null) while it still does.
   * Absent when it never did (and for runs of versions before this field). The report and the
   * records' times leave these out (server/report/run-working-time.ts).
   */
  halts?: RunHalt[];
}

/** An interval a run stood still: from, to (null while it still does). ISO times. */
export type RunHalt = [from: string, to: string | null];

// Where a record stands in the graph is the engine's word (server/engine/checkpoint.ts); the store
// keeps it as it is given.
import type { GroupState, RecordCheckpoint, TokenSession, TokenState } from '../engine/checkpoint.ts';
export type { GroupState, RecordCheckpoint, TokenSession, TokenState };

export interface RecordRow {
  runId: string;
  index: number;
  status: RecordStatus;
  data: RecordData;
  /** Data of the last token to end (the record's result). */
  output: RecordData | null;
  error: (StepErrorInfo & { nodeId?: string }) | null;
  reason: string | null;
  checkpoint: RecordCheckpoint | null;
  startedAt: string | null;
  endedAt: string | null;
  /** The row of the file (sheet) the record was read from, as the operator sees it; null when not read from a file. */
  sourceRow?: number | null;
}

export interface StepRow {
  runId: string;
  recordIndex: number;
  /** Position of this step within its record, from 1: (runId, recordIndex, seq) is unique. */
  seq: number;
  tokenId: number;
  nodeId: string;
  nodeType: string;
  attempt: number;
  status: 'success' | 'failed';
  /** Input when it is not the output of step `inputFrom` (then null, to keep the store small). */
  input: RecordData | RecordData[] | null;
  inputFrom: number | null;
  /** Emissions: [{ port, data }]. */
  output: Array<{ port: string; data: RecordData }>;
  error: StepErrorInfo | null;
  evidence: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
}


export interface RejectRow extends RejectInfo {
  runId: string;
}

export interface CreateRunExtras {
  /** Business key of each record (same order as the records), or null. */
  keys?: Array<string | null>;
  /** Records settled before execution (duplicates, already done): stored with this status and reason. */
  settled?: Array<{ index: number; status: TerminalStatus; reason: string }>;
  /** Rows refused before execution. */
  rejects?: RejectInfo[];
  /** The file row each record was read from (same order as the records; see TriggerRecords.rows). */
  rows?: Array<number | null>;
}

/** The durations of a run's steps at one node with one status (for the run report, without the steps' JSON). */
export interface StepTimings {
  nodeId: string;
  status: StepRow['status'];
  /** Each step's `durationMs`, in no particular order. */
  durations: number[];
}

/** What the run report needs of a record (without its JSON columns). */
export interface RecordTiming {
  index: number;
  status: RecordStatus;
  startedAt: string | null;
  endedAt: string | null;
  /** `error.code` of the record, or null. */
  errorCode: string | null;
  /** Settled before execution (createRun's `settled`): never ran a step. */
  settled: boolean;
}

export interface RecordSummary {
  index: number;
  status: RecordStatus;
  /** The record's values of the fields asked for, in the same order (null when absent). */
  fields: Json[];
  /** How each path of the record ended so far (null when it has not run or did not fan out). */
  outcomes: TerminalStatus[] | null;
}

/** Where a business key was attempted (see `Store.keyAttempts`). */
export interface KeyAttempt {
  runId: string;
  index: number;
  status: RecordStatus;
  /** Status of the run the record belongs to (a record still running in a run under way is not in doubt). */
  runStatus: RunStatus;
  /** `error.code` of the record, or null. */
  errorCode: string | null;
  /** A step that changes things outside Conveyor started and did not commit: it may or may not have happened. */
  inFlight: boolean;
}

export interface KeyAttempts {
  last: KeyAttempt;
  lastSuccess: KeyAttempt | null;
}

export interface ReviewFilter {
  flowId?: string;
  runId?: string;
  /** Error code of the record. */
  code?: string;
  /** The node (step) the record's error happened at (its error's `nodeId`). */
  nodeId?: string;
  /** Default: needs_review and failed. */
  statuses?: RecordStatus[];
  offset?: number;
  limit?: number;
}

export interface RecordUpdate {
  runId: string;
  index: number;
  status: RecordStatus;
  checkpoint: RecordCheckpoint | null;
  output?: RecordData | null;
  error?: RecordRow['error'];
  reason?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
  /** Recorded in the audit trail in the same atomic write. */
  event?: Omit<RecordEventRow, 'runId' | 'recordIndex'>;
  /**
   * A record that fanned out (see `server/engine/fan-out.ts`): `checkpoint` is then only its header
   * (tokens and groups empty, path outcomes in `outcomeCounts`) and these are the token ('t') and
   * group ('g') rows that changed since the last write. Without it, the checkpoint is whole and any
   * rows the record had are dropped. Reading a record puts the checkpoint back together.
   */
  tokenRows?: TokenRows;
  /**
   * The record's first commit, of a record that entered past its trigger without running the
   * trigger's step (engine/token-graph.ts, `enteredCheckpoint`): the trigger's node id, whose step
   * counts one more success (`stepCounts`), as if it had run.
   */
  entered?: string;
  /**
   * The step committed with this update failed and sent its record (one token of it) to review:
   * counted at its node as `review`, not `failed` (CountedAs). Only on a step commit.
   */
  sentToReview?: true;
}

/** Rows of a record's checkpoint that changed: [kind, id, order, value] put, [kind, id] dropped. */
export interface TokenRows {
  put: Array<['t' | 'g', number, number, unknown]>;
  drop: Array<['t' | 'g', number]>;
}

export interface LogRow {
  runId: string;
  /** Record index, or null for run-level lines. */
  recordIndex: number | null;
  nodeId: string | null;
  level: LogLevel;
  message: string;
  data: Json | null;
  at: string;
}

/**
 * A write to a node's persisted state. `scope` is `run:<runId>` or `flow:<flowId>` (or a service's own,
 * e.g. `schedule:<flowId>`); `value: null` deletes the key.
 */
export interface NodeStateWrite {
  scope: string;
  nodeId: string;
  key: string;
  value: Json | null;
}

export interface RunPatch {
  status?: RunStatus;
  reason?: StepErrorInfo | null;
  startedAt?: string | null;
  endedAt?: string | null;
  /** The run's halts as a whole (RunRow.halts). */
  halts?: RunHalt[];
}

/**
 * The answer of a conditional write (`updateRunIf`, `updateRecordIf`): written, or refused because
 * the row is no longer as expected — `found` is its status then (null: there is no such row).
 */
export type ConditionalWrite<S> = { written: true } | { written: false; found: S | null };

/** What a conditional record write expects of the record: one of these statuses (and, when given, this end time). */
export interface RecordExpectation {
  status: readonly RecordStatus[];
  /** The record's `endedAt` as read: a record that ended again meanwhile (retried and failed anew) is not the one read. */
  endedAt?: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/*
 * The store's roles. Callers name the role they need (a report reads `ReportReads`, the scheduler
 * `NodeStateStore`…); `Store` is all of them, as each implementation (embedded sql.js, PostgreSQL)
 * provides. Every write resolves only once it is durable: after a crash (even kill -9) the store
 * reopens with every write whose promise resolved, and nothing half-written.
 */

/** Flow documents. */
export interface FlowStore {
  listFlows(): Promise<FlowRow[]>;
  getFlow(id: string): Promise<FlowRow | null>;
  putFlow(doc: FlowDocument): Promise<FlowRow>;
  deleteFlow(id: string): Promise<boolean>;
  /**
   * Runs `write` while no other process writes flow `id` (a read, then a write made from it: a rename,
   * a save checked against the flow as it is). A store that only one process writes (the embedded
   * store: its data folder is locked) has none; the caller's own lock serializes its writes.
   */
  withFlowLock?<T>(id: string, write: () => Promise<T>): Promise<T>;
}

/** Runs, their records and steps: what the engine writes and resumes from. */
export interface RunStore {
  createRun(run: RunRow, records: RecordData[], extras?: CreateRunExtras): Promise<void>;
  updateRun(id: string, patch: RunPatch): Promise<void>;
  /**
   * Writes `patch` only while the run's status is one of `from`, the check and the write one step:
   * on PostgreSQL other studios and workers write the same rows, so a status read a moment ago may
   * have changed (two studios resuming one run both read it paused). Operators' actions decide with
   * it: exactly one of two at once is written.
   */
  updateRunIf(id: string, from: readonly RunStatus[], patch: RunPatch): Promise<ConditionalWrite<RunStatus>>;
  getRun(id: string): Promise<RunRow | null>;
  listRuns(filter?: { flowId?: string; limit?: number }): Promise<RunRow[]>;
  /** Runs left running/pausing/stopping by a process that died. */
  listRunsWithStatus(statuses: RunStatus[]): Promise<RunRow[]>;

  /** Commits one step, the record's new checkpoint/status and the node state the step wrote, atomically. */
  commitStep(step: StepRow, record: RecordUpdate, state?: NodeStateWrite[]): Promise<void>;
  updateRecord(update: RecordUpdate): Promise<void>;
  /** `updateRecord` (with its audit event) only while the record is as `expect` says, the check and the write one step (see `updateRunIf`). */
  updateRecordIf(update: RecordUpdate, expect: RecordExpectation): Promise<ConditionalWrite<RecordStatus>>;
  getRecord(runId: string, index: number): Promise<RecordRow | null>;
  listRecords(runId: string, filter?: { status?: RecordStatus; offset?: number; limit?: number }): Promise<Page<RecordRow>>;
  /** Records not yet terminal (pending or running), in index order. */
  unfinishedRecords(runId: string): Promise<RecordRow[]>;
  countRecords(runId: string): Promise<StatusCounts>;
  listSteps(runId: string, recordIndex: number): Promise<StepRow[]>;
  /** Per node: how many steps succeeded, failed, and sent their record to review (the canvas counters of a past run). */
  stepCounts(runId: string): Promise<Record<string, StepCounts>>;
  /** When the run's most recently started record started (pacing across pauses and restarts), or null. */
  lastRecordStart(runId: string): Promise<string | null>;
}

/** Idempotency, rejects, the audit trail of records and the review queue. */
export interface AuditReads {
  /**
   * Of `keys`, those a record of another run of the flow has attempted: key → its latest attempt (newest
   * run first) and its latest success. Records that never ran a step (pending, or settled as skipped
   * before the run) and records that ended skipped are not attempts.
   */
  keyAttempts(flowId: string, keys: string[], excludeRunId: string): Promise<Map<string, KeyAttempts>>;
  listRejects(runId: string): Promise<RejectRow[]>;
  listRecordEvents(runId: string, index: number): Promise<RecordEventRow[]>;
  /** The run's audit trail: every record transition and operator action, oldest first. */
  listRunEvents(runId: string, filter?: { actor?: 'engine' | 'operator'; offset?: number; limit?: number }): Promise<Page<RecordEventRow>>;
  listReview(filter: ReviewFilter): Promise<Page<RecordRow & { flowId: string; flowName: string }>>;
}

/** What the run report and the grouped progress read, without the records' JSON. */
export interface ReportReads {
  /** Step durations of a run, grouped per node and status. */
  stepTimings(runId: string): Promise<StepTimings[]>;
  /** Every record of a run (index order), without data, output or checkpoint. */
  recordTimings(runId: string): Promise<RecordTiming[]>;
  /**
   * Every record of a run in index order: status, the values of the given data fields, and the
   * outcomes of its paths when it fanned out (for the grouped progress of a run).
   */
  recordSummaries(runId: string, fields: string[]): Promise<RecordSummary[]>;
}

/** Nodes' persisted state (see NodeStateWrite); a step's writes go with `RunStore.commitStep`. */
export interface NodeStateStore {
  getNodeState(scope: string, nodeId: string, key: string): Promise<Json | null>;
  /** Keys of a node's state starting with `prefix`, in key order. */
  listNodeState(scope: string, nodeId: string, prefix?: string): Promise<Array<{ key: string; value: Json }>>;
  /**
   * One page of a node's state, in key order: the keys holding `contains` (every key when it is empty),
   * and how many there are. For state kept per item and listed to people (the suppression list), so
   * that a page reads its own rows only.
   */
  pageNodeState(scope: string, nodeId: string, page: { contains?: string; offset: number; limit: number }): Promise<{ items: Array<{ key: string; value: Json }>; total: number }>;
  /** Writes state outside a step (a scheduler's last tick, an operator's reset), atomically. */
  putNodeState(writes: NodeStateWrite[]): Promise<void>;
  /**
   * Writes `value` under the key unless the key holds a value already, as one step no other process
   * sharing the store can come between (two studios starting at once on one PostgreSQL database);
   * answers the value the key holds afterwards: `value`, or the one written first.
   */
  claimNodeState(scope: string, nodeId: string, key: string, value: Json): Promise<Json>;
  /** Deletes every key of a node's state in a scope. */
  clearNodeState(scope: string, nodeId: string): Promise<void>;
}

/** The run log. */
export interface LogStore {
  appendLogs(rows: LogRow[]): Promise<void>;
  listLogs(runId: string, filter?: { offset?: number; limit?: number }): Promise<Page<LogRow>>;
}

/**
 * Files chosen in node forms (a CV Browser: attach file sends), kept by their SHA-256 — the flow and
 * its runs hold only `{ name, type, size, sha256 }` (nodes/sdk/kept-file.ts), so a file is kept once
 * however many runs use it and never sits in the store's memory. The embedded store keeps them as
 * files of the data folder, PostgreSQL in a table every worker reads.
 */
export interface KeptFileStore {
  /** Keeps `bytes` (durably, before it answers) and answers their SHA-256 (hex); keeping the same bytes again is a no-op. */
  putKeptFile(bytes: Buffer): Promise<string>;
  /** The bytes kept under `sha256`, every byte checked against it; null when none are kept. Damaged: E_KEPT_FILE_DAMAGED. */
  readKeptFile(sha256: string): Promise<Buffer | null>;
  /** Every kept file: its SHA-256, size, and when it was last kept (kept again: that time renewed). */
  listKeptFiles(): Promise<KeptFileHead[]>;
  /** Deletes the file kept under `sha256`; false when none was. Only retention calls it, for files nothing names. */
  deleteKeptFile(sha256: string): Promise<boolean>;
}

/**
 * Evidence files kept in the store itself (PostgreSQL: studios and workers on other machines reach
 * them); a store without these keeps evidence as files of the data folder (DATA_DIR/evidence).
 */
export interface EvidenceStore {
  /** Keeps an evidence file under its reference (`<run id>/<file>`), durably, before it answers. */
  putEvidence?(runId: string, ref: string, bytes: Buffer): Promise<void>;
  /** Its bytes, every byte checked against the SHA-256 kept with them (damaged: E_EVIDENCE_DAMAGED); null when none. */
  readEvidence?(ref: string): Promise<Buffer | null>;
  /** The run's evidence files, in the order written, with the SHA-256 kept when each was written (for its archive: checked there). */
  runEvidence?(runId: string): Promise<Array<{ ref: string; bytes: Buffer; sha256: string }>>;
  /** What the run's evidence files take. */
  evidenceBytes?(runId: string): Promise<number>;
  /** What every run's evidence files take (the Storage page's share of the database). */
  allEvidenceBytes?(): Promise<number>;
}

/** An uploaded file as the studios of one database share it (`SharedUploads`). */
export interface SharedUploadHead {
  id: string;
  name: string;
  size: number;
  sha256: string;
  /** When it was received (ISO 8601). */
  receivedAt: string;
}

/**
 * Uploads shared by the studios of one database (PostgreSQL; migration 10): an upload received by one
 * studio is read by another (behind a load balancer). A store without these keeps uploads in the data
 * folder only.
 */
export interface SharedUploads {
  /** Keeps the upload in `file` (complete, checked) for the other studios; answers once it is committed. */
  shareUpload?(upload: Omit<SharedUploadHead, 'receivedAt'>, file: string): Promise<void>;
  /** Writes a shared upload's bytes to `toFile` (created), every byte checked (E_UPLOAD_DAMAGED): what it is, or null when none is shared. */
  fetchUpload?(id: string, toFile: string): Promise<SharedUploadHead | null>;
  /** Every shared upload, for the cleanup sweep. */
  sharedUploads?(): Promise<SharedUploadHead[]>;
  /** Deletes a shared upload; whether there was one. */
  deleteSharedUpload?(id: string): Promise<boolean>;
}

/** A kept file as retention sees it (`listKeptFiles`). */
export interface KeptFileHead {
  sha256: string;
  bytes: number;
  /** When it was kept, or kept again (ISO 8601). */
  keptAt: string;
}

/** Write failures (a full or read-only disk; see docs/architecture.md, "When a write fails"): optional. */
export interface WriteHealth {
  /** Why writes fail now, or null while they work. */
  writeFailure?(): StoreWriteFailure | null;
  /** Calls `listener` when writes start failing (with the failure) and when they work again (null). */
  onWriteState?(listener: (failure: StoreWriteFailure | null) => void): () => void;
  /** Reopens the journal after a write failure; throws E_STORE_WRITE when it cannot. */
  recoverWrites?(): Promise<void>;
  /**
   * When the store was last written before this process opened it (ISO 8601; the embedded store's
   * journal file's modification time), or null when it cannot tell. Runs a crash left going stood
   * still from about then: their halt starts there (server/engine/run-halts.ts).
   */
  lastWriteBeforeOpen?(): string | null;
}

/**
 * The whole store: every role. Retention (deleting runs, audit, sizes) comes from `RetentionStore`
 * (retention.ts).
 */
export interface Store extends FlowStore, RunStore, AuditReads, ReportReads, NodeStateStore, LogStore, KeptFileStore, EvidenceStore, SharedUploads, RetentionStore, WriteHealth {
  close(): Promise<void>;
}
