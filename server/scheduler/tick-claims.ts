/**
 * Ticks claimed in the PostgreSQL store (table schedule_ticks, migration 4): the claim is one
 * INSERT … ON CONFLICT DO NOTHING of (flow, tick), so of any number of studios firing the same tick
 * exactly one gets the row and starts the run. The claim commits before the run is created, as the
 * scheduler's last tick always did: a studio that dies in between loses that one tick (logged
 * nowhere, seen as a tick without a run), it never runs it twice.
 */
import type { TickClaims } from './scheduler.ts';

export interface TickClaimStore {
  claimTick(flowId: string, scheduledFor: string, studio: string): Promise<boolean>;
}

export function storeTickClaims(store: TickClaimStore, studio: string): TickClaims {
  return { claim: (flowId, scheduledFor) => store.claimTick(flowId, scheduledFor, studio) };
}
