import { ConveyorError } from '../errors.ts';
import { canBecome, type RunStatus } from '../contract/status.ts';
import type { ConditionalWrite, RunPatch, Store } from '../store/types.ts';

/**
 * The one way the engine changes a run's status: every change is checked against the status table
 * (server/contract/status.ts, RUN_TRANSITIONS) first, so a run can never be written into a state its
 * table does not allow — a completed run paused, a stopped run completed. A refused change writes
 * nothing and tells nobody: it is a fault in the engine, reported with both statuses.
 */
export function checkRunTransition(runId: string, from: RunStatus, to: RunStatus): void {
  if (canBecome(from, to)) return;
  throw new ConveyorError(
    'E_ILLEGAL_TRANSITION',
    `Run ${runId} is ${from} and cannot become ${to}: its status table does not allow that change, so nothing was changed.`,
    'Refresh the page to see the run\'s current status and act from there; if it happens again, report it with the run id.',
    409,
    { from, to },
  );
}

/** Checks the change from `from`, then writes it: nothing reaches the store when it is refused. */
export async function writeRunStatus(store: Pick<Store, 'updateRun'>, runId: string, from: RunStatus, patch: RunPatch & { status: RunStatus }): Promise<void> {
  checkRunTransition(runId, from, patch.status);
  await store.updateRun(runId, patch);
}

/**
 * An operator's change of a run's status (Resume, Pause, Stop), decided in the store: checked from
 * the status read (`from`), then written only if the run is still `from` (store `updateRunIf`). On
 * PostgreSQL, other studios and the workers change runs too: a status read a moment ago may be gone
 * (a Resume pressed on two studios at once, a Pause read before the run completed). Not written:
 * the status found instead, for the caller to decide again on.
 */
export async function moveRunStatus(store: Pick<Store, 'updateRunIf'>, runId: string, from: RunStatus, patch: RunPatch & { status: RunStatus }): Promise<ConditionalWrite<RunStatus>> {
  checkRunTransition(runId, from, patch.status);
  return store.updateRunIf(runId, [from], patch);
}
