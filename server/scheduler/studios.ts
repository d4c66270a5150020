/**
 * Several studios on one PostgreSQL database (docs/architecture.md, "Scaling out"):
 * - a schedule switched, a flow saved or a tick fired on one studio is announced on the channel
 *   `conveyor_schedules`; the others read that flow's schedule again (the store is the truth);
 * - one studio at a time leads (leadership.ts): it arms the schedules' timers and runs the monitor
 *   (alerts, daily summaries), so each is sent once; the others take over when it dies.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { listen, type PgListener } from '../store/pg/listen.ts';
import { Leadership } from './leadership.ts';
import type { Scheduler } from './scheduler.ts';

export const SCHEDULES_CHANNEL = 'conveyor_schedules';

const message = z.object({ flowId: z.string().min(1).max(200), from: z.string().max(200) });

/** This process among the studios: host, pid and a random part (a restarted pid is another studio). */
export function studioId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface StudioParts {
  url: string;
  id: string;
  scheduler: Scheduler;
  listFlowIds: () => Promise<string[]>;
  /** Start and stop what only the leader does besides the schedules (the monitor's timer). */
  lead: { start(): void; stop(): void };
  log?: (line: string) => void;
}

export interface Studios {
  leadership: Leadership;
  /** Tells the other studios that a flow's schedule changed. */
  announce(flowId: string): void;
  close(): Promise<void>;
}

/** The announcing half, wired into the scheduler before it exists (the scheduler needs `announce`). */
export function scheduleAnnouncer(notify: (channel: string, payload: string) => Promise<void>, id: string): (flowId: string) => void {
  return (flowId) => void notify(SCHEDULES_CHANNEL, JSON.stringify({ flowId, from: id })).catch(() => undefined);
}

export async function joinStudios(parts: StudioParts): Promise<Omit<Studios, 'announce'>> {
  const { scheduler } = parts;
  const reloadAll = async () => {
    for (const id of await parts.listFlowIds().catch(() => [])) await scheduler.refresh(id, false).catch(() => undefined);
  };
  const listener: PgListener = await listen(
    parts.url,
    {
      [SCHEDULES_CHANNEL]: (payload) => {
        let m: z.infer<typeof message>;
        try {
          const checked = message.safeParse(JSON.parse(payload));
          if (!checked.success) return;
          m = checked.data;
        } catch {
          return;
        }
        if (m.from !== parts.id) void scheduler.refresh(m.flowId, false).catch(() => undefined);
      },
    },
    // Changes told while the connection was down were missed: every schedule is read again.
    { onReconnect: () => void reloadAll() },
  );
  const leadership = new Leadership({
    url: parts.url,
    log: parts.log,
    onLead: async () => {
      await scheduler.start();
      parts.lead.start();
    },
    onLose: async () => {
      parts.lead.stop();
      await scheduler.standDown();
    },
  });
  await leadership.start();
  return {
    leadership,
    async close() {
      await leadership.close();
      await listener.close();
    },
  };
}
