import type { StepPolicy } from '../contract/flow/schema.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';

/** An error-map rule that says "retry" on a step without retry settings still gets 3 attempts. */
export function maxAttempts(policy: StepPolicy, forced = false): number {
  return policy.retries?.maxAttempts ?? (forced ? 3 : 1);
}

/** Only transient failures are worth another attempt; a business failure would fail the same way. */
export function shouldRetry(policy: StepPolicy, attempt: number, error: StepErrorInfo, forced = false): boolean {
  return (forced || error.transient) && attempt < maxAttempts(policy, forced);
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay(policy: StepPolicy, attempt: number, random: () => number = Math.random): number {
  const base = policy.retries?.baseDelayMs ?? 500;
  const cap = policy.retries?.maxDelayMs ?? 30_000;
  const exp = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
