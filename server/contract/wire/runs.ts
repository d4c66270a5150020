/**
 * Runs as they cross the wire: REST answers (/api/runs…), the live updates of a run room, and the
 * settings a run keeps. The engine builds them, the studio and the CLI read them.
 */
import type { FlowDocument } from '../flow/schema.ts';
import type { RecordStatus, RunStatus, StatusCounts } from '../status.ts';
import type { Json, LogLevel, RecordData, StepErrorInfo } from '../data.ts';

export interface RunSettings {
  concurrency: number;
  /** Record field that identifies a record across runs (idempotency); null when the flow names none. */
  businessKey?: string | null;
  /** Process records whose key already succeeded in an earlier run of the flow. */
  reprocess?: boolean;
  /** The uploaded file (DATA_DIR/uploads/<id>) the run read its records from: kept while a run names it. */
  upload?: string | null;
  safeStop?: { window: number; minSamples: number; threshold: number } | null;
  /** Rows of the run's file refused by the trigger's column rules before the run (GET /api/runs/:id/report lists them); absent when none. */
  rejectedRows?: number;
  /** 'workers': the run's records are executed by `npx conveyor worker` processes (a studio started with --no-execute), not by the studio. */
  executor?: 'workers';
}

/**
 * How a step at a node ended, as its counters count it: `review` is a step that failed and sent its
 * record to the review queue (its error's action, or an error only a person can settle, such as
 * E_IN_DOUBT) — apart from `failed`, so that a node does not show as failed what waits for a person.
 */
export type CountedAs = 'success' | 'failed' | 'review';

/** Steps done at one node of a run, by how they ended (the store's step counters). */
export type StepCounts = Record<CountedAs, number>;

/** Steps under way and done at one node of a run: what the canvas shows on the node. */
export interface NodeCounters extends StepCounts {
  inProgress: number;
}

/** Why a run ended, paused or failed, when there is something to say (the node it happened at, if one). */
export type RunReason = (StepErrorInfo & { nodeId?: string }) | null;

/** What the run endpoints answer (GET /api/runs/:id adds the run's flow). */
export interface RunSummary {
  id: string;
  flowId: string;
  flowName: string;
  status: RunStatus;
  settings: RunSettings;
  recordCount: number;
  counts: StatusCounts;
  nodes: Record<string, NodeCounters>;
  reason: RunReason;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The time the run stood still (paused, stopped, interrupted) and was resumed from since its start: not part of its length. Absent when none. */
  haltedMs?: number;
  flow?: FlowDocument;
}

/** One log line of a run (GET /api/runs/:id/logs, and the `logs` of a live update). */
export interface LogLine {
  runId?: string;
  /** Record index, or null for run-level lines. */
  recordIndex: number | null;
  nodeId: string | null;
  level: LogLevel;
  message: string;
  data?: Json | null;
  at: string;
}

/**
 * What a run room sends (Socket.IO `run:update`): the run's summary, at most one every few tens of
 * milliseconds, with the records whose status changed and the log lines since the last one.
 * `final` is true once the run is at rest (nothing executes, the counts are exact).
 */
export interface RunUpdate extends RunSummary {
  runId: string;
  seq: number;
  final: boolean;
  records: Array<{ index: number; status: RecordStatus }>;
  logs: LogLine[];
}

/** A record as GET /api/runs/:id/records lists it. */
export interface RecordSummary {
  index: number;
  status: RecordStatus;
  data: RecordData;
  output: RecordData | null;
  error: { code: string; message: string; hint: string; nodeId?: string } | null;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** In a run's records list: the milliseconds the record waited in the review queue for a person (retried, skipped, resolved later), not the flow's time; absent when none. */
  reviewWaitMs?: number;
  /** In a run's records list: the milliseconds the run stood still (paused, interrupted) while the record was under way; absent when none. */
  haltedMs?: number;
}

/** A page of a run's records list (GET /api/runs/:id/records). */
export interface RecordsPage {
  items: RecordSummary[];
  total: number;
  /** Why the records' times may include waits for a person (the run's audit trail cannot be read), when so. */
  timesUnsure?: string;
}

/** One attempt of one step of a record. */
export interface Step {
  seq: number;
  tokenId: number;
  nodeId: string;
  nodeType: string;
  attempt: number;
  status: 'success' | 'failed';
  input: unknown;
  output: Array<{ port: string; data: RecordData }> | unknown;
  error: { code: string; message: string; hint: string } | null;
  evidence: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

/** One change in a record's life: a status transition by the engine, or an operator's action. */
export interface RecordEventRow {
  runId: string;
  recordIndex: number;
  at: string;
  from: RecordStatus | null;
  to: RecordStatus | null;
  actor: 'engine' | 'operator';
  /** e.g. started, finished, retry, skip, resolve. */
  action: string;
  note: string | null;
  data: Json | null;
}

/** One change in a record's life (GET /api/runs/:id/records/:index → `events`): the audit trail. */
export type RecordEvent = Omit<RecordEventRow, 'runId' | 'recordIndex'>;

/** What GET /api/runs/:id/records/:index answers. `events` is absent on servers without an audit trail. */
export interface RecordDetailResponse {
  record: RecordSummary;
  steps: Step[];
  events?: RecordEvent[];
  /**
   * Evidence of these steps that cannot be served whole (its bytes no longer match the SHA-256
   * recorded when it was written, it is gone, or store repair moved it aside): shown as such instead
   * of as a link. Absent when all of it is whole.
   */
  damagedEvidence?: DamagedEvidence[];
}

export interface DamagedEvidence {
  /** The step's evidence reference (`<run>/<file>`). */
  ref: string;
  state: 'damaged' | 'missing' | 'lost';
  /** What the evidence route would answer (E_EVIDENCE_DAMAGED's message). */
  message: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** The records a run starts with (POST /api/runs `input`): given as records, or as JSON / CSV text. */
export interface RunInputBody {
  records?: RecordData[];
  text?: string;
  format?: 'json' | 'csv';
}
