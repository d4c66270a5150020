import type { RecordData } from '../../nodes/sdk/types.ts';
import type { CreateRunExtras, KeyAttempt, KeyAttempts, RunStatus, Store } from '../store/types.ts';
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

/**
 * The business-key gate of one run, asked as each of its pending records starts (`walkRecord`). The
 * plan above is made when the run is created; by the time a record starts, another run of the flow
 * may have taken its key — one created meanwhile, or one that was paused or running with the key still
 * pending. Each such record is checked again, as the plan would (`earlierAttempt`), and settled as
 * skipped when it would repeat what the other run did or is doing. A record of another run of the same
 * flow that is walking with the key in this process holds it (`KeyClaims`), so two records started
 * together do not both pass before either commits a step; across processes (workers on PostgreSQL)
 * the store's statuses alone tell, from a record's first committed step on.
 */
export interface KeyGate {
  /** Null: the record has no key; `skip`: why it is settled; else its claim, given back when its walk ends. */
  enter(index: number, data: RecordData): Promise<{ skip: string } | { leave(): void } | null>;
}

/** Keys of the records walking in this process, per flow (shared by every run of the engine). */
export class KeyClaims {
  private readonly held = new Map<string, { runId: string; index: number }>();

  holder(flowId: string, key: string): { runId: string; index: number } | undefined {
    return this.held.get(`${flowId}\u0000${key}`);
  }

  take(flowId: string, key: string, holder: { runId: string; index: number }): () => void {
    const id = `${flowId}\u0000${key}`;
    this.held.set(id, holder);
    return () => {
      if (this.held.get(id) === holder) this.held.delete(id);
    };
  }
}

export function keyGate(store: Store, claims: KeyClaims, flowId: string, runId: string, businessKey: string): KeyGate {
  return {
    async enter(index, data) {
      const key = keyOf(readPath(data, businessKey));
      if (key === null) return null;
      const same = `same ${businessKey} "${key}"`;
      const other = claims.holder(flowId, key);
      if (other && other.runId !== runId) {
        const walking: KeyAttempt = { runId: other.runId, index: other.index, status: 'running', runStatus: 'running', errorCode: null, inFlight: false };
        return { skip: earlierAttempt({ last: walking, lastSuccess: null }, same)! };
      }
      // Claimed before the store is asked: a record of another run starting meanwhile sees the claim.
      const leave = claims.take(flowId, key, { runId, index });
      try {
        const seen = (await store.keyAttempts(flowId, [key], runId)).get(key);
        const reason = seen ? earlierAttempt(seen, same) : null;
        if (reason) {
          leave();
          return { skip: reason };
        }
      } catch (err) {
        leave();
        throw err;
      }
      return { leave };
    },
  };
}
