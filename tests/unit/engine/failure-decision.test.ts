import { describe, expect, it } from 'vitest';
import { decideFailure, type FailureDecision } from '../../../server/engine/failure-decision.ts';
import type { StepPolicy } from '../../../server/contract/flow/schema.ts';
import type { StepErrorInfo } from '../../../server/contract/node-error.ts';

const transient: StepErrorInfo = { code: 'E_HTTP_STATUS', message: 'answered 503', hint: 'Try later.', transient: true };
const business: StepErrorInfo = { code: 'E_VERIFY_FAILED', message: 'The page says: "An account already exists"', hint: 'Check the data.', transient: false };
const inDoubt: StepErrorInfo = { code: 'E_IN_DOUBT', message: 'may or may not have happened', hint: 'Check.', transient: false };
const lost: StepErrorInfo = { code: 'E_SESSION_LOST', message: 'page lost', hint: 'Check.', transient: false };
const captcha: StepErrorInfo = { code: 'E_PAGE_CHALLENGE', message: 'The page shows a check that a person is there (reCAPTCHA)', hint: 'Review.', transient: false };

const retries: StepPolicy = { retries: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } };
const rule = (action: 'retry' | 'review' | 'fail' | 'skip' | 'stop', extra: Partial<{ code: string; class: 'business' | 'transient' }> = {}): StepPolicy => ({
  errorMap: [{ match: 'already exists', action, class: 'business', ...extra }],
});

/** [what, policy, error, attempt, has an error port, expected kind] */
const table: Array<[string, StepPolicy, StepErrorInfo, number, boolean, FailureDecision['kind']]> = [
  ['business failure, no error port: the path fails', {}, business, 1, false, 'fail'],
  ['business failure with an error port: it continues there', {}, business, 1, true, 'error-port'],
  ['transient failure without retry settings: one attempt only', {}, transient, 1, false, 'fail'],
  ['transient failure with attempts left: retried', retries, transient, 1, false, 'retry'],
  ['transient failure on the last attempt: the error port', retries, transient, 3, true, 'error-port'],
  ['business failure is never retried by the settings', retries, business, 1, false, 'fail'],
  ['a rule "retry" retries a business failure (3 attempts by default)', rule('retry'), business, 2, false, 'retry'],
  ['a rule "retry" gives up after its attempts', rule('retry'), business, 3, true, 'error-port'],
  ['a rule "review" wins over the error port', rule('review'), business, 1, true, 'review'],
  ['a rule "skip"', rule('skip'), business, 1, true, 'skip'],
  ['a rule "stop" stops the run', rule('stop'), business, 1, true, 'stop'],
  ['a rule "fail" on a transient failure: no retry, the error port', { ...retries, ...rule('fail', { class: 'business' }), errorMap: [{ match: '503', action: 'fail', class: 'business' }] }, transient, 1, true, 'error-port'],
  ['in doubt: a person decides, not the error port', {}, inDoubt, 1, true, 'review'],
  ['page lost after an unsafe step: a person decides', retries, lost, 1, true, 'review'],
  ['a CAPTCHA in the way: a person decides, not the retries nor the error port', retries, captcha, 1, true, 'review'],
  ['a rule may still say what to do with in-doubt steps', { errorMap: [{ match: 'E_IN_DOUBT', action: 'fail', class: 'business' }] }, inDoubt, 1, false, 'fail'],
  ['a rule that matches nothing changes nothing', rule('review'), transient, 1, false, 'fail'],
];

describe('the failure decision', () => {
  it.each(table)('%s', (_what, policy, error, attempt, errorPort, kind) => {
    expect(decideFailure(policy, error, attempt, errorPort, () => 0.5).kind).toBe(kind);
  });

  it('a rule renames the code and decides the class; the retry waits by the backoff', () => {
    const d = decideFailure({ ...retries, errorMap: [{ match: 'already', code: 'E_DUPLICATE', class: 'transient', action: 'retry' }] }, business, 2, false, () => 0);
    expect(d).toEqual({ kind: 'retry', delayMs: 100, error: { ...business, code: 'E_DUPLICATE', transient: true } });
    expect(decideFailure(retries, transient, 1, false, () => 1)).toMatchObject({ kind: 'retry', delayMs: 100 });
    expect(decideFailure(retries, transient, 2, false, () => 1)).toMatchObject({ kind: 'retry', delayMs: 200 });
  });
});
