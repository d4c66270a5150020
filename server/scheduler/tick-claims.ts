/**
 * Ticks claimed in the PostgreSQL store (table schedule_ticks, migrations 4 and 7): the claim is one
 * INSERT … ON CONFLICT of (flow, tick) that also names the run the tick will start, so of any number
 * of studios firing the same tick exactly one gets the row and starts the run.
 *
 * A studio that dies between its claim and its run no longer loses the tick: the claim names a run
 * that does not exist, and the studio that leads next fires it (`orphans`, read when it starts
 * leading) — taking the claim over with the same run id. Should the first studio still be alive and
 * start its run after all, the runs table's primary key refuses the second start of that id, which
 * the scheduler reads as "fired by another studio" (`isDuplicateRun`): two runs of one tick cannot
 * both be created.
 */
import { newRunId } from '../engine/run-id.ts';
import type { TickClaims } from './scheduler.ts';

export interface TickClaimStore {
  claimTick(flowId: string, scheduledFor: string, studio: string, runId: string): Promise<string | null>;
  settleTick(flowId: string, scheduledFor: string): Promise<void>;
  orphanTicks(studio: string): Promise<Array<{ flowId: string; scheduledFor: string }>>;
}

/**
 * PostgreSQL's unique_violation on the runs table's key: the run of this id exists already. The
 * store's write queue wraps the driver's error (its `cause`).
 */
function isDuplicateRun(err: unknown): boolean {
  for (let e = err as { code?: unknown; constraint?: unknown; table?: unknown; cause?: unknown } | null, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === '23505' && (e.table === 'runs' || e.constraint === 'runs_pkey')) return true;
  }
  return false;
}

export function storeTickClaims(store: TickClaimStore, studio: string): TickClaims {
  return {
    claim: (flowId, scheduledFor) => store.claimTick(flowId, scheduledFor, studio, newRunId()),
    settle: (flowId, scheduledFor) => store.settleTick(flowId, scheduledFor),
    orphans: () => store.orphanTicks(studio),
    isDuplicateRun,
  };
}
