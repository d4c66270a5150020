import { ConveyorError } from '../errors.ts';
import { canBecome, type RunStatus } from '../contract/status.ts';
import type { RunPatch, Store } from '../store/types.ts';

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
