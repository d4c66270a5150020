import type { RecordData } from '../../nodes/sdk/types.ts';
import type { RecordCheckpoint, RecordRow, RecordUpdate, Store, TokenState } from '../store/types.ts';
import { isDeepStrictEqual } from 'node:util';
import { ConveyorError, recordNotFound } from '../errors.ts';
import { RECORD_ACTIONS, type ReviewAction, type RunStatus } from '../contract/status.ts';
import { checkRecordTransition, writeRecordStatusIf } from './record-transition.ts';

export type { ReviewAction };
export interface ReviewItem {
  runId: string;
  index: number;
}
export interface ReviewOptions {
  note?: string;
  /** Corrected data for a retry (single item only). */
  data?: RecordData;
  /**
   * A retry may run the record again from its trigger though steps that change things outside
   * Conveyor already ran for it (`E_REVIEW_RETRY_REPEATS` without it).
   */
  restart?: boolean;
}
export interface ReviewResult extends ReviewItem {
  ok: boolean;
  /** A retry only: the record runs again from its trigger (true) or from the step that failed (false). */
  restarted?: boolean;
  /**
   * A retry in a run that does not move (paused, stopped, safe-stopped, interrupted, or on its way
   * there): the run's status. The record waits for that run's Resume; nothing runs it before.
   */
  runWaits?: RunStatus;
  error?: { code: string; message: string; hint: string };
}

/** The name of the flow's step `nodeId` when it changes things outside Conveyor (effect unsafe), else null. */
export type UnsafeStepName = (nodeId: string, nodeType: string) => string | null;

export function checkReviewRequest(action: ReviewAction, items: ReviewItem[], opts: ReviewOptions): void {
  if (items.length === 0) throw new ConveyorError('E_REVIEW_NO_ITEMS', 'No record was chosen.', 'Select at least one record in the review queue.', 422);
  if (action === 'resolve' && !opts.note?.trim()) {
    throw new ConveyorError('E_NOTE_REQUIRED', 'Resolving a record needs a note saying what was done.', 'Write a short note (for example "signed up by hand") and resolve again.', 422);
  }
  if (opts.data !== undefined && (action !== 'retry' || items.length !== 1)) {
    throw new ConveyorError('E_REVIEW_DATA_SINGLE', 'Corrected data can only be given when retrying one record.', 'Retry records with corrected data one at a time.', 422);
  }
}

/**
 * Writes one review action to the record (with its audit event), as the record table allows it
 * (server/contract/status.ts, RECORD_ACTIONS: a record no longer open for review is refused with
 * E_REVIEW_NOT_OPEN and nothing is written). The write holds only if the record is still as read
 * (`writeRecordStatusIf`): the same action sent to two studios at once is written once. Returns
 * the record's new state for a retry, which the engine then runs; nothing for skip and resolve.
 */
export async function applyReviewAction(
  store: Store,
  action: ReviewAction,
  item: ReviewItem,
  opts: ReviewOptions,
  triggerId: string,
  unsafeStep: UnsafeStepName = () => null,
): Promise<{ record: RecordRow; restarted: boolean } | null> {
  const record = await store.getRecord(item.runId, item.index);
  if (!record) throw recordNotFound(item.runId, item.index);
  // Refused before anything is read or written for it (the steps of a retry).
  checkRecordTransition(item, action, record.status, RECORD_ACTIONS[action].to[0]);
  const at = new Date().toISOString();
  const note = opts.note?.trim() || null;
  const base: Pick<RecordUpdate, 'runId' | 'index'> = { runId: item.runId, index: item.index };
  if (action === 'skip' || action === 'resolve') {
    const to = RECORD_ACTIONS[action].to[0];
    await writeRecordStatusIf(store, action, record, {
      ...base,
      status: to,
      checkpoint: null,
      reason: note ?? (action === 'skip' ? 'Skipped by an operator.' : null),
      endedAt: at,
      event: { at, from: record.status, to, actor: 'operator', action, note, data: null },
    });
    return null;
  }
  const steps = await store.listSteps(item.runId, item.index);
  const restarted = !(record.checkpoint?.retry?.length ?? 0);
  if (restarted && !opts.restart) refuseRepeats(item, steps, unsafeStep);
  const checkpoint = retryCheckpoint(record, steps.reduce((m, s) => Math.max(m, s.seq), 0), opts.data, triggerId);
  await writeRecordStatusIf(store, 'retry', record, {
    ...base,
    status: 'running',
    checkpoint,
    error: null,
    reason: null,
    endedAt: null,
    event: { at, from: record.status, to: 'running', actor: 'operator', action: 'retry', note, data: opts.data ?? null },
  });
  return { record: { ...record, status: 'running', checkpoint, error: null, endedAt: null }, restarted };
}

