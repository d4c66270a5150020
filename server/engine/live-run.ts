import type { RecordStatus, RunStatus, StatusCounts } from '../store/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';

export { emptyCounts } from '../contract/status.ts';
import type { NodeCounters, CountedAs, StepCounts } from '../contract/wire/runs.ts';
export type { NodeCounters };

/** In-memory counters of a run in progress: what the canvas and the progress bar show. */
export class LiveRun {
  status: RunStatus;
  reason: StepErrorInfo | null = null;
  readonly counts: StatusCounts;
  readonly nodes: Record<string, NodeCounters> = {};

  constructor(status: RunStatus, counts: StatusCounts, nodeIds: string[], stepCounts: Record<string, StepCounts> = {}) {
    this.status = status;
    this.counts = counts;
    for (const id of nodeIds) this.nodes[id] = nodeCounters(stepCounts[id]);
  }

  moveRecord(from: RecordStatus, to: RecordStatus): void {
    if (from === to) return;
    this.counts[from]--;
    this.counts[to]++;
  }

  stepStarted(nodeId: string): void {
    this.node(nodeId).inProgress++;
  }

  stepEnded(nodeId: string, outcome: CountedAs | 'cancelled'): void {
    const n = this.node(nodeId);
    n.inProgress--;
    if (outcome !== 'cancelled') n[outcome]++;
  }

  private node(id: string): NodeCounters {
    return (this.nodes[id] ??= nodeCounters(undefined));
  }
}

/** A node's counters at rest: its stored step counts (none yet: zeros), nothing in progress. */
export function nodeCounters(steps: StepCounts | undefined): NodeCounters {
  return { inProgress: 0, success: steps?.success ?? 0, failed: steps?.failed ?? 0, review: steps?.review ?? 0 };
}
