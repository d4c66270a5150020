import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { journalFaults } from '../../../server/store/journal.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { main } from '../../../server/cli/main.ts';
import { startTestServer } from './support.ts';
import { until } from '../../support/until.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/**
 * A full disk through the REST API, Socket.IO and the CLI: the journal's writes fail with ENOSPC
 * (injected below the store) while a run calls an unsafe endpoint that counts calls per key.
 */
const RECORDS = 30;
const calls = new Map<string, number>();
let failAfter = Infinity;
let effects: Server;
let base = '';
let s: Awaited<ReturnType<typeof startTestServer>>;

const injectFull = () => {
  journalFaults.before = () => ({ error: Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), bytes: 5 });
};
const total = () => [...calls.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  effects = createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('/').pop()!);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    if (total() >= failAfter) injectFull();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key, count: calls.get(key) }));
    }, 5);
  });
  await new Promise<void>((r) => effects.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(effects.address() as AddressInfo).port}`;
  s = await startTestServer();
});

afterAll(async () => {
  journalFaults.before = null;
  await s?.close();
  await new Promise<void>((r) => effects.close(() => r()));
});

afterEach(() => {
  journalFaults.before = null;
  failAfter = Infinity;
  vi.restoreAllMocks();
});

function effectFlow(id: string): FlowDocument {
  const records = Array.from({ length: RECORDS }, (_, i) => ({ key: `${id}-k${i}` }));
  return {
    format: FLOW_FORMAT,
    id,
    name: `Disk full ${id}`,
    description: '',
    settings: { concurrency: 3 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(records) } },
      { id: 'call', type: 'core.http-request', position: { x: 200, y: 0 }, params: { method: 'POST', url: `${base}/effect/{{ key }}`, bodyFormat: 'none' } },
      { id: 'done', type: 'core.end', position: { x: 400, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'call', targetPort: 'in' },
      { id: 'e2', source: 'call', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  };
}

/** Each key called at most once; every record ended: success (called once) or in doubt, for review. */
async function expectEveryRecordOnce(runId: string, id: string): Promise<number> {
  const { body } = await s.api('GET', `/api/runs/${runId}/records?limit=1000`);
  expect(body.total).toBe(RECORDS);
  let review = 0;
  for (const r of body.items) {
    const key = `${id}-k${r.index}`;
    expect(calls.get(key) ?? 0, key).toBeLessThanOrEqual(1);
    if (r.status === 'success') expect(calls.get(key), key).toBe(1);
    else {
      expect(r.status, key).toBe('needs_review');
      expect(r.error.code, key).toBe('E_IN_DOUBT');
      review++;
    }
  }
  return review;
}

describe('a full disk, seen through REST and Socket.IO', () => {
  it('stops the run with E_STORE_WRITE in its summary and in health; writes answer 503; stop/pause/resume answer consistently; Resume finishes every record once', async () => {
    const doc = effectFlow('flow_rest_full');
    expect((await s.api('POST', '/api/flows/import', doc)).status).toBe(201);
    const socket: Socket = connect(s.url, { transports: ['websocket'] });
    try {
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      failAfter = 8;
      const started = await s.api('POST', '/api/runs', { flowId: doc.id });
      expect(started.status).toBe(201);
      const runId = started.body.id as string;
      const live = new Promise<any>((resolve) => {
        socket.on('run:update', (u) => {
          if (u.runId === runId && u.reason?.code === 'E_STORE_WRITE') resolve(u);
        });
      });
      socket.emit('run:join', runId);

      // The run summary says it stopped, why, and what to do.
      const halted = (await until('run interrupted', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'interrupted', { ms: 20_000 })).body;
      expect(halted.status).toBe('interrupted');
      expect(halted.reason.code).toBe('E_STORE_WRITE');
      expect(halted.reason.message).toContain('ENOSPC');
      expect(halted.reason.hint).toMatch(/Free space.*Resume/);
      expect((await s.api('GET', '/api/runs')).body.find((r: any) => r.id === runId).reason.code).toBe('E_STORE_WRITE');
      // …and so does the live room.
      const update = await live;
      expect(update.status).toBe('interrupted');
      expect(update.reason.hint).toMatch(/Resume/);

      // Health: 503 with the failure; the version and store name keep their place.
      const health = await s.api('GET', '/api/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ ok: false, store: 'sqljs', error: { code: 'E_STORE_WRITE', osCode: 'ENOSPC' } });
      expect(health.body.error.hint).toMatch(/Free space/);

      // Other writes: a coded 503, not 500 E_INTERNAL.
      const save = await s.api('POST', '/api/flows/import', effectFlow('flow_rest_other'));
      expect(save.status).toBe(503);
      expect(save.body.error.code).toBe('E_STORE_WRITE');
      const start = await s.api('POST', '/api/runs', { flowId: doc.id });
      expect(start.status).toBe(503);
      expect(start.body.error.code).toBe('E_STORE_WRITE');

      // Pause: 409 saying it is interrupted by the store, matching the summary; Resume: 503 while the disk is full.
      const calledAtHalt = total();
      const pause = await s.api('POST', `/api/runs/${runId}/pause`);
      expect(pause.status).toBe(409);
      expect(pause.body.error.code).toBe('E_RUN_NOT_RUNNING');
      expect(pause.body.error.message).toContain(`Run ${runId} is interrupted`);
      expect(pause.body.error.hint).toMatch(/Free space/);
      for (let i = 0; i < 2; i++) {
        const resume = await s.api('POST', `/api/runs/${runId}/resume`);
        expect(resume.status).toBe(503);
        expect(resume.body.error.code).toBe('E_STORE_WRITE');
      }
      expect((await s.api('GET', `/api/runs/${runId}`)).body.status).toBe('interrupted');
      expect(total()).toBe(calledAtHalt);

      // Space is back: health is ok again once the store writes; Resume completes the run.
      failAfter = Infinity;
      journalFaults.before = null;
      const resumed = await s.api('POST', `/api/runs/${runId}/resume`);
      expect(resumed.status).toBe(200);
      expect(resumed.body.status).toBe('running');
      expect((await s.api('GET', '/api/health')).status).toBe(200);
      const done = (await until('run completed', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'completed', { ms: 20_000 })).body;
      expect(done.status).toBe('completed');
      expect(done.reason).toBeNull();
      expect(await expectEveryRecordOnce(runId, doc.id)).toBeGreaterThanOrEqual(1);
      // The log kept the line that told what happened, written once the store wrote again.
      const logs = (await s.api('GET', `/api/runs/${runId}/logs?limit=1000`)).body.items as Array<{ message: string }>;
      expect(logs.some((l) => l.message.includes('E_STORE_WRITE') || l.message.includes('ENOSPC'))).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('Stop on a halted run answers 200 stopped (again on a second Stop), and the stopped run resumes once space is back', async () => {
    const doc = effectFlow('flow_rest_stop');
    expect((await s.api('POST', '/api/flows/import', doc)).status).toBe(201);
    failAfter = total() + 4;
    const runId = (await s.api('POST', '/api/runs', { flowId: doc.id })).body.id as string;
    await until('run interrupted', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'interrupted', { ms: 20_000 });
    for (let i = 0; i < 2; i++) {
      const stop = await s.api('POST', `/api/runs/${runId}/stop`);
      expect(stop.status).toBe(200);
      expect(stop.body.status).toBe('stopped');
      expect(stop.body.reason.code).toBe('E_STORE_WRITE');
    }
    const pause = await s.api('POST', `/api/runs/${runId}/pause`);
    expect(pause.status).toBe(409);
    expect(pause.body.error.message).toContain('is stopped');
    failAfter = Infinity;
    journalFaults.before = null;
    expect((await s.api('POST', `/api/runs/${runId}/resume`)).status).toBe(200);
    await until('run completed', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'completed', { ms: 20_000 });
    expect((await s.api('GET', `/api/runs/${runId}`)).body.status).toBe('completed');
    await expectEveryRecordOnce(runId, doc.id);
  });
});

describe('a full disk, seen from the command line', () => {
  it('run prints E_STORE_WRITE with its hint and exits non-zero; resume refuses while the disk is full, then finishes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-full-'));
    const file = path.join(dir, 'flow.json');
    const doc = effectFlow('flow_cli_full');
    writeFileSync(file, JSON.stringify(doc));
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    failAfter = total() + 6;
    const ran = await main(['run', file, '--data-dir', path.join(dir, 'data')]);
    const printed = out.join('\n');
    expect(ran).not.toBe(0);
    expect(printed).toContain('E_STORE_WRITE');
    expect(printed).toMatch(/Hint: Free space/);
    const runId = /Run (run_\w+)/.exec(printed)![1];

    out.length = 0;
    const refused = await main(['resume', runId, '--data-dir', path.join(dir, 'data')]);
    expect(refused).not.toBe(0);
    expect(out.join('\n')).toMatch(/Error E_STORE_WRITE: .*ENOSPC/);
    expect(out.join('\n')).toMatch(/Hint: Free space/);

    failAfter = Infinity;
    journalFaults.before = null;
    out.length = 0;
    const resumed = await main(['resume', runId, '--data-dir', path.join(dir, 'data')]);
    expect(out.join('\n')).toContain(`Run ${runId} completed`);
    expect(resumed).toBe(3); // the call whose commit failed waits for review (in doubt), nothing failed
    for (let i = 0; i < RECORDS; i++) expect(calls.get(`${doc.id}-k${i}`) ?? 0).toBeLessThanOrEqual(1);
  });
});
