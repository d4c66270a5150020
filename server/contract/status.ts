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

/**
 * What a run may become from each status. `running` again from a resting status is Resume (or a
 * review Retry of one of its records); `interrupted` is what a studio that stopped mid-run finds on
 * its next start, or a store that could not write.
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
