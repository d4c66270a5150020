import { EVENT_ID_FIELD } from '../../nodes/webhook/record.ts';
import { WEBHOOK_TRIGGER } from '../../nodes/webhook/trigger.ts';
import { isResumable, RUN_STATUSES } from '../contract/status.ts';
import type { Engine } from '../engine/engine.ts';
import type { Store } from '../store/types.ts';

/** Run statuses at rest that Resume continues: a hook run there may hold an event not yet begun. */
const RESUMABLE = RUN_STATUSES.filter(isResumable);

/**
 * How long an index is trusted without an event from this process's engine: another studio (workers
 * on PostgreSQL) may stop or resume a hook run, and its engine's events do not reach this one.
 */
export const WAITING_INDEX_TTL_MS = 5_000;

/**
 * Events acknowledged by a hook whose run came to rest (a crash, a shutdown, Pause, Stop) before
 * their record began: `flowId \0 eventId` → that run. A resend of such an event is answered
 * "duplicate, resume that run" instead of starting a second run.
 *
 * Built from one scan of the resting runs and kept until a run comes to rest or one of the indexed
 * runs moves (this engine's run events), or WAITING_INDEX_TTL_MS passes. Before this index the
 * receiver scanned every resting run of every flow, and read their first record, on each request
 * with an event id: a burst of deliveries repeated the same scan per request.
 */
export class WaitingEvents {
  private index: Promise<Map<string, string>> | null = null;
  private builtAt = 0;
  /** Runs in the current index: one of them moving (resumed, settled) makes it stale. */
  private indexedRuns = new Set<string>();

  constructor(
    private readonly store: Pick<Store, 'listRunsWithStatus' | 'getRecord'>,
    engine: Pick<Engine, 'on'>,
    private readonly now: () => number = Date.now,
  ) {
    engine.on((e) => {
      if (e.type === 'run' && (isResumable(e.status) || this.indexedRuns.has(e.runId))) this.index = null;
    });
  }

  /** The resting run holding `eventId` of `flowId` not yet begun, or null. */
  async runOf(flowId: string, eventId: string): Promise<string | null> {
    if (!this.index || this.now() - this.builtAt > WAITING_INDEX_TTL_MS) {
      this.builtAt = this.now();
      const building = this.build();
      this.index = building;
      // A failed read is not kept: the next request reads again.
      building.catch(() => {
        if (this.index === building) this.index = null;
      });
    }
    return (await this.index).get(key(flowId, eventId)) ?? null;
  }

  private async build(): Promise<Map<string, string>> {
    const index = new Map<string, string>();
    const runs = new Set<string>();
    for (const run of await this.store.listRunsWithStatus([...RESUMABLE])) {
      if (run.recordCount !== 1 || !run.flow.nodes.some((n) => n.type === WEBHOOK_TRIGGER)) continue;
      const record = await this.store.getRecord(run.id, 0);
      const eventId = record?.data[EVENT_ID_FIELD];
      if (record?.status !== 'pending' || typeof eventId !== 'string') continue;
      runs.add(run.id);
      // Newest run first (the store's order): the first run found for an event is kept.
      if (!index.has(key(run.flowId, eventId))) index.set(key(run.flowId, eventId), run.id);
    }
    this.indexedRuns = runs;
    return index;
  }
}

function key(flowId: string, eventId: string): string {
  return `${flowId}\u0000${eventId}`;
}
