import { ConveyorError, recordNotFound } from '../errors.ts';
import { RECORD_ACTIONS, recordActionAllows, type RecordAction, type RecordStatus } from '../contract/status.ts';
import type { RecordRow, RecordUpdate, Store } from '../store/types.ts';

/** Which record a change is about (for the error's message). */
export interface RecordPlace {
  runId: string;
  index: number;
}

/** Where a record that is not open for review is, in the words of the review queue's refusal. */
const NOT_OPEN_WORDS: Partial<Record<RecordStatus, string>> = {
  pending: 'has not started yet',
  running: 'is running',
  success: 'has succeeded',
  skipped: 'was skipped',
};

/**
 * The check before a record's status is written, by the engine (a step's commit) or an operator (a
 * review action): the change must be one that `action` allows in the record table
 * (server/contract/status.ts, RECORD_ACTIONS). A refused change writes nothing. An operator's action
 * on a record that is no longer open for review (someone handled it meanwhile) is E_REVIEW_NOT_OPEN;
 * any other refused change is a fault in the engine, E_ILLEGAL_RECORD_TRANSITION with both statuses.
 */
export function checkRecordTransition(place: RecordPlace, action: RecordAction, from: RecordStatus, to: RecordStatus): void {
  if (recordActionAllows(action, from, to)) return;
  const rule = RECORD_ACTIONS[action];
  const record = `Record #${place.index + 1} of run ${place.runId}`;
  if (rule.by === 'operator' && !(rule.from as readonly RecordStatus[]).includes(from)) {
    throw new ConveyorError(
      'E_REVIEW_NOT_OPEN',
      `${record} ${NOT_OPEN_WORDS[from] ?? `is ${from}`}; only failed records and records needing review can be retried, skipped or resolved.`,
      'Refresh the review queue: someone may have handled it already.',
      409,
      { from, to, action },
    );
  }
  throw new ConveyorError(
    'E_ILLEGAL_RECORD_TRANSITION',
    `${record} is ${from} and cannot become ${to} by ${action}: its status table does not allow that change, so nothing was changed.`,
    'Refresh the page to see the record\'s current status and act from there; if it happens again, report it with the run id and record number.',
    409,
    { from, to, action },
  );
}

/** Checks the change from `from`, then writes it: nothing reaches the store when it is refused. */
export async function writeRecordStatus(store: Pick<Store, 'updateRecord'>, action: RecordAction, from: RecordStatus, update: RecordUpdate): Promise<void> {
  checkRecordTransition(update, action, from, update.status);
  await store.updateRecord(update);
}

/**
 * An operator's change, decided in the store: checked from the status read (`read`), then written
 * only if the record is still as read — the same status and end time (store `updateRecordIf`). On
 * PostgreSQL two studios may read the record at once (the same Retry sent to both): the second finds
 * it changed and is refused as if it came after the first (E_REVIEW_NOT_OPEN), nothing written.
 */
export async function writeRecordStatusIf(
  store: Pick<Store, 'updateRecordIf'>,
  action: RecordAction,
  read: Pick<RecordRow, 'status' | 'endedAt'>,
  update: RecordUpdate,
): Promise<void> {
  checkRecordTransition(update, action, read.status, update.status);
  const result = await store.updateRecordIf(update, { status: [read.status], endedAt: read.endedAt ?? null });
  if (result.written) return;
  if (result.found === null) throw recordNotFound(update.runId, update.index, 'no longer exists (its run was deleted meanwhile)', 'Refresh the review queue.');
  // Handled meanwhile (on another studio): refused as the same action sent after it would be.
  checkRecordTransition(update, action, result.found, update.status);
  // Still open, but not as read: it was retried and ended again meanwhile.
  throw new ConveyorError(
    'E_REVIEW_NOT_OPEN',
    `Record #${update.index + 1} of run ${update.runId} was handled by someone else meanwhile (retried, and it ended ${result.found} again), so nothing was changed.`,
    'Refresh the review queue and decide on what it shows now.',
    409,
    { from: result.found, to: update.status, action },
  );
}
