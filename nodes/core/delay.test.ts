import { describe, expect, it } from 'vitest';
import { delay } from './delay.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

describe('core.delay', () => {
  it('defaults to one second and bounds the wait', () => {
    expect(delay.params.parse({})).toEqual({ ms: 1000 });
    expect(delay.params.safeParse({ ms: -1 }).success).toBe(false);
    expect(delay.params.safeParse({ ms: 3_600_001 }).success).toBe(false);
    expect(delay.params.safeParse({ ms: 1.5 }).success).toBe(false);
  });

  it('waits, then passes the record through', async () => {
    const started = performance.now();
    const { result } = await runNode(delay, { ms: 60 }, { n: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(result).toEqual({ emit: [{ port: 'out', data: { n: 1 } }] });
    expect((await runNode(delay, { ms: 0 }, { n: 2 })).result.emit[0].data).toEqual({ n: 2 });
  });

  it('stops promptly with an AbortError when the run is stopped', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 30);
    const err = await failureOf(() => runNode(delay, { ms: 60_000 }, {}, { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('does not start waiting when already stopped', async () => {
    const err = await failureOf(() => runNode(delay, { ms: 60_000 }, {}, { signal: AbortSignal.abort() }));
    expect(err.name).toBe('AbortError');
  });
});
