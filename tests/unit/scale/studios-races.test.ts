/**
 * Two studios on one PostgreSQL database (both `--no-execute`, in this process, each with its own
 * store connections and data folder) and a worker: the same action sent to both at once. Each
 * studio's in-process guard (engine.ts `resuming`, `reviewLocks`) sees only its own requests, so
 * the decision must be taken in the database. Each race is made deterministic: studio A is held
 * right after it read the run or record (a hook on its store's read), studio B acts meanwhile,
 * then A goes on with what it read.
 *
 * What an operator notices: a record retried twice (the service called again), a second Resume
 * answered "ok" (two "Run resumed" lines), a completed run turned "paused", a Stop overridden by a
 * late Pause. Each now gets exactly one winner and the 409 the single-studio case gives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { startWorker, type RunningWorker } from '../../../server/worker/worker.ts';
import { effectFlow } from '../store/contract/effects.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { until } from '../../support/until.ts';

let db: TestDatabase;
let a: RunningServer;
let b: RunningServer;
let worker: RunningWorker;
let endpoint: Server;
let base = '';
const dirs: string[] = [];
const calls = new Map<string, number>();
/** How long the endpoint takes to answer, per test. */
let latencyMs = 20;
/** Keys whose answer also waits for this promise (a test's gate), after the latency. */
const answerGates = new Map<string, Promise<void>>();
const ENV = { CONVEYOR_STORE: 'postgres', CONVEYOR_EXECUTE: '0', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' };

function dataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'conveyor-races-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, ENV, { DATABASE_URL: db.url });
  // POST /effect/<key>: counted; a key starting with "fail-" is refused (422, not transient) on its first call only.
  endpoint = createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('/').pop()!);
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    setTimeout(() => {
      void (answerGates.get(key) ?? Promise.resolve()).then(() => {
        const refused = key.startsWith('fail-') && n === 1;
        res.writeHead(refused ? 422 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(refused ? { error: 'not yet' } : { key, count: n }));
      });
    }, latencyMs);
  });
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  a = await startServer({ port: 0, dataDir: dataDir(), clientDir: path.join(os.tmpdir(), 'no-client') });
  b = await startServer({ port: 0, dataDir: dataDir(), clientDir: path.join(os.tmpdir(), 'no-client') });
  worker = await startWorker({ url: db.url, dataDir: dataDir(), id: 'w0', leaseMs: 5000, batch: 4, pollMs: 30, poolSize: 3 });
  expect((await api(a, 'POST', '/api/flows/import', flow())).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await worker?.close().catch(() => undefined);
  await a?.close().catch(() => undefined);
  await b?.close().catch(() => undefined);
  await new Promise<void>((r) => (endpoint ? endpoint.close(() => r()) : r()));
  for (const k of [...Object.keys(ENV), 'DATABASE_URL']) delete process.env[k];
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** trigger → call (POST the record's key, unsafe) → mark → end: the endpoint counts the calls. */
const flow = (id = 'flow_races') => effectFlow(id, base, { concurrency: 2 });

async function api(s: RunningServer, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(s.url + url, { method, headers: { ...(method === 'GET' ? {} : { origin: s.url }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const run = (id: string) => api(b, 'GET', `/api/runs/${id}`).then((r) => r.body);
const runStatus = (id: string, status: string) => until(`run ${status}`, () => run(id), (r) => r.status === status);

async function start(keys: string[]): Promise<string> {
  const started = await api(a, 'POST', '/api/runs', { flowId: 'flow_races', input: { records: keys.map((key) => ({ key })) } });
  expect(started.status).toBe(201);
  return started.body.id;
}

/**
 * Holds studio A right after its next read `method` of `id` (the read its action decides on): the
 * read is done, A waits until `release`. `reached` settles when A is held.
 */
function holdAfterRead(s: RunningServer, method: 'getRun' | 'getRecord', id: string): { reached: Promise<void>; release(): void } {
  const store = s.conveyor.store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = store[method];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const held = new Promise<void>((r) => (reached = r));
  store[method] = async (...args: unknown[]) => {
    const value = await original.apply(store, args);
    if (args[0] !== id) return value;
    store[method] = original;
    reached();
    await gate;
    return value;
  };
  return { reached: held, release };
}

async function logLines(id: string): Promise<string[]> {
  return (await api(b, 'GET', `/api/runs/${id}/logs?limit=1000`)).body.items.map((l: { message: string }) => l.message);
}

describe('two studios on one database, the same action on both at once', () => {
  it('Retry of one record sent to both studios: retried once, the service called once more, the second refused E_REVIEW_NOT_OPEN', async () => {
    latencyMs = 20;
    const id = await start(['fail-r0']);
    await runStatus(id, 'completed');
    const failed = (await api(b, 'GET', `/api/runs/${id}/records/0`)).body.record;
    expect(['failed', 'needs_review']).toContain(failed.status);
    expect(calls.get('fail-r0')).toBe(1);

    const hold = holdAfterRead(a, 'getRecord', id);
    const first = api(a, 'POST', '/api/review/actions', { action: 'retry', items: [{ runId: id, index: 0 }] });
    await hold.reached;
    const second = await api(b, 'POST', '/api/review/actions', { action: 'retry', items: [{ runId: id, index: 0 }] });
    expect(second.status).toBe(200);
    expect(second.body.results[0]).toMatchObject({ ok: true });
    // The worker runs the retried record to its end before studio A goes on.
    await until('the retried record done', async () => (await api(b, 'GET', `/api/runs/${id}/records/0`)).body.record.status, (s) => s === 'success');
    await runStatus(id, 'completed');
    hold.release();
    const late = await first;
    expect(late.status).toBe(200);
    expect(late.body.results[0]).toMatchObject({ ok: false, error: { code: 'E_REVIEW_NOT_OPEN' } });
    expect(late.body.results[0].error.message).toMatch(/has succeeded/);

    // Whatever A did, it is done: the record is at rest and so is the run.
    await until('record at rest', async () => (await api(b, 'GET', `/api/runs/${id}/records/0`)).body.record.status, (s) => s !== 'running' && s !== 'pending');
    await runStatus(id, 'completed');
    const record = (await api(b, 'GET', `/api/runs/${id}/records/0`)).body;
    expect(record.record.status).toBe('success');
    expect(calls.get('fail-r0')).toBe(2); // the first call, and one retry
    expect(record.events.filter((e: { action: string }) => e.action === 'retry')).toHaveLength(1);
  }, 60_000);

  it('Resume sent to both studios: one 200, one 409 E_RUN_BUSY, one "Run resumed", every record called once', async () => {
    latencyMs = 150;
    const keys = Array.from({ length: 20 }, (_, i) => `res-${i}`);
    const id = await start(keys);
    await until('a record done', () => run(id), (r) => r.counts.success >= 1);
    expect((await api(b, 'POST', `/api/runs/${id}/pause`)).status).toBe(200);
    const paused = await runStatus(id, 'paused');
    expect(paused.counts.success).toBeLessThan(keys.length);

    const hold = holdAfterRead(a, 'getRun', id);
    const first = api(a, 'POST', `/api/runs/${id}/resume`);
    await hold.reached;
    const second = await api(b, 'POST', `/api/runs/${id}/resume`);
    expect(second.status).toBe(200);
    hold.release();
    const late = await first;
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('E_RUN_BUSY');
    expect(late.body.error.message).toMatch(/resumed by someone else/);

    const done = await runStatus(id, 'completed');
    expect(done.counts.success).toBe(keys.length);
    for (const k of keys) expect(calls.get(k), k).toBe(1);
    expect((await logLines(id)).filter((m) => m.startsWith('Run resumed'))).toHaveLength(1);
  }, 60_000);

  it('Pause on one studio while the run completes: refused E_RUN_NOT_RUNNING, the run stays completed', async () => {
    latencyMs = 300;
    const id = await start(['pc-0']);
    const hold = holdAfterRead(a, 'getRun', id);
    const pause = api(a, 'POST', `/api/runs/${id}/pause`);
    await hold.reached;
    await runStatus(id, 'completed');
    hold.release();
    const late = await pause;
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('E_RUN_NOT_RUNNING');
    expect(late.body.error.message).toMatch(/is completed/);
    // Give the workers' settling a few rounds: a "pausing" written late would become "paused".
    await new Promise((r) => setTimeout(r, 400));
    expect((await run(id)).status).toBe('completed');
  }, 60_000);

  it('Stop on one studio, a Pause read before it lands on the other: the Stop holds, the Pause is refused', async () => {
    latencyMs = 300;
    const id = await start(['sp-0', 'sp-1', 'sp-2', 'sp-3']);
    await until('a call under way', async () => calls.get('sp-0') ?? 0, (n) => n >= 1);
    const hold = holdAfterRead(a, 'getRun', id);
    const pause = api(a, 'POST', `/api/runs/${id}/pause`);
    await hold.reached;
    const stop = await api(b, 'POST', `/api/runs/${id}/stop`);
    expect(stop.status).toBe(200);
    expect(stop.body.status).toBe('stopping');
    hold.release();
    const late = await pause;
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('E_RUN_NOT_RUNNING');
    expect(late.body.error.message).toMatch(/is stopp(ing|ed)/);
    const ended = await until('run at rest', () => run(id), (r) => r.status !== 'running' && r.status !== 'stopping' && r.status !== 'pausing');
    expect(ended.status).toBe('stopped');
  }, 60_000);

  it('Stop on a paused run on one studio, Resume on the other first: the run is stopped through its workers (stopping, then stopped)', async () => {
    latencyMs = 300;
    const id = await start(Array.from({ length: 20 }, (_, i) => `rs-${i}`));
    await until('a record done', () => run(id), (r) => r.counts.success >= 1);
    expect((await api(b, 'POST', `/api/runs/${id}/pause`)).status).toBe(200);
    await runStatus(id, 'paused');
    const hold = holdAfterRead(a, 'getRun', id);
    const stop = api(a, 'POST', `/api/runs/${id}/stop`);
    await hold.reached;
    expect((await api(b, 'POST', `/api/runs/${id}/resume`)).status).toBe(200);
    hold.release();
    const late = await stop;
    expect(late.status, JSON.stringify(late.body)).toBe(200);
    // The run was running again when A's Stop landed: asked of the workers, not written over them.
    expect(late.body.status).toBe('stopping');
    const ended = await until('run at rest', () => run(id), (r) => !['running', 'stopping', 'pausing'].includes(r.status));
    expect(ended.status).toBe('stopped');
  }, 60_000);

  it('Retry of a record while a worker completes its run: the run goes on with the retried record (not completed around it)', async () => {
    // The call's answer waits until the run's row is held below: a latency alone (1.5 s) was once
    // not enough on a loaded CI machine — the worker settled the run first, and no settle statement
    // ever waited on the row.
    latencyMs = 20;
    let answer!: () => void;
    answerGates.set('fail-settle', new Promise<void>((r) => (answer = r)));
    // The run's row held (FOR NO KEY UPDATE, as an UPDATE of it takes) before its only record ends:
    // the worker's settle statement, once the record failed, takes its snapshot and waits on the row.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const id = await start(['fail-settle']);
      await until('the call under way', async () => calls.get('fail-settle') ?? 0, (n) => n >= 1);
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM runs WHERE id = $1 FOR NO KEY UPDATE', [id]);
      answer();
      await until('record failed', async () => (await api(b, 'GET', `/api/runs/${id}/records/0`)).body.record.status, (s) => s === 'failed' || s === 'needs_review');
      // A settle statement is waiting on the row now (the worker polls every 30 ms).
      await until('settle waiting', async () => (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE runs u SET%'")).rows[0].n, (n) => n >= 1);
      const retried = await api(a, 'POST', '/api/review/actions', { action: 'retry', items: [{ runId: id, index: 0 }] });
      expect(retried.body.results[0]).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 200));
      await client.query('COMMIT');
      const ended = await until('record at rest', async () => (await api(b, 'GET', `/api/runs/${id}/records/0`)).body.record.status, (s) => s !== 'running' && s !== 'pending', { ms: 10_000 });
      expect(ended).toBe('success');
      expect(calls.get('fail-settle')).toBe(2);
      await runStatus(id, 'completed');
    } finally {
      answer();
      answerGates.delete('fail-settle');
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  }, 60_000);

  it('a run started on one studio from a flow deleted meanwhile on the other runs from its own copy, as a run whose flow is deleted later does', async () => {
    latencyMs = 20;
    const doc = flow('flow_deleted');
    expect((await api(a, 'POST', '/api/flows/import', doc)).status).toBe(201);
    const store = a.conveyor.store;
    const getFlow = store.getFlow.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const held = new Promise<void>((r) => (reached = r));
    store.getFlow = async (fid) => {
      const row = await getFlow(fid);
      if (fid !== 'flow_deleted') return row;
      store.getFlow = getFlow;
      reached();
      await gate;
      return row;
    };
    const started = api(a, 'POST', '/api/runs', { flowId: 'flow_deleted', input: { records: [{ key: 'del-0' }] } });
    await held;
    expect((await api(b, 'DELETE', '/api/flows/flow_deleted')).status).toBe(204);
    release();
    const res = await started;
    expect(res.status).toBe(201);
    const done = await runStatus(res.body.id, 'completed');
    expect(done.counts.success).toBe(1);
    expect(calls.get('del-0')).toBe(1);
    expect((await api(b, 'GET', '/api/flows/flow_deleted')).status).toBe(404);
  }, 60_000);
});
