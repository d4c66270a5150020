import { describe, expect, it } from 'vitest';
import { PIPELINE, profilerFlags, runFunction, sandboxPoolStats } from './pool.ts';
import type { RecordData } from '../../../sdk/types.ts';
import type { SandboxRun } from './types.ts';

// The pool hands records to its sandbox workers in batches (pool.ts, worker.ts). These tests pin
// what a batch must not change: every record still gets its own answer, a record waiting behind a
// runaway one in the same worker still runs, and a stopped record does not wait for the one ahead.

const MB = 1024 * 1024;
const job = (code: string, input: RecordData = {}, timeoutMs = 5000) => ({ code, input, timeoutMs, memoryLimitBytes: 32 * MB });
/** Each step of this loop scans 20 MB: QuickJS's own deadline check comes too late, the watchdog stops it. */
const RUNAWAY = 'const s = "a".repeat(2e7); for (;;) s.indexOf("b")';

const value = (run: SandboxRun) => (run.outcome.kind === 'result' ? run.outcome.value : run.outcome);

describe('sandbox pool', () => {
  it('records that wait at once go to the sandbox in a few messages, each answered with its own result', async () => {
    await runFunction(job('return null'));
    const before = await sandboxPoolStats(32 * MB);
    const count = 3 * PIPELINE;
    const runs = await Promise.all(Array.from({ length: count }, (_, i) => runFunction(job('return { i: record.i, twice: record.i * 2 }', { i }))));
    expect(runs.map(value)).toEqual(Array.from({ length: count }, (_, i) => ({ i, twice: i * 2 })));
    const after = await sandboxPoolStats(32 * MB);
    expect(after.jobs - before.jobs).toBe(count);
    // One message per record would be 48; batches carry at least half a pipeline each.
    expect(after.batches - before.batches).toBeLessThanOrEqual(count / (PIPELINE / 2));
  });

  it('records held by a worker the watchdog terminates run in another worker, with their own results', { timeout: 60_000 }, async () => {
    await runFunction(job('return null'));
    const before = await sandboxPoolStats(32 * MB);
    // Enough records that, whatever the number of workers, some wait behind the runaway one in its worker.
    const [runaway, ...others] = await Promise.all([
      runFunction(job(RUNAWAY, {}, 200)),
      ...Array.from({ length: 8 }, (_, i) => runFunction(job('return { ...record, done: true }', { i }))),
    ]);
    expect(runaway.outcome).toEqual({ kind: 'timeout' });
    expect(others.map(value)).toEqual(Array.from({ length: 8 }, (_, i) => ({ i, done: true })));
    const after = await sandboxPoolStats(32 * MB);
    expect(after.watchdogKills).toBe(before.watchdogKills + 1);
    expect(after.requeued).toBeGreaterThan(before.requeued);
  });

  it('a worker started after the watchdog ended one runs QuickJS as the pool compiled it once, without compiling it again', { timeout: 60_000 }, async () => {
    expect(value(await runFunction(job('return { before: true }')))).toEqual({ before: true });
    const before = await sandboxPoolStats(32 * MB);
    expect((await runFunction(job(RUNAWAY, {}, 200))).outcome).toEqual({ kind: 'timeout' });
    expect(value(await runFunction(job('return { after: record.n + 1 }', { n: 41 })))).toEqual({ after: 42 });
    const after = await sandboxPoolStats(32 * MB);
    expect(after.watchdogKills).toBe(before.watchdogKills + 1);
    expect(after.spawned).toBeGreaterThan(before.spawned);
    // The newest worker (started after the kill) loaded QuickJS from the module the pool compiled
    // once for all workers (wasm-module.ts), and compiled nothing itself; nor did any other worker.
    const newest = after.engines[after.engines.length - 1];
    expect(newest).toMatchObject({ loaded: 1, instantiated: 1, compiled: 0 });
    expect(after.engines.map((e) => e?.compiled)).toEqual(after.engines.map(() => 0));
    expect(after.quickjsCompiled).toBe(1);
  });

  it('an engine dropped for the memory it grew is loaded again from the same compiled QuickJS', { timeout: 60_000 }, async () => {
    const big = (code: string) => ({ code, input: {}, timeoutMs: 10_000, memoryLimitBytes: 256 * MB });
    expect(value(await runFunction(big('return { small: 1 }')))).toEqual({ small: 1 });
    const before = await sandboxPoolStats(256 * MB);
    // Grows the engine's memory past what a worker keeps (engine.ts, RETAIN_BYTES: 64 MB).
    expect(value(await runFunction(big('const a = []; for (let i = 0; i < 40; i++) a.push("x".repeat(2e6) + i); return { n: a.length }')))).toEqual({ n: 40 });
    expect(value(await runFunction(big('return { again: 2 }')))).toEqual({ again: 2 });
    const after = await sandboxPoolStats(256 * MB);
    const sum = (s: typeof after, key: 'loaded' | 'instantiated' | 'retired' | 'compiled') => s.engines.reduce((n, e) => n + (e?.[key] ?? 0), 0);
    expect(after.spawned).toBe(before.spawned);
    expect(sum(after, 'retired')).toBeGreaterThan(sum(before, 'retired'));
    expect(sum(after, 'loaded')).toBeGreaterThan(sum(before, 'loaded'));
    // Each engine loaded since is an instance of the module already compiled.
    expect(sum(after, 'instantiated') - sum(before, 'instantiated')).toBe(sum(after, 'loaded') - sum(before, 'loaded'));
    expect(sum(after, 'compiled')).toBe(sum(before, 'compiled'));
  });

  it('a stopped record is answered at once, also while it waits in a worker behind a long one', { timeout: 60_000 }, async () => {
    await runFunction(job('return null'));
    const long = new AbortController();
    const short = new AbortController();
    const first = runFunction(job('while (true) {}', {}, 30_000), long.signal);
    const second = runFunction(job('while (true) {}', {}, 30_000), short.signal);
    // Both are in a worker now: running, or the second waiting behind the first.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    short.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    long.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    // The pool still runs code afterwards.
    expect(value(await runFunction(job('return { ok: 1 }')))).toEqual({ ok: 1 });
  });

  it("passes the profiler's flags to its workers with their values (the benchmarks' --cpu-prof recipe), nothing else", () => {
    expect(profilerFlags(['--import', 'tsx', '--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir=.tmp/prof', '--max-old-space-size=4096'])).toEqual(['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir=.tmp/prof']);
    expect(profilerFlags(['--cpu-prof-name', 'x.cpuprofile', '--watch'])).toEqual(['--cpu-prof-name', 'x.cpuprofile']);
  });
});

