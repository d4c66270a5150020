import type { Json, TerminalStatus } from '../../nodes/sdk/types.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { RecordStatus, RecordSummary, RunRow, Store } from '../store/types.ts';
import { compileFlow } from './compiled-flow.ts';
import type { OutcomeCounts, ItemProgress, GroupProgress, RunGroups } from '../contract/wire/groups.ts';
export type { OutcomeCounts, ItemProgress, GroupProgress, RunGroups };

const TERMINAL: TerminalStatus[] = ['success', 'failed', 'needs_review', 'skipped'];

/**
 * Progress of a run whose trigger groups its records (groups of search terms), read from the store:
 * the records' statuses and outcomes are committed with each step, so after a pause, a crash or a
 * restart these counters are exactly those of the committed steps. Null when the trigger does not group.
 */
export async function runGroups(store: Store, registry: NodeRegistry, run: RunRow): Promise<RunGroups | null> {
  const trigger = compileFlow(run.flow, registry).trigger;
  const grouping = trigger.def.grouping?.(trigger.params);
  if (!grouping) return null;
  const rows = await store.recordSummaries(run.id, [grouping.groupField, grouping.itemField]);
  return groupRecords(grouping, rows);
}

export function groupRecords(grouping: { groupField: string; itemField: string }, rows: RecordSummary[]): RunGroups {
  const groups: GroupProgress[] = [];
  const byName = new Map<string, GroupProgress>();
  let running: RunGroups['position'] = null;
  let pending: RunGroups['position'] = null;
  for (const r of rows) {
    const groupName = label(r.fields[0]);
    const itemName = label(r.fields[1]);
    let g = byName.get(groupName);
    if (!g) {
      g = { name: groupName, total: 0, processed: 0, counts: zeroStatuses(), results: zeroOutcomes(), items: [] };
      byName.set(groupName, g);
      groups.push(g);
    }
    const results = zeroOutcomes();
    if (r.outcomes?.length) for (const o of r.outcomes) results[o]++;
    else if (isTerminal(r.status)) results[r.status]++;
    g.items.push({ index: r.index, name: itemName, status: r.status, results });
    g.total++;
    g.counts[r.status]++;
    if (isTerminal(r.status)) g.processed++;
    for (const s of TERMINAL) g.results[s] += results[s];
    const here = { group: groupName, item: itemName, index: r.index, status: r.status };
    if (r.status === 'running' && !running) running = here;
    if (r.status === 'pending' && !pending) pending = here;
  }
  return { ...grouping, position: running ?? pending, groups };
}

function isTerminal(s: RecordStatus): s is TerminalStatus {
  return s !== 'pending' && s !== 'running';
}

function label(v: Json): string {
  if (v === null || v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function zeroOutcomes(): OutcomeCounts {
  return { success: 0, failed: 0, needs_review: 0, skipped: 0 };
}

function zeroStatuses(): Record<RecordStatus, number> {
  return { pending: 0, running: 0, success: 0, failed: 0, needs_review: 0, skipped: 0 };
}
