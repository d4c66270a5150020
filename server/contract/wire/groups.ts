/** Progress of a grouped run (groups of search terms) as GET /api/runs/:id/groups answers it. */
import type { RecordStatus } from '../status.ts';
import type { TerminalStatus } from '../data.ts';

/** Results of one term (or group) per status: the ways its record's paths ended. */
export type OutcomeCounts = Record<TerminalStatus, number>;

/** One item of a group (a search term): its record and how its results ended. */
export interface ItemProgress {
  index: number;
  name: string;
  status: RecordStatus;
  /** Paths of the record that ended, per status (a term whose search found 12 results: 12 paths). */
  results: OutcomeCounts;
}

export interface GroupProgress {
  name: string;
  total: number;
  /** Items (terms) that ended, whatever their status. */
  processed: number;
  counts: Record<RecordStatus, number>;
  /** Results of all its items, per status. */
  results: OutcomeCounts;
  items: ItemProgress[];
}

export interface RunGroups {
  groupField: string;
  itemField: string;
  /** The item under way, else the next one to process; null when every item has ended. */
  position: { group: string; item: string; index: number; status: RecordStatus } | null;
  groups: GroupProgress[];
}

export type RunGroupsInfo = RunGroups & { grouped: true };
export type RunGroupsResponse = RunGroupsInfo | { grouped: false };
