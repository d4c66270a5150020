/**
 * A schedule's tick, claimed on PostgreSQL, names the run it starts (migration 7): of the studios
 * claiming one tick one starts its run; a studio that died between its claim and its run no longer
 * loses the tick — the next studio to lead starts that very run; a tick skipped or already run is
 * never fired again. Real PostgreSQL, the real store and a real studio (openConveyor).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { storeTickClaims } from '../../../server/scheduler/tick-claims.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { recordData, runRow } from '../store/fixtures.ts';
import { untilFound } from '../../support/until.ts';

let db: TestDatabase;
let store: PgStore;
const keyBefore = process.env.CONVEYOR_SECRET_KEY;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPgStore(db.url, { poolSize: 2 });
  process.env.CONVEYOR_SECRET_KEY = randomBytes(32).toString('base64');
});

afterAll(async () => {
  await store?.close().catch(() => undefined);
  await db?.drop();
  if (keyBefore === undefined) delete process.env.CONVEYOR_SECRET_KEY;
  else process.env.CONVEYOR_SECRET_KEY = keyBefore;
});

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

const startRunRow = (id: string, flowId: string) => store.createRun(runRow(id, flowId, new Date().toISOString(), 1), [recordData(0)]);

describe('tick claims name their run', () => {
  it('one run per tick: a claim whose run exists or was settled is not fired again; a dead claimant\'s is taken over with the same run id', async () => {
    const a = storeTickClaims(store, 'studio-a');
    const b = storeTickClaims(store, 'studio-b');
    const c = storeTickClaims(store, 'studio-c');
    const tick = '2026-12-05T10:00:00.000Z';

    const planned = await a.claim('flow_t', tick);
    expect(planned).toMatch(/^run_/);
    // A claims it again (its own claim, its run not started yet): not a second fire.
    expect(await a.claim('flow_t', tick)).toBeNull();
    // B, leading after A died before starting the run: the same run id, not a new one.
    expect(await b.claim('flow_t', tick)).toBe(planned);
    expect(await b.orphans()).toEqual([]);
    expect(await a.orphans()).toEqual([{ flowId: 'flow_t', scheduledFor: tick }]);
    // B starts it; A, alive after all, cannot start it a second time: the runs table refuses the id.
    await startRunRow(planned!, 'flow_t');
    const second = await startRunRow(planned!, 'flow_t').then(() => null, (err: unknown) => err);
    expect(second).not.toBeNull();
    expect(a.isDuplicateRun(second), JSON.stringify(second, Object.getOwnPropertyNames(second ?? {}))).toBe(true);
    expect(a.isDuplicateRun(new Error('connection lost'))).toBe(false);
    // The run exists: nobody claims the tick any more, nobody sees it as orphaned.
    expect(await c.claim('flow_t', tick)).toBeNull();
    expect(await c.orphans()).toEqual([]);
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE flow_id = 'flow_t'`))[0].n).toBe(1);

    // A tick skipped (the previous run still going) is settled: no run to come, never taken over.
    const skipped = '2026-12-05T10:01:00.000Z';
    expect(await a.claim('flow_t', skipped)).toMatch(/^run_/);
    await a.settle('flow_t', skipped);
    expect(await b.claim('flow_t', skipped)).toBeNull();
    expect(await b.orphans()).toEqual([]);
  });

  it('a studio that leads next starts the run of a tick claimed by a studio that died before starting it, once', async () => {
    const dir = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-tick-claims-'));
    const choice = { kind: 'postgres' as const, url: db.url };
    const doc: FlowDocument = {
      format: FLOW_FORMAT,
      id: 'flow_orphan',
      name: 'Hourly',
      description: '',
      settings: { concurrency: 1 },
      nodes: [
        // Every hour, anchored when switched on: no tick of its own falls within this test.
        { id: 'tick', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds: 3600 } },
        { id: 'done', type: 'core.end', position: { x: 200, y: 0 }, params: { status: 'success' } },
      ],
      edges: [{ id: 'e1', source: 'tick', sourcePort: 'out', target: 'done', targetPort: 'in' }],
    };
    // A studio claimed this tick and counted it (the schedule's first), then died before its run existed.
    const tick = new Date(Date.now() - 60_000).toISOString();
    let first: Conveyor | null = await openConveyor(dir(), { store: choice, schedules: true });
    try {
      await first.flows.import(doc);
      await first.scheduler.setEnabled('flow_orphan', true);
      await first.store.putNodeState([
        { scope: 'schedule:flow_orphan', nodeId: 'tick', key: 'ticks', value: 1 },
        { scope: 'schedule:flow_orphan', nodeId: 'tick', key: 'countedTick', value: tick },
      ]);
    } finally {
      await first.close();
      first = null;
    }
    await sql(`INSERT INTO schedule_ticks (flow_id, scheduled_for, studio, run_id) VALUES ('flow_orphan', $1, 'gone-studio', 'run_orphaned1')`, [tick]);

    const next = await openConveyor(dir(), { store: choice, schedules: true });
    try {
      const run = await untilFound('the orphaned tick\'s run completed', async () => (await sql<{ id: string; status: string }>(`SELECT id, status FROM runs WHERE id = 'run_orphaned1' AND status = 'completed'`))[0], { ms: 20_000, every: 100 });
      expect(run.id).toBe('run_orphaned1');
      const [record] = await sql<{ at: string }>(`SELECT data::jsonb->>'scheduledFor' AS at FROM records WHERE run_id = 'run_orphaned1'`);
      expect(record.at).toBe(tick);
      const [claim] = await sql<{ studio: string }>(`SELECT studio FROM schedule_ticks WHERE flow_id = 'flow_orphan' AND scheduled_for = $1`, [tick]);
      expect(claim.studio).not.toBe('gone-studio');
      // Counted once: the schedule's first tick, as the studio that claimed it numbered it.
      const [n] = await sql<{ tick: string }>(`SELECT data::jsonb->>'tick' AS tick FROM records WHERE run_id = 'run_orphaned1'`);
      expect(n.tick).toBe('1');
      const [ticks] = await sql<{ value: string }>(`SELECT value FROM node_state WHERE scope = 'schedule:flow_orphan' AND node_id = 'tick' AND key = 'ticks'`);
      expect(ticks.value).toBe('1');
    } finally {
      await next.close();
    }
    // A studio leading after that finds nothing left to fire: still one run of that tick.
    const third = await openConveyor(dir(), { store: choice, schedules: true });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const runs = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE flow_id = 'flow_orphan'`);
      expect(runs[0].n).toBe(1);
    } finally {
      await third.close();
    }
  }, 60_000);
});

