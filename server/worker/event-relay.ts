/**
 * Live runs across processes: each worker tells what its engine did (records' statuses, run changes,
 * and a tick per step) through PostgreSQL NOTIFY, gathered per run every `intervalMs`; the studio
 * LISTENs and hands them to its own engine's listeners, so Socket.IO rooms coalesce them as today.
 * Done counters are not carried: the studio's coalescer reads them from the database when an update
 * leaves (engine.summary), so they stay exact whichever worker did the work. What the database does
 * not hold — the steps under way — each worker sends as its whole count per run and node (never +1/-1)
 * when it changes and every second while it works; the studio adds up the live workers' counts and
 * drops a silent worker's after 3 s (server/realtime/worker-progress.ts), so the canvas's "in
 * progress" stays exact while workers come and go. A lost notification (the studio restarting) costs
 * only liveness: the next one, or a page load, reads the counts again.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { Engine } from '../engine/engine.ts';
import type { EngineEvent } from '../engine/events.ts';
import { RECORD_STATUSES, RUN_STATUSES } from '../contract/status.ts';
import { WorkerProgress } from '../realtime/worker-progress.ts';

export const EVENTS_CHANNEL = 'conveyor_events';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;

const message = z.object({
  runId: z.string().min(1).max(200),
  records: z.array(z.tuple([z.number().int().min(0), z.enum(RECORD_STATUSES as unknown as [string, ...string[]])])).max(2000),
  status: z.enum(RUN_STATUSES as unknown as [string, ...string[]]).nullable(),
  /** The sending worker's steps under way in the run, per node (all of them: an empty object is none). */
  worker: z.string().max(100).optional(),
  inProgress: z.record(z.string().max(200), z.number().int().min(0).max(1_000_000)).optional(),
  /** Only the count repeated (nothing happened since): no news for the rooms unless the count changed. */
  keepalive: z.boolean().optional(),
});
type Message = z.infer<typeof message>;

/** A worker repeats its in-progress count this often while nothing changes (the studio drops it after 3 s of silence). */
const PROGRESS_KEEPALIVE_MS = 1000;

/** A worker's side: gathers its engine's events per run and sends them every `intervalMs`. */
export function publishEvents(pool: pg.Pool, engine: Engine, intervalMs = 100): () => Promise<void> {
  const pending = new Map<string, Message>();
  const worker = randomBytes(6).toString('hex');
  /** Runs with steps in this worker: the count last sent, and when. */
  const counted = new Map<string, { sent: string; at: number }>();
  const messageOf = (runId: string) => {
    let m = pending.get(runId);
    if (!m) pending.set(runId, (m = { runId, records: [], status: null }));
    return m;
  };
  const off = engine.on((e: EngineEvent) => {
    if (e.type === 'log') return;
    const m = messageOf(e.runId);
    if (e.type === 'record') m.records.push([e.index, e.status]);
    else if (e.type === 'run') m.status = e.status;
    else if (!counted.has(e.runId)) counted.set(e.runId, { sent: '', at: 0 });
  });
  const progress = async () => {
    const now = Date.now();
    for (const [runId, last] of counted) {
      const nodes: Record<string, number> = {};
      if (engine.isActive(runId)) {
        const summary = await engine.summary(runId).catch(() => null);
        for (const [id, n] of Object.entries(summary?.nodes ?? {})) if (n.inProgress > 0) nodes[id] = n.inProgress;
      }
      const text = JSON.stringify(nodes);
      if (text !== last.sent || now - last.at >= PROGRESS_KEEPALIVE_MS) {
        const keepalive = !pending.has(runId);
        Object.assign(messageOf(runId), { worker, inProgress: nodes, ...(keepalive ? { keepalive } : {}) });
        counted.set(runId, { sent: text, at: now });
      }
      // Nothing under way any more (the batch ended): told once, then forgotten.
      if (text === '{}') counted.delete(runId);
    }
  };
  const send = async () => {
    await progress();
    const batch = [...pending.values()];
    pending.clear();
    for (const m of batch) {
      for (const payload of chunks(m)) await pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]).catch(() => undefined);
    }
  };
  const timer = setInterval(() => void send(), intervalMs);
  return async () => {
    clearInterval(timer);
    off();
    await send();
  };
}

function chunks(m: Message): string[] {
  const out: string[] = [];
  let records: Message['records'] = [];
  for (const r of m.records) {
    records.push(r);
    if (records.length >= 200) {
      out.push(JSON.stringify({ runId: m.runId, records, status: null }));
      records = [];
    }
  }
  out.push(JSON.stringify({ runId: m.runId, records, status: m.status, worker: m.worker, inProgress: m.inProgress, keepalive: m.keepalive }));
  return out.filter((p) => p.length <= MAX_PAYLOAD);
}

/**
 * The studio's side: LISTENs on its own connection and relays what workers did to its engine's
 * listeners; their steps under way go to `progress`, which the Socket.IO rooms add to the canvas.
 */
export async function relayEvents(url: string, engine: Engine, progress: WorkerProgress = new WorkerProgress()): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const tick = (runId: string) => engine.relay({ type: 'step', runId, nodeId: '', phase: 'end' });
  // A worker gone silent: its steps stop counting, and the rooms following its runs hear it.
  const stopSweeps = progress.startSweeps(tick);
  client.on('notification', (n) => {
    if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
    let parsed: Message;
    try {
      const checked = message.safeParse(JSON.parse(n.payload));
      if (!checked.success) return;
      parsed = checked.data;
    } catch {
      return;
    }
    const moved = parsed.worker && parsed.inProgress ? progress.report(parsed.runId, parsed.worker, parsed.inProgress) : false;
    for (const [index, status] of parsed.records) engine.relay({ type: 'record', runId: parsed.runId, index, status: status as never });
    if (parsed.status) engine.relay({ type: 'run', runId: parsed.runId, status: parsed.status as never, reason: null });
    // A tick even with no record change (steps moved on): the room reads the counters again. A
    // worker's count repeated alone (nothing happened) is no news unless the totals moved.
    if (parsed.records.length === 0 && !parsed.status && (moved || !parsed.keepalive)) tick(parsed.runId);
  });
  await client.query(`LISTEN ${EVENTS_CHANNEL}`);
  return async () => {
    stopSweeps();
    await client.end().catch(() => undefined);
  };
}