/**
 * A retry that starts the record again from its trigger (no step failed: an End step sent it to
 * review) would run again every step it already ran — calls that change things outside Conveyor
 * too (an order placed, a mail sent). Refused unless the operator says so (`restart`), naming them.
 */
function refuseRepeats(item: ReviewItem, steps: ReadonlyArray<{ nodeId: string; nodeType: string; status: string }>, unsafeStep: UnsafeStepName): void {
  const names: string[] = [];
  for (const s of steps) {
    const name = s.status === 'success' ? unsafeStep(s.nodeId, s.nodeType) : null;
    if (name !== null && !names.includes(name)) names.push(name);
  }
  if (names.length === 0) return;
  const listed = names.length === 1 ? `"${names[0]}"` : `${names.slice(0, -1).map((n) => `"${n}"`).join(', ')} and "${names.at(-1)}"`;
  throw new ConveyorError(
    'E_REVIEW_RETRY_REPEATS',
    `Record #${item.index + 1} did not fail at a step (an End step sent it to review), so a retry runs it again from the start — and it already ran ${listed}, which ${names.length === 1 ? 'changes' : 'change'} things outside Conveyor and would run again.`,
    'If running them again is what you want, retry it with "Run again from the start" (restart: true); otherwise resolve or skip it.',
    409,
  );
}

/**
 * Puts the tokens that failed (or went to review) back where they were — at the step that failed,
 * also when its error port led the record to a "Needs review" end — so that the steps committed
 * before it are not run again. Tokens still parked at a collect stay, and a put-back token keeps its
 * fan-out groups: the collect goes on waiting for it and then gathers every member. A record with no
 * such token (sent to review by an End node on its normal path) starts again from the trigger (see
 * `refuseRepeats`).
 */
function retryCheckpoint(record: RecordRow, lastSeq: number, data: RecordData | undefined, triggerId: string): RecordCheckpoint {
  const cp = record.checkpoint;
  const retry = cp?.retry ?? [];
  if (!cp || retry.length === 0) {
    const id = cp?.nextTokenId ?? 1;
    return { tokens: [{ id, nodeId: triggerId, data: data ?? record.data, fromStep: null, groups: [] }], groups: [], nextTokenId: id + 1, nextGroupId: cp?.nextGroupId ?? 1, seq: lastSeq, outcomes: [] };
  }
  const outcomes = [...cp.outcomes];
  for (const t of retry) {
    const i = t.endedAs ? outcomes.lastIndexOf(t.endedAs) : -1;
    if (i >= 0) outcomes.splice(i, 1);
  }
  // A group that settled meanwhile (its collect ran) no longer exists: a token cannot wait for it.
  const open = new Set(cp.groups.map((g) => g.id));
  let nextTokenId = cp.nextTokenId;
  const tokens = retry.map(
    (t): TokenState => ({
      id: nextTokenId++,
      nodeId: t.nodeId,
      data: data ? applyCorrection(t.data, record.data, data) : t.data,
      fromStep: null,
      groups: t.groups.filter((g) => open.has(g)),
      ...(t.collected ? { collected: t.collected } : {}),
      ...(t.errorPath ? { errorPath: t.errorPath } : {}),
      // Its page is gone: the walk replays it from the step that opened it (see session-replay.ts),
      // with the operator's corrections there too.
      ...(t.session ? { session: data ? { ...t.session, data: applyCorrection(t.session.data, record.data, data) } : t.session } : {}),
    }),
  );
  return { tokens: [...cp.tokens, ...tokens], groups: cp.groups, nextTokenId, nextGroupId: cp.nextGroupId, seq: lastSeq, outcomes, lastError: null, retry: [] };
}

/**
 * The operator corrects the record's own data (what the review drawer shows), while the step that
 * failed had that data plus what earlier steps added. Only the fields the operator changed or
 * removed are changed in the step's input: the rest of it (an account id, a code) is kept.
 */
export function applyCorrection(input: RecordData, original: RecordData, corrected: RecordData): RecordData {
  const next: RecordData = { ...input };
  for (const key of Object.keys(original)) if (!Object.hasOwn(corrected, key)) delete next[key];
  for (const [key, value] of Object.entries(corrected)) {
    if (Object.hasOwn(original, key) && isDeepStrictEqual(original[key], value)) continue;
    // defineProperty, not assignment: a field named "__proto__" stays a plain field.
    Object.defineProperty(next, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return next;
}
