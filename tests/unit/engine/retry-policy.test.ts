import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../server/engine/retry-policy.ts';
import type { StepPolicy } from '../../../server/contract/flow/schema.ts';

const policy = (baseDelayMs: number, maxDelayMs: number, maxAttempts = 10): StepPolicy =>
  ({ retries: { maxAttempts, baseDelayMs, maxDelayMs } }) as StepPolicy;
const always = (value: number) => () => value;

describe('retry backoff', () => {
  it('doubles the wait with each attempt, from the first delay', () => {
    const p = policy(500, 1_000_000);
    // The top of the jitter range (random = 1) is the full exponential delay.
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(p, attempt, always(1)))).toEqual([500, 1000, 2000, 4000, 8000]);
    // The bottom (random = 0) is half of it: "equal jitter" never waits less than half.
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(p, attempt, always(0)))).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it('uses 500 ms and a 30 s cap when the step sets no retry delays', () => {
    expect(backoffDelay({} as StepPolicy, 1, always(1))).toBe(500);
    expect(backoffDelay({} as StepPolicy, 3, always(1))).toBe(2000);
    expect(backoffDelay({} as StepPolicy, 30, always(1))).toBe(30_000);
  });

  it('never waits longer than the cap, however many attempts', () => {
    const p = policy(1000, 5000);
    expect(backoffDelay(p, 3, always(1))).toBe(4000);
    for (const attempt of [4, 5, 10, 60]) {
      expect(backoffDelay(p, attempt, always(1))).toBe(5000);
      expect(backoffDelay(p, attempt, always(0))).toBe(2500);
    }
  });

  it('spreads the wait randomly over the upper half of the delay', () => {
    const p = policy(1000, 60_000);
    expect(backoffDelay(p, 2, always(0.5))).toBe(1500);
    expect(backoffDelay(p, 2, always(0.25))).toBe(1250);
    // With the real random source: every draw inside [delay / 2, delay], and not all the same.
    const draws = Array.from({ length: 200 }, () => backoffDelay(p, 3));
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
    expect(new Set(draws).size).toBeGreaterThan(10);
  });
});
