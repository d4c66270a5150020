/** The dry check before a run (POST /api/flows/:id/preflight) and the upload it may read (POST /api/uploads). */
import type { RecordData, RejectInfo } from '../data.ts';
import type { FlowProblem } from '../flow/problems.ts';

/** A flow problem, or a failure of the trigger (then with its error code and hint). */
export interface PreflightProblem extends FlowProblem {
  code?: string;
  hint?: string;
}

/** A record a run would skip, and why ("Duplicate of record #3 (sheet row 4) …"). */
export interface PreflightSkip {
  /** 0-based, as in the run. */
  index: number;
  /** The file row the record was read from, or null. */
  row: number | null;
  reason: string;
}

export interface PreflightResult {
  /** Nothing to fix: the flow is valid, the trigger read its records, and no row was rejected. */
  ok: boolean;
  /** A run could start: no problem and at least one record (rejected rows would be left out). */
  canStart: boolean;
  problems: PreflightProblem[];
  recordCount: number;
  /** The rejected rows (the first `maxRejects` of them). */
  rejects: RejectInfo[];
  /** How many rows were rejected in all. */
  rejectCount: number;
  /** Records a run would process: `recordCount` minus those it would skip. */
  runCount: number;
  /** Records a run would skip before running (business key: a duplicate in the input, already done…). */
  skipCount: number;
  /** The skipped records (the first `maxRejects` of them), each with its reason and file row. */
  skips: PreflightSkip[];
  /** The first five records, as the first step would get them. */
  sample: RecordData[];
}

/** What POST /api/uploads answers. */
export interface UploadedFile {
  id: string;
  name: string;
  size: number;
}
