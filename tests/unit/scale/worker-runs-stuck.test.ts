/**
 * A studio beside workers (it executes no run itself) sees the runs the workers execute, for the
 * "run stuck" alert rule and GET /api/monitoring/runs: a run moves when a worker's step or record
 * event is relayed; one with no news for the rule's minutes is stuck — and a restarted studio gives
 * every run the whole time first. Real PostgreSQL store; the clock is the test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { WorkerRuns } from '../../../server/engine/worker-runs.ts';
import { evaluate } from '../../../server/monitoring/conditions.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { recordData, runRow } from '../store/fixtures.ts';

let db: TestDatabase;
let store: PgStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPgStore(db.url, { poolSize: 2 });
});

afterAll(async () => {
  await store?.close().catch(() => undefined);
  await db?.drop();
});

describe('runs in workers, seen by a studio that does not execute', () => {
  it("lists them with their counts; relayed steps are progress; a run silent for the rule's minutes is stuck", async () => {
    const started = Date.parse('2026-12-05T09:00:00.000Z');
    const base = runRow('run_w1', 'flow_w', new Date(started).toISOString(), 3);
    await store.createRun({ ...base, settings: { ...base.settings, executor: 'workers' } }, [0, 1, 2].map(recordData));
    // A run this studio would execute itself is not the workers'.
    await store.createRun(runRow('run_own', 'flow_w', new Date(started).toISOString(), 1), [recordData(0)]);
    let now = started + 60_000;
    const runs = new WorkerRuns(store, () => now);

    let [one, ...rest] = await runs.list();
    expect(rest).toEqual([]);
    expect(one).toMatchObject({ runId: 'run_w1', flowId: 'flow_w', status: 'running', stalledSince: null });
    expect(one.counts.pending).toBe(3);
    // Nothing heard since this studio started: counted from its start, not the run's.
    expect(one.lastProgressAt).toBe(new Date(started + 60_000).toISOString());

    const rule = { id: 'stuck', kind: 'run_stuck' as const, minutes: 5 };
    const check = async () => evaluate(rule, { store, flowId: 'flow_w', flowName: 'W', now, activeRuns: await runs.list(), schedule: null, schedules: null } as never);
    now += 4 * 60_000;
    expect((await check()).firing).toBe(false);
    // A worker's step is relayed: progress.
    runs.note({ type: 'step', runId: 'run_w1', nodeId: '', phase: 'end' });
    now += 4 * 60_000;
    expect((await check()).firing).toBe(false);
    [one] = await runs.list();
    expect(Date.parse(one.lastProgressAt)).toBe(now - 4 * 60_000);
    // Five minutes without a step or a record moving: stuck, naming the run.
    now += 60_000;
    const stuck = await check();
    expect(stuck.firing).toBe(true);
    expect(stuck.detail).toContain('run_w1');
    // Its end (a worker settles it) takes it off the list.
    await store.updateRun('run_w1', { status: 'completed', endedAt: new Date(now).toISOString() });
    runs.note({ type: 'run', runId: 'run_w1', status: 'completed', reason: null });
    expect(await runs.list()).toEqual([]);
    expect((await check()).firing).toBe(false);
  });
});
