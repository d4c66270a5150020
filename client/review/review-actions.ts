import { reviewApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RecordData, ReviewActionKind, ReviewActionResult } from '../api/types.ts';
import { plural } from '../lib/format.ts';
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

function resultError(r: ReviewActionResult): string {
  if (!r.error) return 'The server refused it.';
  if (typeof r.error === 'string') return r.error;
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
  extra: { note?: string; data?: RecordData } = {},
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
  const ok = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok);
  const what = plural(items.length, 'record');
  if (!failed.length) {
    const title = items.length === 1 ? `Record #${items[0].index + 1} ${DONE[action]}` : `${what} ${DONE[action]}`;
    toast.success(title, AFTER[action][items.length === 1 ? 0 : 1]);
  } else if (ok) {
    const first = failed[0];
    toast.warning(`${ok} of ${what} ${DONE[action]}`, `Record #${first.index + 1} of ${first.runId}: ${resultError(first)}`);
  } else {
    toast.error(`Nothing was ${DONE[action]}`, `Record #${failed[0].index + 1}: ${resultError(failed[0])}`);
  }
  return results;
}
