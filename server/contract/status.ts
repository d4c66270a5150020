/**
 * The run and record statuses and what each allows: one table, read by the engine, the store, the
 * routes, the live updates, the CLI and the studio. Framework-free (types and plain functions
 * only), so the studio imports it as it is.
 */

/** Every status a run can have. */
export const RUN_STATUSES = ['running', 'pausing', 'paused', 'stopping', 'stopped', 'safe_stopped', 'interrupted', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Every status a record can have; the last four are terminal. */
export const RECORD_STATUSES = ['pending', 'running', 'success', 'failed', 'needs_review', 'skipped'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];
export const TERMINAL_RECORD_STATUSES = ['success', 'failed', 'needs_review', 'skipped'] as const satisfies readonly RecordStatus[];
export type StatusCounts = Record<RecordStatus, number>;

/** Records per status, all zero. */
export function emptyCounts(): StatusCounts {
  return { pending: 0, running: 0, success: 0, failed: 0, needs_review: 0, skipped: 0 };
}

/** A record starts `pending`, or `skipped` when its run settles it before executing (a duplicate, or already done). */
export const RECORD_CREATED_AS = ['pending', 'skipped'] as const satisfies readonly RecordStatus[];

/** Statuses a person looks at in the review queue: the review actions move a record out of them. */
export const REVIEW_STATUSES = ['needs_review', 'failed'] as const satisfies readonly RecordStatus[];

/**
 * The record state machine: what moves a record, from which statuses, to which.
 *
 * The engine: `start` (its first step committed, or an unsafe first step marked in flight, with paths
 * left), `step` (a later step committed with paths left; a step retried by its retry policy stays
 * running), `finish` (no path is left: the status comes from how its paths ended; a record whose first
 * step ends it goes there straight from pending).
 * An operator, in the review queue: `retry` (runs again from the step that failed, with corrected
 * data if given), `skip`, `resolve` (done by hand; a note is required).
 * Not here, because they move runs and not records: Resume (records left pending or running go on from
 * their checkpoints), Pause, Stop, Safe Stop. Reprocess only changes how a new run's records are
 * created (none is settled as already done). Success and skipped are final.
 */
export const RECORD_ACTIONS = {
  start: { by: 'engine', from: ['pending'], to: ['running'] },
  step: { by: 'engine', from: ['running'], to: ['running'] },
  finish: { by: 'engine', from: ['pending', 'running'], to: TERMINAL_RECORD_STATUSES },
  retry: { by: 'operator', from: REVIEW_STATUSES, to: ['running'] },
  skip: { by: 'operator', from: REVIEW_STATUSES, to: ['skipped'] },
  resolve: { by: 'operator', from: REVIEW_STATUSES, to: ['success'] },
} as const satisfies Record<string, { by: 'engine' | 'operator'; from: readonly RecordStatus[]; to: readonly RecordStatus[] }>;
export type RecordAction = keyof typeof RECORD_ACTIONS;
/** The review queue's actions, in the order the studio offers them. */
export const REVIEW_ACTIONS = ['retry', 'skip', 'resolve'] as const satisfies readonly RecordAction[];
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** Whether `action` may move a record from `from` to `to`. */
export function recordActionAllows(action: RecordAction, from: RecordStatus, to: RecordStatus): boolean {
  const rule: { from: readonly RecordStatus[]; to: readonly RecordStatus[] } = RECORD_ACTIONS[action];
  return rule.from.includes(from) && rule.to.includes(to);
}

/** What a record may become from each status, by any action (derived from RECORD_ACTIONS). */
export const RECORD_TRANSITIONS: Readonly<Record<RecordStatus, readonly RecordStatus[]>> = (() => {
  const actions = Object.keys(RECORD_ACTIONS) as RecordAction[];
  const table = {} as Record<RecordStatus, RecordStatus[]>;
  for (const from of RECORD_STATUSES) table[from] = RECORD_STATUSES.filter((to) => actions.some((a) => recordActionAllows(a, from, to)));
  return table;
})();

/**
 * What a run may become from each status. `running` again from a resting status is Resume (or a
 * review Retry of one of its records); `interrupted` is what a studio that stopped mid-run finds on
 * its next start, or a store that could not write. An interrupted run never becomes `stopping`: Stop
 * on a run the store halted with steps still under way cancels them, waits, and writes `stopped`
 * (engine.stop; tests/unit/server/store-write-failure.test.ts, "Stop on a halted run").
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  running: ['pausing', 'stopping', 'paused', 'stopped', 'safe_stopped', 'interrupted', 'completed', 'failed'],
  pausing: ['paused', 'stopping', 'stopped', 'interrupted', 'completed', 'failed'],
  paused: ['running', 'stopped', 'interrupted'],
  stopping: ['stopped', 'interrupted', 'completed', 'failed'],
  stopped: ['running'],
  safe_stopped: ['running', 'stopped', 'interrupted'],
  interrupted: ['running', 'stopped'],
  completed: ['running'],
  failed: ['running'],
};

export function canBecome(from: RunStatus, to: RunStatus): boolean {
  return from === to || RUN_TRANSITIONS[from].includes(to);
}

/** Steps may be executing: the run moves by itself. */
export function isActive(status: RunStatus | null | undefined): boolean {
  return status === 'running' || status === 'pausing' || status === 'stopping';
}

/** Nothing executes: the run's counts are exact, and only an operator's action moves it again. */
export function isAtRest(status: RunStatus | null | undefined): boolean {
  return !!status && !isActive(status);
}

/** Finished: every record went through (completed) or the run itself could not go on (failed). */
export function isFinished(status: RunStatus | null | undefined): boolean {
  return status === 'completed' || status === 'failed';
}

/** Resume continues it from its records' checkpoints. */
export function isResumable(status: RunStatus | null | undefined): boolean {
  return status === 'paused' || status === 'stopped' || status === 'interrupted' || status === 'safe_stopped';
}

export function canPause(status: RunStatus | null | undefined): boolean {
  return status === 'running';
}

/** Stop: cancel the steps under way (running, pausing) or settle a resting run that could resume. */
export function canStop(status: RunStatus | null | undefined): boolean {
  return status === 'running' || status === 'pausing' || status === 'paused' || status === 'safe_stopped' || status === 'interrupted';
}
