/**
 * Several studios on one PostgreSQL database, as real processes: two --no-execute studios (each with
 * its own data folder, as on two machines) and workers. A credential saved on one studio is used by
 * a worker (the vault lives in the database, under the key given by CONVEYOR_SECRET_KEY); a worker
 * with another key or none is refused; an alert goes out once, not once per studio; the canvas's
 * "in progress" counts the steps under way in workers and drops a killed worker's; a schedule fires
 * each tick once across the studios, and goes on when the leading studio is killed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { api, kill } from '../crash/studio-process.ts';
import { effectFlow, startEffects } from '../store/contract/effects.ts';
import { startWorker } from './worker-processes.ts';
import { freshDatabaseForProcesses, startStudioForWorkers } from './scale-setup.ts';
import { untilFound } from '../../support/until.ts';

const KEY = randomBytes(32).toString('base64');
const setup = freshDatabaseForProcesses('studios', {
  CONVEYOR_SECRET_KEY: KEY,
  // A studio tries to lead every 300 ms and checks alerts every 300 ms (default: 2 s and 30 s).
  CONVEYOR_LEADER_RETRY_MS: '300',
  CONVEYOR_MONITOR_INTERVAL_MS: '300',
});
const WORKER_ENV = { CONVEYOR_WORKER_BATCH: '4', CONVEYOR_WORKER_POLL_MS: '100', CONVEYOR_LEASE_MS: '3000', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' };

type Studio = Awaited<ReturnType<typeof startStudioForWorkers>>;
let a: Studio;
let b: Studio;
const folder = (name: string) => mkdtempSync(path.join(os.tmpdir(), `conveyor-studios-${name}-`));

/** A local endpoint that counts requests by path and keeps their headers; answers after `latencyMs`. */
async function startSite(latencyMs = 0): Promise<{ base: string; hits: Array<{ path: string; headers: Record<string, unknown> }>; close(): Promise<void> }> {
  const hits: Array<{ path: string; headers: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }, latencyMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const site = { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
  setup.cleanup(() => site.close());
  return site;
}

function flow(id: string, nodes: FlowDocument['nodes']): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: `Studios ${id}`,
    description: '',
    settings: { concurrency: 4, allowHosts: ['127.0.0.1'] },
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i].id, sourcePort: 'out', target: n.id, targetPort: 'in' })),
  };
}

/** Studios and workers in child processes over PostgreSQL: up to a minute, read every 200 ms. */
const patient = { ms: 60_000, every: 200 };

const manual = (records: unknown[]) => ({ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(records) } });
const end = { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } };

async function runTo(studio: Studio, flowId: string, records: unknown[]): Promise<{ id: string; status: string; counts: Record<string, number> }> {
  const started = await api(`${studio.url}/api/runs`, 'POST', { flowId, input: { records } });
  expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
  return untilFound(`run ${started.body.id} to end`, async () => {
    const r = (await api(`${studio.url}/api/runs/${started.body.id}`, 'GET')).body;
    return ['completed', 'failed', 'stopped'].includes(r.status) ? r : null;
  }, patient);
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: setup.db().url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  // A first (it leads), then B: two studios, two data folders, one database.
  a = await startStudioForWorkers(folder('a'));
  b = await startStudioForWorkers(folder('b'));
}, 150_000);

afterAll(async () => {
  for (const s of [a, b]) if (s && s.child.exitCode === null && s.child.signalCode === null) await kill(s.child);
});

