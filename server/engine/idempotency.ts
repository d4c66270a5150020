import type { RecordData } from '../../nodes/sdk/types.ts';
import type { CreateRunExtras, KeyAttempts, RunStatus, Store } from '../store/types.ts';
import { readPath } from './step-checks.ts';

/**
 * Business-key idempotency: a key seen earlier in the same input, or whose earlier attempt in a run
 * of the flow succeeded, waits for review, is in doubt or unfinished, settles the record as skipped
 * before anything runs (`reprocess` runs them anyway, duplicates aside). The only place that decides
 * it: a run and the dry check both ask here.
 */
export async function planIdempotency(
  store: Store,
  flowId: string,
  runId: string,
  records: RecordData[],
  businessKey: string | null | undefined,
  reprocess: boolean,
  /** The file row of each record (TriggerRecords.rows), so a reason can name it. */
  rows?: Array<number | null>,
): Promise<Pick<CreateRunExtras, 'keys' | 'settled'>> {
  if (!businessKey) return {};
  const keys = records.map((r) => keyOf(readPath(r, businessKey)));
  const settled: NonNullable<CreateRunExtras['settled']> = [];
  const firstSeen = new Map<string, number>();
  keys.forEach((key, index) => {
    if (key === null) return;
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, index);
    else settled.push({ index, status: 'skipped', reason: `Duplicate of ${recordName(first, rows)} (same ${businessKey} "${key}").` });
  });
  if (!reprocess && firstSeen.size > 0) {
    const attempts = await store.keyAttempts(flowId, [...firstSeen.keys()], runId);
    for (const [key, seen] of attempts) {
      const reason = earlierAttempt(seen, `same ${businessKey} "${key}"`);
      if (reason) settled.push({ index: firstSeen.get(key)!, status: 'skipped', reason });
    }
  }
  settled.sort((a, b) => a.index - b.index);
  return { keys, settled };
}

const REPROCESS = 'or start the run with "reprocess" to run it anyway';
const UNDER_WAY: ReadonlySet<RunStatus> = new Set<RunStatus>(['running', 'pausing', 'stopping']);

/**
 * Why an earlier attempt at the key keeps a new run from running it again, or null when it does not.
 * The latest attempt decides: one waiting for review, in doubt or unfinished is never repeated behind
 * the operator's back (it may have done what the record is for); a key that succeeded stays done,
 * even when a later reprocessing failed. A failed or skipped latest attempt leaves the key free.
 */
function earlierAttempt({ last, lastSuccess }: KeyAttempts, same: string): string | null {
  const where = `in run ${last.runId} (record #${last.index + 1}, ${same}`;
  if (last.status === 'needs_review') {
    return `Waiting for review ${where}${last.errorCode ? `, ${last.errorCode}` : ''}): retry, resolve or skip it in the review queue, ${REPROCESS}.`;
  }
  if (last.status === 'running' && UNDER_WAY.has(last.runStatus)) {
    return `Under way ${where}): that run is processing it now. Let it finish, ${REPROCESS}.`;
  }
  if (last.status === 'running' && last.inFlight) {
    return `In doubt ${where}): it was interrupted during a step that changes things outside Conveyor, which may or may not have happened. Resume run ${last.runId} (the record then goes to review), ${REPROCESS}.`;
  }
  if (last.status === 'running') {
    return `Unfinished ${where}): it started there and may have done part of its work. Resume run ${last.runId} to finish it, ${REPROCESS}.`;
  }
  if (lastSuccess) return `Already done in run ${lastSuccess.runId} (record #${lastSuccess.index + 1}, ${same}).`;
  return null;
}

/** "record #3 (sheet row 4)" when the records were read from a file, else "record #3". */
export function recordName(index: number, rows?: Array<number | null>): string {
  const row = rows?.[index];
  return typeof row === 'number' ? `record #${index + 1} (sheet row ${row})` : `record #${index + 1}`;
}

/** Keys compare as trimmed text; an empty key identifies nothing. */
function keyOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = (typeof value === 'object' ? JSON.stringify(value) : String(value)).trim();
  return text === '' ? null : text;
}
