import type { StepErrorInfo } from '../contract/node-error.ts';
import type { StepPolicy } from '../contract/flow/schema.ts';
import { mapError } from './error-map.ts';
import { backoffDelay, shouldRetry } from './retry-policy.ts';

/** What happens to a record after one of its steps failed (pure: the walker carries it out). */
export type FailureDecision =
  /** The whole run stops safely; the record stays at this step, and Resume runs it again. */
  | { kind: 'stop'; error: StepErrorInfo }
  /** The same step runs again after `delayMs`. */
  | { kind: 'retry'; error: StepErrorInfo; delayMs: number }
  /** The path ends here: in review, skipped, or failed (kept for "retry from the failed step"). */
  | { kind: 'review' | 'skip' | 'fail'; error: StepErrorInfo }
  /** The record continues on the node's error port. */
  | { kind: 'error-port'; error: StepErrorInfo };

/**
 * Codes a person must look at: whether the step happened is unknown (never failed or retried
 * blindly), or the site asks for a person (E_PAGE_CHALLENGE: a CAPTCHA Conveyor does not answer).
 */
const FOR_A_PERSON = new Set(['E_IN_DOUBT', 'E_SESSION_LOST', 'E_STEP_STUCK', 'E_PAGE_CHALLENGE']);

/**
 * The failure decision, in order: the step's error map (first matching rule: its code, class and
 * action), a stop rule, a retry while attempts remain (transient failures, or a rule that says
 * retry), review or skip by rule (or review for the codes only a person can settle), the error
 * port when the node has one wired, otherwise the path fails.
 */
export function decideFailure(
  policy: StepPolicy,
  failure: StepErrorInfo,
  attempt: number,
  hasErrorPort: boolean,
  random: () => number = Math.random,
): FailureDecision {
  const mapped = mapError(policy, failure);
  const error = mapped.error;
  const action = mapped.action ?? (FOR_A_PERSON.has(error.code) ? 'review' : null);
  if (action === 'stop') return { kind: 'stop', error };
  if (shouldRetry(policy, attempt, error, action === 'retry')) return { kind: 'retry', error, delayMs: backoffDelay(policy, attempt, random) };
  if (action === 'review' || action === 'skip') return { kind: action, error };
  if (hasErrorPort) return { kind: 'error-port', error };
  return { kind: 'fail', error };
}
