/**
 * Live runs across processes: each worker tells what its engine did (records' statuses, run changes,
 * and a tick per step) through PostgreSQL NOTIFY, gathered per run every `intervalMs`; the studio
 * LISTENs and hands them to its own engine's listeners, so Socket.IO rooms coalesce them as today.
 * Counters are not carried: the studio's coalescer reads them from the database when an update
 * leaves (engine.summary), so they stay exact whichever worker did the work. A lost notification
 * (the studio restarting) costs only liveness: the next one, or a page load, reads the counts again.
 */
import pg from 'pg';
import { z } from 'zod';
import type { Engine } from '../engine/engine.ts';
import type { EngineEvent } from '../engine/events.ts';
import { RECORD_STATUSES, RUN_STATUSES } from '../contract/status.ts';

export const EVENTS_CHANNEL = 'conveyor_events';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;

const message = z.object({
  runId: z.string().min(1).max(200),
  records: z.array(z.tuple([z.number().int().min(0), z.enum(RECORD_STATUSES as unknown as [string, ...string[]])])).max(2000),
  status: z.enum(RUN_STATUSES as unknown as [string, ...string[]]).nullable(),
});
type Message = z.infer<typeof message>;

/** A worker's side: gathers its engine's events per run and sends them every `intervalMs`. */
export function publishEvents(pool: pg.Pool, engine: Engine, intervalMs = 100): () => Promise<void> {
  const pending = new Map<string, Message>();
  const off = engine.on((e: EngineEvent) => {
    if (e.type === 'log') return;
    let m = pending.get(e.runId);
    if (!m) pending.set(e.runId, (m = { runId: e.runId, records: [], status: null }));
    if (e.type === 'record') m.records.push([e.index, e.status]);
    else if (e.type === 'run') m.status = e.status;
  });
  const send = async () => {
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
  out.push(JSON.stringify({ runId: m.runId, records, status: m.status }));
  return out.filter((p) => p.length <= MAX_PAYLOAD);
}

/** The studio's side: LISTENs on its own connection and relays what workers did to its engine's listeners. */
export async function relayEvents(url: string, engine: Engine): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
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
    for (const [index, status] of parsed.records) engine.relay({ type: 'record', runId: parsed.runId, index, status: status as never });
    if (parsed.status) engine.relay({ type: 'run', runId: parsed.runId, status: parsed.status as never, reason: null });
    // A tick even with no record change (steps moved on): the room reads the counters again.
    if (parsed.records.length === 0 && !parsed.status) engine.relay({ type: 'step', runId: parsed.runId, nodeId: '', phase: 'end' });
  });
  await client.query(`LISTEN ${EVENTS_CHANNEL}`);
  return async () => {
    await client.end().catch(() => undefined);
  };
}
