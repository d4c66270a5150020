import { useEffect, useMemo, useState } from 'react';
import { runsApi } from '../api/endpoints.ts';
import type { RecordData } from '../api/types.ts';
import { preflightFlow } from '../run/sheet-api.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import type { ExpressionSample } from '../forms/expression-sample.ts';
import { usePinnedSample } from '../data/pinned-sample.ts';
import { fieldPaths, isRecordData, outputByPort, stepInput } from '../data/step-data.ts';

/** Wait for the trigger's settings to stop changing before asking for its records again. */
const SETTLE_MS = 400;

/**
 * The record the expression previews of one node are worked out on:
 *  0. the sample pinned for this flow (Data tab → "Pin as sample"), when there is one;
 *  1. the last run's first record, as it reached this step (the closest to what the step will see);
 *  2. else the trigger's first record, from a dry check of the flow as it is in the editor
 *     (e.g. the records typed in the Manual trigger);
 *  3. else none, with the reason.
 * With it, the field names completion offers: the sample's fields, what the steps before this one
 * produced in the last run, and the fields that Set fields steps upstream add.
 */
export function useSampleRecord(nodeId: string): ExpressionSample {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const byType = useCatalog((s) => s.byType);
  const pinned = usePinnedSample(flowId);
  // The trigger's settings as text: the sample is read again when they change, not on every edit.
  const triggerKey = useFlowStore((s) => JSON.stringify(s.nodes.filter((n) => byType[n.data.type]?.trigger).map((n) => n.data.params)));
  const upstreamKey = useFlowStore((s) => upstreamFieldNames(nodeId, s.nodes, s.edges).join('\u0000'));
  const [sample, setSample] = useState<ExpressionSample>({ status: 'loading' });

  useEffect(() => {
    if (!flowId) return;
    let current = true;
    const timer = setTimeout(() => {
      readSample(flowId, nodeId).then(
        (s) => current && setSample(s),
        (err: unknown) => current && setSample({ status: 'none', reason: `the sample record could not be read (${err instanceof Error ? err.message : String(err)}).` }),
      );
    }, SETTLE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [flowId, nodeId, triggerKey]);

  return useMemo(() => {
    const chosen: ExpressionSample = pinned ? { status: 'ready', record: pinned.record, label: `the pinned sample (${pinned.label})` } : sample;
    const fields = unique([...(chosen.status === 'ready' ? fieldPaths(chosen.record) : []), ...(sample.fields ?? []), ...(upstreamKey ? upstreamKey.split('\u0000') : [])]);
    return { ...chosen, fields };
  }, [pinned, sample, upstreamKey]);
}

async function readSample(flowId: string, nodeId: string): Promise<ExpressionSample> {
  const [last] = await runsApi.list({ flowId, limit: 1 });
  let fields: string[] = [];
  if (last) {
    const detail = await runsApi.record(last.id, 0).catch(() => null);
    if (detail) {
      // What every step of the record produced before this node's step: fields an expression here may see.
      const at = detail.steps.find((s) => s.nodeId === nodeId);
      const before = detail.steps.filter((s) => s.nodeId !== nodeId && (!at || s.seq < at.seq));
      fields = unique([...fieldPaths(detail.record.data), ...before.flatMap((s) => outputByPort(s).flatMap((p) => fieldPaths(p.items[0])))]);
      const input = at ? stepInput(at, detail.steps, detail.record.data).value : null;
      if (isRecordData(input)) return { status: 'ready', record: input as RecordData, label: `record #1 of the last run (${last.id}), as it reached this step`, fields };
    }
  }
  const doc = useFlowStore.getState().document();
  const check = await preflightFlow(flowId, undefined, doc);
  if (check.sample.length) return { status: 'ready', record: check.sample[0], label: "the trigger's first record (from a dry check of the flow as it is now)", fields };
  return {
    status: 'none',
    fields,
    reason: last
      ? "the last run's first record did not reach this step, and the trigger gives no records without a file. Run the flow once with a file to preview on its data."
      : "the trigger gives no records yet. Type records in the trigger, or run the flow once, to preview on a record.",
  };
}

/** Field names that Set fields steps upstream of a node add (followed back along the edges). */
function upstreamFieldNames(nodeId: string, nodes: Array<{ id: string; data: { type: string; params: Record<string, unknown> } }>, edges: Array<{ source: string; target: string }>): string[] {
  const seen = new Set<string>([nodeId]);
  const queue = [nodeId];
  const names: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of edges) {
      if (e.target !== id || seen.has(e.source)) continue;
      seen.add(e.source);
      queue.push(e.source);
      const node = nodes.find((n) => n.id === e.source);
      const list = node?.data.type === 'core.set-fields' ? node.data.params.fields : undefined;
      if (Array.isArray(list)) for (const f of list) if (f && typeof f === 'object' && typeof (f as { name?: unknown }).name === 'string' && (f as { name: string }).name) names.push((f as { name: string }).name);
    }
  }
  return names;
}

function unique(list: string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}
