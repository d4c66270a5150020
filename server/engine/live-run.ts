import type { RecordStatus, RunStatus, StatusCounts } from '../store/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';

export { emptyCounts } from '../contract/status.ts';
import type { NodeCounters } from '../contract/wire/runs.ts';
export type { NodeCounters };

/** In-memory counters of a run in progress: what the canvas and the progress bar show. */
export class LiveRun {
  status: RunStatus;
  reason: StepErrorInfo | null = null;
  readonly counts: StatusCounts;
  readonly nodes: Record<string, NodeCounters> = {};

  constructor(status: RunStatus, counts: StatusCounts, nodeIds: string[], stepCounts: Record<string, { success: number; failed: number }> = {}) {
    this.status = status;
    this.counts = counts;
    for (const id of nodeIds) this.nodes[id] = { inProgress: 0, success: stepCounts[id]?.success ?? 0, failed: stepCounts[id]?.failed ?? 0 };
  }

  moveRecord(from: RecordStatus, to: RecordStatus): void {
    if (from === to) return;
    this.counts[from]--;
    this.counts[to]++;
  }

  stepStarted(nodeId: string): void {
    this.node(nodeId).inProgress++;
  }

  stepEnded(nodeId: string, outcome: 'success' | 'failed' | 'cancelled'): void {
    const n = this.node(nodeId);
    n.inProgress--;
    if (outcome !== 'cancelled') n[outcome]++;
  }

  private node(id: string): NodeCounters {
    return (this.nodes[id] ??= { inProgress: 0, success: 0, failed: 0 });
  }
}
