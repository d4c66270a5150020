/**
 * How long each record a person acted on (retry, skip, resolve from the review queue) waited for
 * that person. A record's start and end frame its whole life: a record retried a day after it
 * went to review "took" a day, and a handful of those made the report's average and 95th
 * percentile time per record hours long. The report counts the time the flow worked on a record,
 * so it takes these waits out.
 */
import type { RecordEventRow, Store } from '../store/types.ts';
import { ConveyorError } from '../errors.ts';

const PAGE = 1000;

/** Past this many records acted on, the run's whole trail is read a page at a time instead of one read per record. */
const PER_RECORD_READS = 200;

/** The waits for a person of a run's records, or why they could not be read. */
export interface ReviewWaits {
  /** Record index → milliseconds it waited for a person (the records an operator acted on). */
  byRecord: Map<number, number>;
  /** Record index → its events, oldest first, for the records an operator acted on (run-working-time.ts reads them). */
  trails: Map<number, RecordEventRow[]>;
  /**
   * Why the waits are unknown — the run's audit trail cannot be read (E_STORE_DAMAGED: a damaged
   * archive file) —, or null. Times per record then include any wait for a person.
   */
  unreadable: string | null;
}

/**
 * The waits for a person of the records of `runId` (`only`: of those records alone — a page of the
 * records list). A run whose audit trail is damaged is still listed and reported: one damaged
 * byte in its trail's archive file answered E_STORE_DAMAGED for the whole records list and report,
 * though the records themselves were intact.
 */
export async function reviewWaits(store: Store, runId: string, only?: ReadonlySet<number>): Promise<ReviewWaits> {
  try {
    const trails = await trailsOf(store, runId, only);
    const byRecord = new Map<number, number>();
    for (const [index, events] of trails) byRecord.set(index, waitedForPerson(events));
    return { byRecord, trails, unreadable: null };
  } catch (err) {
    if (!(err instanceof ConveyorError) || err.code !== 'E_STORE_DAMAGED') throw err;
    return { byRecord: new Map(), trails: new Map(), unreadable: `Times per record may include waits for a person: the run's audit trail cannot be read (${err.message})` };
  }
}

/** The trails of the records of `runId` an operator acted on (`only`: of those records alone). */
async function trailsOf(store: Store, runId: string, only?: ReadonlySet<number>): Promise<Map<number, RecordEventRow[]>> {
  const touched = new Set<number>();
  for (const e of await allEvents(store, runId, 'operator')) if (!only || only.has(e.recordIndex)) touched.add(e.recordIndex);
  const trails = new Map<number, RecordEventRow[]>();
  if (touched.size > PER_RECORD_READS) {
    for (const e of await allEvents(store, runId)) {
      if (!touched.has(e.recordIndex)) continue;
      const trail = trails.get(e.recordIndex);
      if (trail) trail.push(e);
      else trails.set(e.recordIndex, [e]);
    }
  } else {
    for (const index of touched) trails.set(index, await store.listRecordEvents(runId, index));
  }
  return trails;
}

/** The run's audit trail (of one actor), oldest first. */
async function allEvents(store: Store, runId: string, actor?: 'operator'): Promise<RecordEventRow[]> {
  const out: RecordEventRow[] = [];
  for (let offset = 0; ; ) {
    const page = await store.listRunEvents(runId, { actor, offset, limit: PAGE });
    out.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return out;
  }
}

/**
 * The time between the engine leaving a record to a person (it went to review, or failed) and that
 * person's next action on it (oldest event first). Only waits that ended in an action count: a
 * record still waiting is not finished, so it has no time per record yet.
 */
export function waitedForPerson(events: ReadonlyArray<Pick<RecordEventRow, 'at' | 'actor' | 'to'>>): number {
  let waitingSince: number | null = null;
  let waited = 0;
  for (const e of events) {
    const at = Date.parse(e.at);
    if (!Number.isFinite(at)) continue;
    if (e.actor === 'operator') {
      if (waitingSince !== null) waited += Math.max(0, at - waitingSince);
      waitingSince = null;
    } else if (e.to !== 'running' && e.to !== 'pending') waitingSince = at;
  }
  return waited;
}
