import { describe, expect, it } from 'vitest';
import { HostRateLimiter, intervalMs, limitOf, parseRetryAfter } from './rate-limit.ts';

// Persistence across runs and restarts goes through the real store: tests/unit/server/rate-limit-runs.test.ts.

describe('Retry-After', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  it('reads delta-seconds and HTTP dates as a delay from now', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    // A date already past means "now".
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    for (const v of [null, undefined, '', '-5', '1.5', 'soon', '12abc']) expect(parseRetryAfter(v, now), String(v)).toBeNull();
  });
});

describe('limits', () => {
  it('0 means none; N per second or minute spaces sends by the period over N (plus 1%)', () => {
    expect(limitOf({ rateLimit: 0, ratePer: 'second' })).toBeNull();
    expect(intervalMs({ requests: 4, per: 'second' })).toBeCloseTo(252.5);
    expect(intervalMs({ requests: 30, per: 'minute' })).toBeCloseTo(2020);
  });
});

describe('HostRateLimiter', () => {
  it('lets the first request go at once and holds the next ones to the spacing, per flow and host', async () => {
    const limiter = new HostRateLimiter(null);
    const limit = { requests: 10, per: 'second' as const };
    const t0 = performance.now();
    const sent: number[] = [];
    await Promise.all([0, 1, 2].map(async () => {
      await limiter.take('flow_a', 'api.example.com', limit);
      sent.push(performance.now() - t0);
    }));
    expect(sent[0]).toBeLessThan(50);
    expect(sent[2] - sent[0]).toBeGreaterThanOrEqual(2 * 101 - 5);
    // Another host, or another flow, has its own slots.
    const t1 = performance.now();
    await limiter.take('flow_a', 'other.example.com', limit);
    await limiter.take('flow_b', 'api.example.com', limit);
    expect(performance.now() - t1).toBeLessThan(50);
  });

  it('holds every request to a host until a Retry-After block ends, even without a limit', async () => {
    const limiter = new HostRateLimiter(null);
    await limiter.block('flow_a', 'api.example.com', Date.now() + 300);
    const waited = await limiter.take('flow_a', 'api.example.com', null);
    expect(waited).toBeGreaterThanOrEqual(280);
  });

  it('a stopped step stops waiting at once (AbortError)', async () => {
    const limiter = new HostRateLimiter(null);
    const limit = { requests: 1, per: 'minute' as const };
    await limiter.take('flow_a', 'slow.example.com', limit);
    const stop = new AbortController();
    const waiting = limiter.take('flow_a', 'slow.example.com', limit, stop.signal);
    setTimeout(() => stop.abort(), 50);
    const t0 = performance.now();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
