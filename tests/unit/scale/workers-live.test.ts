/**
 * One live studio beside workers: a studio started with --no-execute and a worker process on one
 * PostgreSQL database; a socket that follows the run in the studio gets coalesced updates while the
 * worker executes it, their counters only grow, and the last one is final with the exact counts.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { api, kill } from '../crash/studio-process.ts';
import { effectFlow, startEffects } from '../store/contract/effects.ts';
import { startWorker } from './worker-processes.ts';
import { freshDatabaseForProcesses, startStudioForWorkers } from './scale-setup.ts';

const RECORDS = 120;

const setup = freshDatabaseForProcesses('live');

describe('one live studio beside workers', () => {
  it('relays what a worker does to the run\'s Socket.IO room, coalesced, ending with exact counts', async () => {
    const effects = await startEffects(20);
    setup.cleanup(() => effects.close());
    const dir = setup.dir();
    const studio = await startStudioForWorkers(dir);
    const worker = await startWorker('wl', { DATA_DIR: dir, CONVEYOR_WORKER_BATCH: '6', CONVEYOR_WORKER_POLL_MS: '100', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' });
    expect((await api(`${studio.url}/api/flows/import`, 'POST', effectFlow('flow_live', effects.base, { concurrency: 6 }))).status).toBeLessThan(300);
    const socket: Socket = connect(studio.url, { transports: ['websocket'] });
    try {
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_live', input: { records: Array.from({ length: RECORDS }, (_, i) => ({ key: `l${i}` })) } })).body;
      const updates: Array<{ seq: number; final: boolean; status: string; counts: Record<string, number>; records: Array<{ index: number; status: string }> }> = [];
      const last = new Promise<(typeof updates)[number]>((resolve) => {
        socket.on('run:update', (u) => {
          if (u.runId !== run.id) return;
          updates.push(u);
          if (u.final) resolve(u);
        });
      });
      socket.emit('run:join', run.id);
      const end = await Promise.race([last, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no final update: ${JSON.stringify(updates.at(-1))}`)), 90_000))]);
      expect(end.status).toBe('completed');
      expect(end.counts.success).toBe(RECORDS);
      // Live while it ran: several updates, counters never going back, record statuses carried.
      const live = updates.filter((u) => !u.final);
      expect(live.length).toBeGreaterThan(2);
      for (let i = 1; i < updates.length; i++) expect(updates[i].counts.success).toBeGreaterThanOrEqual(updates[i - 1].counts.success);
      expect(updates.flatMap((u) => u.records).some((r) => r.status === 'success')).toBe(true);
    } finally {
      socket.close();
      await kill(worker);
      await kill(studio.child);
    }
  }, 150_000);
});
