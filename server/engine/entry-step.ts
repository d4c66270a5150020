import type { FlowDocument } from '../contract/flow/schema.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { RecordRow, StepRow } from '../store/types.ts';

/**
 * The trigger's step of a record that entered past it (token-graph.ts, `enteredCheckpoint`). That step
 * is neither run nor stored — it only passed the record's own data on — but a person looking at the
 * record sees it as before: step 1, its trigger passing the record's data on when the record started,
 * in no time; the next step (2) says its input is the output of step 1. Records whose trigger step
 * was stored (runs made before, a trigger with nothing after it) show theirs (seq 1 is there), and a
 * record that has not committed a step yet shows none.
 */
export function withEntryStep(steps: StepRow[], record: Pick<RecordRow, 'runId' | 'index' | 'data' | 'startedAt'>, trigger: EntryTrigger | null): StepRow[] {
  if (!trigger || steps.length === 0 || steps.some((s) => s.seq === 1)) return steps;
  // A record with a committed step has its start (its first commit wrote it); the steps come in seq order.
  const at = record.startedAt ?? steps[0].startedAt;
  const entry: StepRow = {
    runId: record.runId,
    recordIndex: record.index,
    seq: 1,
    tokenId: 1,
    nodeId: trigger.id,
    nodeType: trigger.type,
    attempt: 1,
    status: 'success',
    input: null,
    inputFrom: null,
    output: [{ port: trigger.port, data: record.data }],
    error: null,
    evidence: [],
    startedAt: at,
    endedAt: at,
    durationMs: 0,
  };
  return [entry, ...steps];
}

/** A flow's trigger as the entry step names it. */
export interface EntryTrigger {
  id: string;
  type: string;
  /** The port its records leave by. */
  port: string;
}

/** The trigger of a run's flow (the node whose type is a trigger), or null when its type is unknown here. */
export function entryTriggerOf(flow: Pick<FlowDocument, 'nodes'>, registry: NodeRegistry): EntryTrigger | null {
  for (const node of flow.nodes) {
    const def = registry.get(node.type);
    if (def?.trigger) return { id: node.id, type: node.type, port: def.outputs[0]?.id ?? 'out' };
  }
  return null;
}
