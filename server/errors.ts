/**
 * An error a user can meet: stable code, what went wrong, what to do. HTTP routes turn it into
 * `{ error: { code, message, hint } }` with `status`.
 */
export class ConveyorError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, hint: string, status = 400, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ConveyorError';
    this.code = code;
    this.hint = hint;
    this.status = status;
    this.details = details;
  }
}

/**
 * A record index the run does not have (asked for by a route or acted on from the review queue),
 * or a path segment that is no index. Numbered as the studio and the review queue number records
 * (#1 is index 0), with the index asked for: "no record #4" for index 4 contradicted the studio's
 * "Could not read record #5". Built here, not in the contract, because the contract imports nothing
 * outside itself and this is a server answer (404).
 *
 * `reason`, when the record was there a moment ago ("no longer exists (its run was deleted
 * meanwhile)"), says what became of it: the message then names the record as the review queue's
 * refusals do ("Record #5 of run … no longer exists …"), and `hint` (when given) replaces the default.
 */
export function recordNotFound(runId: string, index: string | number, reason?: string, hint?: string): ConveyorError {
  const message =
    reason === undefined
      ? `Run ${runId} has no record ${typeof index === 'number' ? `#${index + 1} (index ${index})` : `"${index}" (a record index is 0, 1, 2…)`}.`
      : `Record ${typeof index === 'number' ? `#${index + 1}` : `"${index}"`} of run ${runId} ${reason}.`;
  return new ConveyorError('E_RECORD_NOT_FOUND', message, hint ?? "Open the run's record list (or refresh the review queue) to see the records the run has.", 404);
}
