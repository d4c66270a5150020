/** The review queue as it crosses the wire (GET /api/review, POST /api/review/actions). */
import type { RecordData } from '../data.ts';
import type { RecordSummary } from './runs.ts';
import type { REVIEW_STATUSES, ReviewAction, RunStatus } from '../status.ts';

/** The longest note a review action keeps (a resolve's, a retry's): longer is refused, never cut. */
export const REVIEW_NOTE_MAX = 5000;

/** A record that needs a person (GET /api/review). */
export interface ReviewItem extends RecordSummary {
  runId: string;
  flowId: string;
  flowName: string;
}

/** The statuses the queue holds (server/contract/status.ts REVIEW_STATUSES). */
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface ReviewQuery {
  flowId?: string;
  runId?: string;
  code?: string;
  /** The step (node id) the record's error happened at. */
  nodeId?: string;
  status?: ReviewStatus | '';
  offset?: number;
  limit?: number;
}

/** What a person does to a record in the queue (server/contract/status.ts REVIEW_ACTIONS, RECORD_ACTIONS). */
export type ReviewActionKind = ReviewAction;

export interface ReviewActionBody {
  action: ReviewActionKind;
  items: Array<{ runId: string; index: number }>;
  note?: string;
  /** Only with `retry` of a single item: the record's corrected data. */
  data?: RecordData;
  /**
   * Only with `retry`: run a record that did not fail at a step again from its trigger even though
   * steps that change things outside Conveyor already ran for it (refused otherwise: E_REVIEW_RETRY_REPEATS).
   */
  restart?: boolean;
}

export interface ReviewActionResult {
  runId: string;
  index: number;
  ok: boolean;
  /** A retry: the record runs again from its trigger (true) or from the step that failed (false). */
  restarted?: boolean;
  /** A retry in a run that does not move (paused, stopped, safe-stopped, interrupted…): its status; the record runs once that run is resumed. */
  runWaits?: RunStatus;
  error?: { code?: string; message?: string; hint?: string } | string;
}
