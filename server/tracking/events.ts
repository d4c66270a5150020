import { randomBytes } from 'node:crypto';
import type { Json } from '../../nodes/sdk/types.ts';
import type { LogStore, NodeStateStore, RunStore } from '../store/types.ts';
import type { MailTracking } from '../contract/wire/report.ts';
import type { TrackingEvent } from '../contract/wire/tracking.ts';
export type { TrackingEvent };

/**
 * Opens, clicks and unsubscribes, kept against the run and the record through the store's node
 * state (scope `run:<runId>`, so they go when the run is deleted) under one pseudo node, `~tracking`:
 * key `<record index, 9 digits>:<time>:<kind>:<random>`, so one record's events are one prefix, in
 * time order. Each is also a line of the run's log, under its record and send step. Nothing about the
 * reader is kept: no IP address, no user agent (docs/security.md, "Tracking links").
 */
export const TRACKING_NODE = '~tracking';

/** Per record and kind, events past this many are counted in no list (a mail client reloading its pixel in a loop). */
export const EVENTS_PER_RECORD_KIND = 20;

type EventStore = Pick<NodeStateStore, 'listNodeState' | 'putNodeState'> & Pick<LogStore, 'appendLogs'> & Pick<RunStore, 'getRun'>;

const scopeOf = (runId: string) => `run:${runId}`;
const prefixOf = (index: number) => `${String(index).padStart(9, '0')}:`;

/** Records one event; false when the run no longer exists or the record already has its share of this kind. */
export async function recordEvent(store: EventStore, runId: string, index: number, event: TrackingEvent): Promise<boolean> {
  if (!(await store.getRun(runId))) return false;
  const earlier = await store.listNodeState(scopeOf(runId), TRACKING_NODE, prefixOf(index));
  if (earlier.filter((e) => (e.value as unknown as TrackingEvent).kind === event.kind).length >= EVENTS_PER_RECORD_KIND) return false;
  const key = `${prefixOf(index)}${event.at}:${event.kind}:${randomBytes(3).toString('hex')}`;
  await store.putNodeState([{ scope: scopeOf(runId), nodeId: TRACKING_NODE, key, value: event as unknown as Json }]);
  await store.appendLogs([{ runId, recordIndex: index, nodeId: event.nodeId, level: 'info', message: describe(event), data: { tracking: event as unknown as Json }, at: event.at }]);
  return true;
}

function describe(e: TrackingEvent): string {
  if (e.kind === 'open') return 'Mail opened (tracking pixel loaded).';
  if (e.kind === 'click') return `Link ${(e.link ?? 0) + 1} clicked: ${e.url}`;
  return 'Recipient unsubscribed: the address is on the suppression list now.';
}

/** A record's events, oldest first. */
export async function recordEvents(store: Pick<NodeStateStore, 'listNodeState'>, runId: string, index: number): Promise<TrackingEvent[]> {
  const rows = await store.listNodeState(scopeOf(runId), TRACKING_NODE, prefixOf(index));
  return rows.map((r) => r.value as unknown as TrackingEvent);
}

export type TrackingCounts = MailTracking;

/** Totals for the run report. */
export async function runTrackingCounts(store: Pick<NodeStateStore, 'listNodeState'>, runId: string): Promise<TrackingCounts> {
  const rows = await store.listNodeState(scopeOf(runId), TRACKING_NODE);
  const counts: TrackingCounts = { opens: 0, clicks: 0, unsubscribes: 0, openedRecords: 0, clickedRecords: 0, unsubscribedRecords: 0 };
  const seen = { open: new Set<string>(), click: new Set<string>(), unsubscribe: new Set<string>() };
  for (const row of rows) {
    const kind = (row.value as unknown as TrackingEvent).kind;
    const record = row.key.slice(0, 9);
    if (kind === 'open') counts.opens++;
    else if (kind === 'click') counts.clicks++;
    else if (kind === 'unsubscribe') counts.unsubscribes++;
    else continue;
    seen[kind].add(record);
  }
  counts.openedRecords = seen.open.size;
  counts.clickedRecords = seen.click.size;
  counts.unsubscribedRecords = seen.unsubscribe.size;
  return counts;
}
