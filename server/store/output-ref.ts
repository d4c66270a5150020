/**
 * A finished record's output kept by reference (`records.output_step`, schema 5): most records end with
 * an output that is exactly the data their last step emitted, which the step's row (and later its frame
 * in the run's step segments, archive/spill.ts) holds already. The step commit that ends such a record
 * leaves the record's output column empty and writes the step's seq in `output_step` instead; reads take
 * the output from that step. The record row never grows by its output, so the records table stays dense
 * (nulling the output later, at the spill, was tried: the rows shrank but their pages stayed, half empty,
 * and the database did not get smaller — 88 MB either way for 100,000 records of the 10-step chain).
 *
 * Decided inside the record's UPDATE, by SQLite, from the op's own values (live and on replay alike):
 * the record becomes `success` or `skipped` (no review action starts from those, and only the rows of
 * `failed` and `needs_review` records stay in the database once the run is archived), the step emitted
 * one item, and that item's data as JSON text (`->`) is the output's text. Any other write of the output
 * sets the column and clears `output_step`.
 */
import { REVIEW_STATUSES, TERMINAL_RECORD_STATUSES } from '../contract/status.ts';

/** Final statuses no review action leaves: their outputs may be kept by reference. */
const FINAL = TERMINAL_RECORD_STATUSES.filter((s) => !(REVIEW_STATUSES as readonly string[]).includes(s));

/**
 * The SET clause for a step commit's output: `status`, `output`, `stepOutput` and `stepSeq` are SQL
 * parameter references (the record's new status, its output text, the step's output text, its seq).
 */
export function outputByReference(status: string, output: string, stepOutput: string, stepSeq: string): string {
  const same = `(${status} IN (${FINAL.map((s) => `'${s}'`).join(', ')}) AND json_array_length(${stepOutput}) = 1 AND (${stepOutput} -> '$[0].data') = ${output})`;
  return `output = CASE WHEN ${same} THEN NULL ELSE ${output} END, output_step = CASE WHEN ${same} THEN ${stepSeq} ELSE 0 END`;
}

/** The data of a step's one emitted item, from its output (parsed JSON, or its text), or null. */
export function firstItemData(output: unknown): unknown {
  const items = (typeof output === 'string' ? JSON.parse(output) : output) as Array<{ data?: unknown }> | null | undefined;
  return items?.[0]?.data ?? null;
}

/** The data emitted by the step of seq `seq` among a record's step rows (STEP_COLUMNS order), or null. */
export function emittedByStep(rows: unknown[][], seq: number): unknown {
  return firstItemData(rows.find((r) => r[1] === seq)?.[9]);
}
