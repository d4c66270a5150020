import { useEffect, useState } from 'react';
import { runsApi } from '../api/endpoints.ts';
import type { RecordData, Step } from '../api/types.ts';
import { preflightFlow } from '../run/sheet-api.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import type { ExpressionSample } from '../forms/expression-sample.ts';

/** Wait for the trigger's settings to stop changing before asking for its records again. */
const SETTLE_MS = 400;

/**
 * The record the expression previews of one node are worked out on:
 *  1. the last run's first record, as it reached this step (the closest to what the step will see);
 *  2. else the trigger's first record, from a dry check of the flow as it is in the editor
 *     (e.g. the records typed in the Manual trigger);
 *  3. else none, with the reason.
 */
export function useSampleRecord(nodeId: string): ExpressionSample {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const byType = useCatalog((s) => s.byType);
  // The trigger's settings as text: the sample is read again when they change, not on every edit.
  const triggerKey = useFlowStore((s) => JSON.stringify(s.nodes.filter((n) => byType[n.data.type]?.trigger).map((n) => n.data.params)));
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

  return sample;
}

async function readSample(flowId: string, nodeId: string): Promise<ExpressionSample> {
  const [last] = await runsApi.list({ flowId, limit: 1 });
  if (last) {
    const detail = await runsApi.record(last.id, 0).catch(() => null);
    const step = detail?.steps.find((s) => s.nodeId === nodeId);
    const input = step && detail ? inputOf(step, detail.steps, detail.record.data) : null;
    if (input) return { status: 'ready', record: input, label: `record #1 of the last run (${last.id}), as it reached this step` };
  }
  const doc = useFlowStore.getState().document();
  const check = await preflightFlow(flowId, undefined, doc);
  if (check.sample.length) return { status: 'ready', record: check.sample[0], label: "the trigger's first record (from a dry check of the flow as it is now)" };
  return {
    status: 'none',
    reason: last
      ? "the last run's first record did not reach this step, and the trigger gives no records without a file. Run the flow once with a file to preview on its data."
      : "the trigger gives no records yet. Type records in the trigger, or run the flow once, to preview on a record.",
  };
}

/** A step's input; the store keeps it only when it differs from the output of the step it came from. */
function inputOf(step: Step, steps: Step[], recordData: RecordData): RecordData | null {
  if (isRecord(step.input)) return step.input;
  const from = (step as Step & { inputFrom?: number | null }).inputFrom;
  const prev = from == null ? undefined : steps.find((s) => s.seq === from);
  if (!prev) return recordData;
  const emissions = Array.isArray(prev.output) ? (prev.output as Array<{ port: string; data: unknown }>) : [];
  return emissions.length && isRecord(emissions[0].data) ? emissions[0].data : null;
}

function isRecord(value: unknown): value is RecordData {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
