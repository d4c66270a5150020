/**
 * The loop interval of a worker-run, read once from its flow and written on its row (`pace_ms`,
 * PostgreSQL store migration 5), so the claim can hand out start slots per run (claims.ts). The
 * studio that plans the run does not execute it; the first worker that sees it reads the trigger's
 * pacing, as its engine would. A run's records are claimed only once this is written.
 */
import type pg from 'pg';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { compileFlow } from '../engine/compiled-flow.ts';

const UNREAD_SQL = `SELECT id, flow FROM runs WHERE status = 'running' AND pace_ms IS NULL AND (settings::jsonb ->> 'executor') = 'workers'`;

/** The trigger's interval in ms (0: not paced, or a flow the engine will refuse itself when it walks it). */
export function paceOf(flowJson: string, registry: NodeRegistry): number {
  try {
    const trigger = compileFlow(JSON.parse(flowJson), registry).trigger;
    const ms = trigger.def.pacing?.(trigger.params)?.intervalMs ?? 0;
    return ms > 0 ? Math.round(ms) : 0;
  } catch {
    return 0;
  }
}

/** Writes the interval of every running worker-run that has none yet; returns how many it wrote. */
export async function notePacing(pool: pg.Pool, registry: NodeRegistry): Promise<number> {
  const rows = (await pool.query<{ id: string; flow: string }>(UNREAD_SQL)).rows;
  for (const row of rows) await pool.query('UPDATE runs SET pace_ms = $2 WHERE id = $1 AND pace_ms IS NULL', [row.id, paceOf(row.flow, registry)]);
  return rows.length;
}

/**
 * Milliseconds until a paced run's next slot comes within `horizonMs`; null when none is still to
 * come (a slot already within reach that no claim took has no free record behind it).
 */
export async function nextSlotIn(pool: pg.Pool, horizonMs: number): Promise<number | null> {
  const r = await pool.query<{ ms: string | null }>(
    `SELECT extract(epoch FROM min(next_start_at) - clock_timestamp()) * 1000 AS ms FROM runs
     WHERE status = 'running' AND pace_ms > 0 AND (settings::jsonb ->> 'executor') = 'workers'`,
  );
  const ms = r.rows[0]?.ms;
  if (ms === null || ms === undefined) return null;
  const wait = Number(ms) - horizonMs;
  return wait > 0 ? wait : null;
}