describe('several studios on one PostgreSQL database', () => {
  it('keeps credentials in the database: saved on studio A, used by a worker; another key or none is refused', async () => {
    const site = await startSite();
    const saved = await api(`${a.url}/api/credentials`, 'POST', { name: 'Shared API', kind: 'api_key', fields: { header: 'X-Api-Key' }, secrets: { key: 'k-shared-7781' }, scope: { nodeTypes: ['core.http-request'] } });
    expect(saved.status, JSON.stringify(saved.body)).toBeLessThan(300);
    // Studio B lists it (it was told through the database), and the secret is not in the database in clear.
    expect((await untilFound('B to list the credential', async () => ((await api(`${b.url}/api/credentials`, 'GET')).body as Array<{ name: string }>).find((c) => c.name === 'Shared API'), patient))).toBeTruthy();
    const [row] = await sql<{ doc: string; key_id: string }>('SELECT doc, key_id FROM vault');
    expect(row.doc).not.toContain('k-shared-7781');
    expect(row.doc).not.toContain(KEY);

    const doc = flow('flow_cred', [manual([]), { id: 'call', type: 'core.http-request', position: { x: 200, y: 0 }, params: { method: 'GET', url: `${site.base}/secret`, credential: 'Shared API' } }, end]);
    expect((await api(`${b.url}/api/flows/import`, 'POST', doc)).status).toBeLessThan(300);
    const worker = await startWorker('wc', { DATA_DIR: folder('wc'), ...WORKER_ENV });
    try {
      const run = await runTo(b, 'flow_cred', [{ n: 1 }, { n: 2 }]);
      expect(run.counts.success).toBe(2);
      expect(site.hits.map((h) => h.headers['x-api-key'])).toEqual(['k-shared-7781', 'k-shared-7781']);
    } finally {
      await kill(worker);
    }

    const wrong = await startWorker('wk', { DATA_DIR: folder('wk'), ...WORKER_ENV, CONVEYOR_SECRET_KEY: randomBytes(32).toString('base64') }).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(wrong).toMatch(/E_VAULT_KEY_WRONG/);
    const missing = await startWorker('wm', { DATA_DIR: folder('wm'), ...WORKER_ENV, CONVEYOR_SECRET_KEY: '' }).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(missing).toMatch(/E_VAULT_KEY_MISSING/);
  }, 180_000);

  it('refuses a studio that would execute runs itself beside them (E_STORE_IN_USE)', async () => {
    const child = spawn(process.execPath, ['bin/conveyor.js', 'serve'], { env: { ...process.env, DATA_DIR: folder('x'), PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).not.toBe(0);
    expect(out).toMatch(/E_STORE_IN_USE/);
    expect(out).toMatch(/--no-execute/);
  }, 90_000);

  it('sends an alert once, however many studios check the rules', async () => {
    // The webhook answers slowly: two studios checking at once would both be delivering.
    const hook = await startSite(1500);
    const doc = flow('flow_alert', [manual([]), { id: 'call', type: 'core.http-request', position: { x: 200, y: 0 }, params: { method: 'GET', url: 'http://127.0.0.1:9/closed' } }, end]);
    expect((await api(`${a.url}/api/flows/import`, 'POST', doc)).status).toBeLessThan(300);
    const worker = await startWorker('wa', { DATA_DIR: folder('wa'), ...WORKER_ENV });
    try {
      const run = await runTo(a, 'flow_alert', [{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(run.counts.failed).toBe(3);
    } finally {
      await kill(worker);
    }
    const rules = { enabled: true, rules: [{ id: 'fails', kind: 'failure_rate', threshold: 0.5, windowRecords: 10, minRecords: 1 }], webhook: { url: `${hook.base}/alert` } };
    const put = await api(`${b.url}/api/flows/flow_alert/alerts`, 'PUT', rules);
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    await untilFound('the alert', async () => hook.hits.length > 0, patient);
    // Both studios check every 300 ms: a few seconds more, still one alert.
    await new Promise((r) => setTimeout(r, 5000));
    expect(hook.hits.map((h) => h.path)).toEqual(['/alert']);
  }, 180_000);

  it('counts the steps under way in workers on the canvas, and drops a killed worker\'s', async () => {
    const effects = await startEffects(600);
    setup.cleanup(() => effects.close());
    expect((await api(`${a.url}/api/flows/import`, 'POST', effectFlow('flow_gauge', effects.base, { concurrency: 4 }))).status).toBeLessThan(300);
    let worker = await startWorker('wg1', { DATA_DIR: folder('wg1'), ...WORKER_ENV });
    const socket: Socket = connect(b.url, { transports: ['websocket'] });
    try {
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      const records = Array.from({ length: 40 }, (_, i) => ({ key: `g${i}` }));
      const run = (await api(`${a.url}/api/runs`, 'POST', { flowId: 'flow_gauge', input: { records } })).body;
      type Update = { final: boolean; status: string; counts: Record<string, number>; nodes: Record<string, { inProgress: number }> };
      const updates: Update[] = [];
      const waiters: Array<() => void> = [];
      socket.on('run:update', (u) => {
        if (u.runId !== run.id) return;
        updates.push(u);
        for (const w of waiters.splice(0)) w();
      });
      const seen = (what: string, test: (u: Update) => boolean, ms = 60_000) =>
        untilFound(what, async () => {
          if (!updates.some(test)) await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 500)));
          return updates.find(test) ?? null;
        }, { ...patient, ms });
      socket.emit('run:join', run.id);
      // One worker takes 4 records at a time: the HTTP step shows them under way, never more.
      await seen('steps under way', (u) => u.nodes.call?.inProgress > 0);
      const from = updates.length;
      await kill(worker);
      // Killed: its steps stop counting within seconds, though the run is still running.
      const dropped = await seen('the killed worker\'s steps dropped', (u) => updates.indexOf(u) >= from && u.status === 'running' && u.nodes.call.inProgress === 0, 20_000);
      expect(dropped.final).toBe(false);
      worker = await startWorker('wg2', { DATA_DIR: folder('wg2'), ...WORKER_ENV });
      const last = await seen('the final update', (u) => u.final, 120_000);
      expect(Math.max(...updates.map((u) => u.nodes.call?.inProgress ?? 0))).toBeLessThanOrEqual(4);
      expect(Object.values(last.nodes).every((n) => n.inProgress === 0)).toBe(true);
      expect(last.counts.success + last.counts.needs_review).toBe(40);
    } finally {
      socket.close();
      await kill(worker);
    }
  }, 240_000);

  it('fires each tick of a schedule once across the studios, and goes on when the leading studio dies', async () => {
    const doc = flow('flow_tick', [{ id: 'trigger', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds: 1, overlap: 'allow' } }, end]);
    expect((await api(`${a.url}/api/flows/import`, 'POST', doc)).status).toBeLessThan(300);
    // Switched on at studio B; studio A leads (it started first) and fires.
    const on = await api(`${b.url}/api/flows/flow_tick/schedule`, 'PUT', { enabled: true });
    expect(on.status, JSON.stringify(on.body)).toBeLessThan(300);
    const runs = () => sql<{ at: string }>(`SELECT r.data::jsonb->>'scheduledFor' AS at FROM records r JOIN runs u ON u.id = r.run_id WHERE u.flow_id = 'flow_tick'`);
    await untilFound('four ticks', async () => (await runs()).length >= 4, patient);
    await kill(a.child);
    const killedAt = Date.now();
    await untilFound('ticks fired by studio B after A died', async () => (await runs()).some((r) => Date.parse(r.at) > killedAt + 1000), { ...patient, ms: 30_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await api(`${b.url}/api/flows/flow_tick/schedule`, 'PUT', { enabled: false })).status).toBeLessThan(300);
    const ticks = (await runs()).map((r) => r.at);
    // One run per tick: no tick twice, and each was claimed once.
    expect(ticks.length).toBeGreaterThanOrEqual(6);
    expect(new Set(ticks).size).toBe(ticks.length);
    const [claims] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM schedule_ticks WHERE flow_id = 'flow_tick'`);
    expect(claims.n).toBeGreaterThanOrEqual(ticks.length);
  }, 180_000);
});
