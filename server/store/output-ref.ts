/**
 * A finished record's output kept by reference (`records.output_step`, schema 5): most records end with
 * an output that is exactly the data their last step emitted, which the step's row (and later its frame
 * in the run's step segments, archive/spill.ts) holds already. The step commit that ends such a record
 * leaves the record's output column empty and writes the step's seq in `output_step` instead; reads take
 * the output from that step. The record row never grows by its output, so the records table stays dense
 * (nulling the output later, at the spill, was tried: the rows shrank but their pages stayed, half empty,
 * and the database did not get smaller — 88 MB either way for 100,000 records of the 10-step chain).
 *
 * Decided by the applier from the op's own values (live and on replay alike, `keptByReference`): the
 * record becomes `success` or `skipped` (no review action starts from those, and only the rows of
 * `failed` and `needs_review` records stay in the database once the run is archived), the step emitted
 * one item, and that item's data as JSON text is the output's text. Any other write of the output sets
 * the column and clears `output_step`.
 */
import { REVIEW_STATUSES, TERMINAL_RECORD_STATUSES } from '../contract/status.ts';

/** Final statuses no review action leaves: their outputs may be kept by reference. */
const FINAL: ReadonlySet<string> = new Set(TERMINAL_RECORD_STATUSES.filter((s) => !(REVIEW_STATUSES as readonly string[]).includes(s)));

/**
 * Whether a step commit that sets a record's output keeps it by reference: the record becomes `status`,
 * a final one, and `stepOutput` (the step's output as text) is one item `{"port": …, "data": D}` whose
 * D is exactly `output` (the output's text). Told by the text alone, with nothing parsed: the step's
 * output and the record's output are both `JSON.stringify` texts (live, and as replay rebuilds them), so
 * the step's text is `[{"port":P,"data":` + output + `}]` with P a JSON string exactly when it emitted
 * one item whose data is the output. SQLite decided it in the UPDATE before, parsing the step's output
 * four times (json_array_length and `->`, each in two CASEs) after it was bound a second time.
 */
export function keptByReference(status: unknown, output: unknown, stepOutput: unknown): boolean {
  if (typeof output !== 'string' || typeof stepOutput !== 'string' || !FINAL.has(status as string)) return false;
  const head = ONE_ITEM_HEAD.exec(stepOutput);
  return head !== null && head[0].length + output.length + 2 === stepOutput.length && stepOutput.endsWith('}]') && stepOutput.startsWith(output, head[0].length);
}

/** The text before the data of a step output of one item: `[{"port":` a JSON string `,"data":`. */
const ONE_ITEM_HEAD = /^\[\{"port":"(?:[^"\\]|\\.)*","data":/;

/** The data of a step's one emitted item, from its output (parsed JSON, or its text), or null. */
export function firstItemData(output: unknown): unknown {
  const items = (typeof output === 'string' ? JSON.parse(output) : output) as Array<{ data?: unknown }> | null | undefined;
  return items?.[0]?.data ?? null;
}

/** The data emitted by the step of seq `seq` among a record's step rows (STEP_COLUMNS order), or null. */
export function emittedByStep(rows: unknown[][], seq: number): unknown {
  return firstItemData(rows.find((r) => r[1] === seq)?.[9]);
}
