/** The run report (GET /api/runs/:id/report; docs/api.md, "Report"). */
import type { Json } from '../data.ts';
import type { RunStatus, StatusCounts } from '../status.ts';
import type { EndedAs } from '../end-step.ts';

/** Model tokens used by AI steps (prompt, completion, their total) and how many answers they counted. */
export interface TokenTotals {
  prompt: number;
  completion: number;
  total: number;
  /** Model answers counted. */
  answers: number;
}

export interface ReportStep {
  nodeId: string;
  /** The node's name in the run's flow (its type when it has none). */
  name: string;
  type: string;
  /** Steps executed at the node (attempts included). */
  count: number;
  success: number;
  /** Failed steps, not counting those that sent their record to review (`review`). */
  failed: number;
  /** Failed steps that sent their record to review (CountedAs). */
  review: number;
  avgMs: number | null;
  p95Ms: number | null;
  /** An AI step's token use. */
  tokens?: TokenTotals;
  /**
   * An End with status step that gives its records another status than success (end-step.ts): its
   * `success` steps are records that ended with this status, not records done.
   */
  endsAs?: EndedAs;
}

export interface ReportError {
  code: string;
  count: number;
  /** The message of one record with this code (the first one). */
  example: string;
}

export interface ReportReject {
  row: number;
  field: string | null;
  rule: string;
  value: Json;
  message: string;
}

export interface Report {
  runId: string;
  flowId: string;
  flowName: string;
  status: RunStatus;
  recordCount: number;
  counts: StatusCounts;
  startedAt: string | null;
  endedAt: string | null;
  /**
   * How long the run worked, null while it has not ended: endedAt - startedAt, less the time it sat
   * finished waiting for a person to retry a record (then `reviewWaitMs`) and the time it stood still,
   * paused or interrupted, until resumed (then `haltedMs`).
   */
  durationMs: number | null;
  /** The time between endedAt and startedAt the run sat finished until a person retried a record, when any. */
  reviewWaitMs?: number;
  /** The time between endedAt and startedAt the run stood still (paused, stopped, interrupted) until resumed, when any. */
  haltedMs?: number;
  /**
   * Time per finished record (endedAt - startedAt, less its waits for a person and the run's halts
   * while it was under way); records settled before execution are left out.
   */
  perRecord: { avgMs: number | null; p95Ms: number | null };
  /** Per node that ran steps, in the flow's node order. */
  perStep: ReportStep[];
  /** Error codes of finished records, most frequent first. */
  errors: ReportError[];
  rejects: ReportReject[];
  /** Token use of the run's AI steps, when it has any. */
  tokens?: TokenTotals;
  /** What came back from the mails its send steps tracked, when it has a send step. */
  tracking?: MailTracking;
  /** Why the time per record may include waits for a person (the run's audit trail cannot be read), when so. */
  timesUnsure?: string;
}

/** Tracked mail of a run (server/tracking/events.ts): events, and records with at least one. */
export interface MailTracking {
  opens: number;
  clicks: number;
  unsubscribes: number;
  openedRecords: number;
  clickedRecords: number;
  unsubscribedRecords: number;
}
