import { reviewApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RecordData, ReviewActionKind, ReviewActionResult } from '../api/types.ts';
import { plural } from '../lib/format.ts';
import { statusLabel } from '../lib/run-status.ts';
import { toast } from '../stores/toast-store.ts';
import { useReviewCount } from './review-count-store.ts';

export interface ReviewTarget {
  runId: string;
  index: number;
}

export const keyOf = (t: ReviewTarget) => `${t.runId}#${t.index}`;

const DONE: Record<ReviewActionKind, string> = { retry: 'sent to retry', skip: 'skipped', resolve: 'resolved' };
const AFTER: Record<ReviewActionKind, [one: string, many: string]> = {
  retry: ['It runs again from the step that failed.', 'They run again from the step that failed.'],
  skip: ['It ends as skipped.', 'They end as skipped.'],
  resolve: ['It counts as success; your note is in its audit trail.', 'They count as success; your note is in their audit trail.'],
};

/** Where retried records run again from, as the server said (`restarted`: from the trigger, no step having failed). */
function retriedFrom(done: ReviewActionResult[]): string {
  const restarted = done.filter((r) => r.restarted).length;
  if (restarted === 0) return AFTER.retry[done.length === 1 ? 0 : 1];
  if (restarted === done.length) return done.length === 1 ? 'It runs again from the start (no step had failed).' : 'They run again from the start (no step had failed).';
  return `${plural(done.length - restarted, 'record')} run again from the step that failed, ${restarted} from the start (no step had failed).`;
}

/**
 * Retried records of a run that does not move (paused, stopped…) wait for its Resume: the message
 * says so, instead of letting the person believe they run again now.
 */
export function retryWaits(done: ReviewActionResult[]): string {
  const waiting = done.filter((r) => r.runWaits);
  if (!waiting.length) return '';
  const runs = [...new Map(waiting.map((r) => [r.runId, r.runWaits!])).entries()];
  const how = runs.length === 1 ? `run ${runs[0][0]} is ${statusLabel(runs[0][1]).toLowerCase()}` : `their ${runs.length} runs are not running`;
  const who = waiting.length === done.length ? (done.length === 1 ? 'It waits' : 'They wait') : `${plural(waiting.length, 'record')} of them wait`;
  return `${who}: ${how}. Press Resume on ${runs.length === 1 ? 'that run' : 'each run'} to run ${waiting.length === 1 ? 'it' : 'them'}.`;
}

/** The refusal of a retry that would run again, from the start, steps that change things outside Conveyor. */
export const RETRY_REPEATS = 'E_REVIEW_RETRY_REPEATS';

function codeOf(r: ReviewActionResult): string | undefined {
  return typeof r.error === 'object' ? r.error?.code : undefined;
}

function resultError(r: ReviewActionResult): string {
  if (!r.error) return 'The server refused it.';
  if (typeof r.error === 'string') return r.error;
  // Asked one record at a time, in its drawer.
  if (r.error.code === RETRY_REPEATS) return `${r.error.message} Open the record to run it again from the start, or resolve or skip it.`;
  return r.error.message ?? r.error.code ?? 'The server refused it.';
}

/**
 * Runs one review action on the given records and tells the person how it went (a toast: all
 * done, some refused with the first reason, or nothing done). Returns the per-record results, or
 * null when the request itself failed.
 */
export async function runReviewAction(
  action: ReviewActionKind,
  items: ReviewTarget[],
  extra: { note?: string; data?: RecordData; restart?: boolean } = {},
  /** Refusals the caller answers itself (no toast), e.g. the drawer asking to run a record again from the start. */
  handled: string[] = [],
): Promise<ReviewActionResult[] | null> {
  if (!items.length) return [];
  let results: ReviewActionResult[];
  try {
    const res = await reviewApi.act({ action, items: items.map(({ runId, index }) => ({ runId, index })), ...extra });
    results = res.results ?? [];
  } catch (err) {
    toast.error(`Could not ${action === 'retry' ? 'retry' : action} ${items.length === 1 ? 'the record' : 'the records'}`, errorMessage(err));
    return null;
  } finally {
    void useReviewCount.getState().refresh();
  }
  const done = results.filter((r) => r.ok);
  const ok = done.length;
  const failed = results.filter((r) => !r.ok);
  const what = plural(items.length, 'record');
  if (!ok && failed.every((r) => handled.includes(codeOf(r) ?? ''))) return results;
  const waits = action === 'retry' ? retryWaits(done) : '';
  if (!failed.length) {
    const title = items.length === 1 ? `Record #${items[0].index + 1} ${DONE[action]}` : `${what} ${DONE[action]}`;
    if (waits) toast.warning(title, `${retriedFrom(done)} ${waits}`);
    else toast.success(title, action === 'retry' ? retriedFrom(done) : AFTER[action][items.length === 1 ? 0 : 1]);
  } else if (ok) {
    const first = failed[0];
    toast.warning(`${ok} of ${what} ${DONE[action]}`, `Record #${first.index + 1} of ${first.runId}: ${resultError(first)}${waits ? ` ${waits}` : ''}`);
  } else {
    toast.error(`Nothing was ${DONE[action]}`, `Record #${failed[0].index + 1}: ${resultError(failed[0])}`);
  }
  return results;
}
