/**
 * One studio (serve --no-execute) and three worker processes on a fresh PostgreSQL database run a
 * flow whose unsafe HTTP step calls a local endpoint that counts calls per key, while workers are
 * killed with SIGKILL at several moments and started again. Every record ends once, no committed
 * status is lost, no unsafe call is repeated, and the calls a kill cut short go to review (E_IN_DOUBT).
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { api, kill } from '../crash/studio-process.ts';
import { effectFlow, startEffects, unrepeated } from '../store/contract/effects.ts';
import { startWorker } from './worker-processes.ts';
import { freshDatabaseForProcesses, startStudioForWorkers } from './scale-setup.ts';

const RECORDS = 500;
const KILLS = 5;

const setup = freshDatabaseForProcesses('workers');

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: setup.db().url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const finished = (c: Record<string, number>) => c.success + c.failed + c.needs_review + c.skipped;

describe('workers on the PostgreSQL store', () => {
  it('run every record once while workers are killed and restarted: no unsafe call repeated, cut calls in review', async () => {
    // Slow enough that kills land while calls are under way.
    const effects = await startEffects(40);
    setup.cleanup(() => effects.close());
    const dir = setup.dir();
    const calls = effects.calls;
    const env = { DATA_DIR: dir, CONVEYOR_LEASE_MS: '2000', CONVEYOR_WORKER_BATCH: '8', CONVEYOR_WORKER_POLL_MS: '100', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' };
    const studio = await startStudioForWorkers(dir);
    const workers: Array<Promise<ChildProcess>> = [0, 1, 2].map((i) => startWorker(`w${i}`, env));
    await Promise.all(workers);
    expect((await api(`${studio.url}/api/flows/import`, 'POST', effectFlow('flow_workers', effects.base, { concurrency: 8 }))).status).toBeLessThan(300);
    const input = { records: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}` })) };
    const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_workers', input })).body;
    expect(run.id).toBeTruthy();

    const summary = async () => (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body;
    // What was committed before each kill: it must read the same at the end.
    const committedBefore = new Map<number, string>();
    for (let k = 0; k < KILLS; k++) {
      const target = Math.round((RECORDS * (k + 1)) / (KILLS + 2));
      for (let s = await summary(); finished(s.counts) < target; s = await summary()) {
        expect(s.status).toBe('running');
        await new Promise((r) => setTimeout(r, 50));
      }
      const victim = k % 3;
      const rows = await query<{ idx: number; status: string }>("SELECT idx, status FROM records WHERE run_id = $1 AND status NOT IN ('pending', 'running')", [run.id]);
      for (const r of rows) committedBefore.set(r.idx, r.status);
      await kill(await workers[victim]);
      // Started again without waiting: the others go on meanwhile, and its records wait for the lease.
      workers[victim] = startWorker(`w${victim}`, env);
    }

    const end = Date.now() + 120_000;
    let last = await summary();
    while (last.status !== 'completed' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      last = await summary();
    }
    expect(last.status).toBe('completed');
    expect(last.counts.success + last.counts.needs_review).toBe(RECORDS);
    expect(last.counts.pending + last.counts.running + last.counts.failed).toBe(0);

    const records = await query<{ idx: number; status: string; data: string; output: string | null; error_code: string | null }>('SELECT idx, status, data, output, error_code FROM records WHERE run_id = $1 ORDER BY idx', [run.id]);
    expect(records).toHaveLength(RECORDS);
    // Each key called once at most; a success exactly once; anything else in doubt, in review.
    expect(unrepeated(records.map((r) => ({ status: r.status, error: r.error_code ? { code: r.error_code } : null })), (i) => JSON.parse(records[i].data).key, calls)).toEqual([]);
    for (const r of records) {
      if (r.status === 'success') expect(JSON.parse(r.output!).count).toBe(1);
      // What was committed before a kill is what it is at the end.
      if (committedBefore.has(r.idx)) expect(r.status).toBe(committedBefore.get(r.idx));
    }
    const inDoubt = records.filter((r) => r.status === 'needs_review').length;
    // The kills landed while calls were under way: some went in doubt (none repeated, above).
    expect(inDoubt).toBeGreaterThan(0);
    // A kill cuts short at most the calls its worker had under way (one batch).
    expect(inDoubt).toBeLessThanOrEqual(KILLS * 8);
    // Each record's unsafe step committed once at most, and no claim is left behind.
    const twice = await query("SELECT record_idx FROM steps WHERE run_id = $1 AND node_id = 'call' AND status = 'success' GROUP BY record_idx HAVING count(*) > 1", [run.id]);
    expect(twice).toEqual([]);
    expect(await query('SELECT * FROM record_claims')).toEqual([]);
    // The run's review queue holds the records in doubt.
    const review = (await api(`${studio.url}/api/review?runId=${run.id}&limit=200`, 'GET')).body;
    expect(review.total ?? review.items?.length).toBe(inDoubt);

    for (const w of workers) await kill(await w);
    await kill(studio.child);
  }, 180_000);
});
