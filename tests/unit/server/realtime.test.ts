import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { startTestServer, scoringFlow } from './support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
let socket: Socket;
beforeAll(async () => {
  s = await startTestServer();
  socket = connect(s.url, { transports: ['websocket'] });
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
});
afterAll(async () => {
  socket?.close();
  await s?.close();
});

describe('Socket.IO run rooms', () => {
  it('coalesces updates to about 20 a second whatever the record rate, and the last one is exact', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_live'))).body;
    const records = Array.from({ length: 3000 }, (_, i) => ({ n: i }));
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records }, settings: { concurrency: 32 } })).body;
    const updates: Array<{ at: number; body: any }> = [];
    const final = new Promise<any>((resolve) => {
      socket.on('run:update', (u) => {
        if (u.runId !== run.id) return;
        updates.push({ at: Date.now(), body: u });
        if (u.final) resolve(u);
      });
    });
    socket.emit('run:join', run.id);
    const last = await final;
    expect(last.status).toBe('completed');
    expect(last.counts).toEqual({ pending: 0, running: 0, success: 2994, failed: 0, needs_review: 6, skipped: 0 });
    expect(last.nodes.check).toEqual({ inProgress: 0, success: 3000, failed: 0, review: 0 });
    // The first update is the snapshot on join; after it, consecutive messages are ≥ ~50 ms apart.
    const live = updates.slice(1);
    expect(live.length).toBeGreaterThan(2);
    const span = live[live.length - 1].at - live[0].at;
    expect(live.length).toBeLessThanOrEqual(Math.ceil(span / 50) + 2);
    const seen = new Map<number, string>();
    for (const u of updates) for (const r of u.body.records) seen.set(r.index, r.status);
    expect([...seen.values()].filter((st) => st === 'success' || st === 'needs_review').length).toBeGreaterThan(2500);
    expect(updates.some((u) => u.body.logs.length > 0)).toBe(true);
    socket.emit('run:leave', run.id);
  });

  it('sends a full snapshot to a socket that joins a finished run, and an error for a bad id', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_snap'))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: [{ n: 9 }, { n: 1 }] } })).body;
    for (let i = 0; i < 200 && (await s.api('GET', `/api/runs/${run.id}`)).body.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 20));
    const snap = new Promise<any>((resolve) => socket.once('run:update', resolve));
    socket.emit('run:join', run.id);
    const u = await snap;
    expect(u).toMatchObject({ runId: run.id, final: true, status: 'completed', counts: { success: 1, needs_review: 1 } });
    const err = new Promise<any>((resolve) => socket.once('run:error', resolve));
    socket.emit('run:join', 'run_missing');
    expect((await err).code).toBe('E_RUN_NOT_FOUND');
  });
});
