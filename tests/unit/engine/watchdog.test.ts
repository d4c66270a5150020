import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, out } from '../../../nodes/sdk/define-node.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { flow, records, testNodes } from './harness.ts';

/** Calls per record of the nodes below. */
const calls = new Map<string, number>();
const count = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);

/** Unsafe nodes that ignore their abort signal: one never ends, one ends late. */
const stubborn = [
  defineNode({
    type: 'test.stuck-send', title: 'Stuck send', category: 'Network', description: 'never ends, ignores abort', effect: 'unsafe',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: (ctx) => {
      count(`stuck:${ctx.record.index}`);
      return new Promise(() => undefined);
    },
  }),
  defineNode({
    type: 'test.late-send', title: 'Late send', category: 'Network', description: 'ends after waitMs, ignores abort', effect: 'unsafe',
    params: z.object({ waitMs: z.number() }), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: async (ctx) => {
      count(`late:${ctx.record.index}`);
      await new Promise((r) => setTimeout(r, ctx.params.waitMs));
      return out({ ...ctx.input, sent: true });
    },
  }),
];

let store: Store | null = null;
let engine: Engine | null = null;

async function open(watchdog: ConstructorParameters<typeof Engine>[0]['watchdog']): Promise<{ store: Store; engine: Engine }> {
  calls.clear();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-watchdog-'));
  store = await openSqlJsStore(path.join(dir, 'store'));
  engine = new Engine({ store, registry: new NodeRegistry([...testNodes, ...stubborn]), dataDir: dir, watchdog });
  return { store, engine };
}

afterEach(async () => {
  await engine?.shutdown();
  await store?.close();
  engine = null;
  store = null;
});

const logLines = async (s: Store, runId: string) => (await s.listLogs(runId, { limit: 1000 })).items;

describe('stuck-step watchdog', () => {
  it('puts an unsafe step that ignores its cancel in doubt after timeout + grace: review with E_STEP_STUCK, never retried', async () => {
    const { store, engine } = await open({ graceMs: 80 });
    const retries = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const doc = flow([['t', 'test.trigger'], ['s', 'test.stuck-send', {}, { timeoutMs: 40, retries }]], [['t', 's']]);
    const run = await engine.startRun(doc, { input: { records: records(1) } });
    const summary = await engine.waitForRun(run.id);
    expect(summary.counts.needs_review).toBe(1);
    const rec = await store.getRecord(run.id, 0);
    expect(rec?.error?.code).toBe('E_STEP_STUCK');
    expect(rec?.error?.message).toMatch(/may or may not have happened/);
    // A transient timeout would have been retried (sent twice): the stuck unsafe step ran once.
    expect(calls.get('stuck:0')).toBe(1);
    await engine.flushLogs();
    expect((await logLines(store, run.id)).some((l) => l.level === 'warn' && l.message.includes('E_STEP_STUCK') && l.message.includes('put in doubt'))).toBe(true);
  });

  it('takes the result of an unsafe step that ends within the grace (it happened: not run again)', async () => {
    const { store, engine } = await open({ graceMs: 400 });
    const doc = flow([['t', 'test.trigger'], ['s', 'test.late-send', { waitMs: 100 }, { timeoutMs: 30, retries: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }]], [['t', 's']]);
    const run = await engine.startRun(doc, { input: { records: records(1) } });
    const summary = await engine.waitForRun(run.id);
    expect(summary.counts.success).toBe(1);
    expect((await store.getRecord(run.id, 0))?.output).toMatchObject({ sent: true });
    expect(calls.get('late:0')).toBe(1);
  });

  it('lets a record leave a safe step that ignores its cancel at the timeout, and logs the step still running after the grace', async () => {
    const { store, engine } = await open({ graceMs: 60 });
    const doc = flow([['t', 'test.trigger'], ['h', 'test.hang', {}, { timeoutMs: 30 }]], [['t', 'h']]);
    const run = await engine.startRun(doc, { input: { records: records(1) } });
    const summary = await engine.waitForRun(run.id);
    expect(summary.counts.failed).toBe(1);
    expect((await store.getRecord(run.id, 0))?.error?.code).toBe('E_TIMEOUT');
    await new Promise((r) => setTimeout(r, 120));
    await engine.flushLogs();
    const stuck = (await logLines(store, run.id)).find((l) => l.message.includes('E_STEP_STUCK'));
    expect(stuck?.message).toMatch(/the record went on without it/);
    expect(stuck?.nodeId).toBe('h');
  });
});

describe('run stall watch', () => {
  it('flags a run with no progress for the configured time, once, and lists it with its live counters', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const { store, engine } = await open({ stallMs: 60_000, checkMs: 3_600_000, now: () => now });
    // No timeout: the step hangs until the run is stopped.
    const doc = flow([['t', 'test.trigger'], ['h', 'test.effect', { hang: true }]], [['t', 'h']]);
    const run = await engine.startRun(doc, { input: { records: records(1) } });
    await new Promise((r) => setTimeout(r, 20));
    now += 59_000;
    engine.checkStalls();
    expect(engine.activeRuns()[0]).toMatchObject({ runId: run.id, flowId: 'f1', stalledSince: null, status: 'running' });
    now += 2_000;
    engine.checkStalls();
    const [info] = engine.activeRuns();
    expect(info.stalledSince).toBe(new Date(now).toISOString());
    expect(info.counts.running).toBe(1);
    await engine.flushLogs();
    const flagged = (await logLines(store, run.id)).filter((l) => l.data && (l.data as { code?: string }).code === 'E_RUN_STALLED');
    expect(flagged).toHaveLength(1);
    expect(flagged[0].message).toMatch(/No progress for 61 s/);
    // Flagged once, not at every check.
    now += 60_000;
    engine.checkStalls();
    await engine.stop(run.id);
    await engine.waitForRun(run.id);
    expect(engine.activeRuns()).toEqual([]);
  });
});
