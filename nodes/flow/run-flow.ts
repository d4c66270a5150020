import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { ChildRunOutcome } from '../sdk/services.ts';
import type { RecordData } from '../sdk/types.ts';
import { evaluate } from '../../server/contract/expression/expression.ts';
import { fieldName } from '../sdk/fields.ts';

export const RUN_FLOW_TYPE = 'flow.run';

const params = z.object({
  flowId: z
    .string()
    .trim()
    .max(200)
    .default('')
    .describe('The id of the saved flow to start: the last part of its address in the studio (/flows/<id>), e.g. flow_3f2a9c01de.')
    .meta({ title: 'Flow to run', widget: 'flow' }),
  input: z
    .string()
    .default('')
    .describe('The record the other flow gets, as an expression, e.g. { "email": email, "company": company }. Empty: this record as it is.')
    // Empty is meaningful here (this record as it is), so the flow check must not call it a missing expression.
    .meta({ title: 'Its input', widget: 'expression', allowEmpty: true }),
  wait: z
    .boolean()
    .default(true)
    .describe('On: wait until the other flow has finished; its result becomes this step\'s output and its failure fails this step. Off: start it and go on at once with its run id.')
    .meta({ title: 'Wait for its result' }),
  field: fieldName('childRun')
    .describe('The field that receives the run started: { id, flowId, flowName, status, outcome, url }.')
    .meta({ title: 'Store the run in' }),
});

/**
 * Run flow: starts another saved flow with this record (or an object made from it) as its input, so a
 * conductor flow can drive stages. The engine's `ctx.flows` names the child run after this step
 * execution, so after a restart, Stop or Pause the step finds the same run again (it is `idempotent`,
 * never started twice), and refuses calls that would loop (E_FLOW_RECURSION) or chain too deep.
 */
export const runFlow = defineNode({
  type: RUN_FLOW_TYPE,
  title: 'Run flow',
  category: 'Flow',
  description: 'Starts another flow with this record as its input and waits for its result (or not).',
  icon: 'workflow',
  params,
  effect: 'idempotent',
  async run(ctx) {
    const p = ctx.params;
    if (!p.flowId) throw new NodeError('E_FLOW_NOT_FOUND', 'No flow is chosen to run.', 'Enter the id of the flow to start in the Run flow step.');
    if (!ctx.flows) throw new NodeError('E_FLOW_CALLS_UNAVAILABLE', 'Flows cannot be started from here.', 'Run this flow in the studio or with `conveyor run`, which can start other flows.');
    const record = p.input.trim() ? asRecord(await evaluate(p.input, ctx.input, 'the input')) : ctx.input;
    const child = await ctx.flows.start(p.flowId, [record]);
    const url = `/runs/${child.id}`;
    const about = { id: child.id, flowId: child.flowId, flowName: child.flowName, url };
    if (!p.wait) {
      if (!child.existing) ctx.log.info(`Started flow "${child.flowName}": run ${child.id}.`, { childRun: child.id });
      return out({ ...ctx.input, [p.field]: { ...about, status: 'running', outcome: null } });
    }
    ctx.log.info(child.existing ? `Waiting again for run ${child.id} of flow "${child.flowName}" (started before the interruption).` : `Started flow "${child.flowName}": run ${child.id}; waiting for its result.`, { childRun: child.id });
    const result = await ctx.flows.wait(child.id, ctx.signal);
    failIfNotDone(result, url);
    const first = result.records[0];
    const output = result.recordCount === 1 && first?.output ? first.output : ctx.input;
    return out({
      ...output,
      [p.field]: { ...about, status: result.status, outcome: first?.status ?? null, ...(result.recordCount > 1 ? { outputs: result.records.map((r) => r.output) } : {}) },
    });
  },
});

function asRecord(value: unknown): RecordData {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as RecordData;
  throw new NodeError('E_FLOW_INPUT_INVALID', `The input expression gave ${JSON.stringify(value) ?? 'nothing'}, not an object: a flow's record is an object of fields.`, 'Write the input as an object, e.g. { "email": email }, or leave it empty to pass this record.');
}

/** The child's failure becomes this step's, with the child's own code and a way to the child run. */
function failIfNotDone(result: ChildRunOutcome, url: string): void {
  const where = `Flow "${result.flowName}" (run ${result.id})`;
  if (result.status === 'failed') {
    const r = result.reason;
    throw new NodeError(r?.code ?? 'E_FLOW_CHILD_FAILED', `${where} failed: ${r?.message ?? 'no reason given'}`, `${r?.hint ?? ''} Open the child run: ${url}`.trim());
  }
  const failed = result.records.find((r) => r.status === 'failed');
  if (failed) {
    const e = failed.error;
    throw new NodeError(e?.code ?? 'E_FLOW_CHILD_FAILED', `${where} failed for record #${failed.index + 1}: ${e?.message ?? 'no reason given'}`, `${e?.hint ?? ''} Open the child run: ${url}`.trim());
  }
  const review = result.records.find((r) => r.status === 'needs_review');
  if (review) {
    throw new NodeError(
      'E_FLOW_CHILD_REVIEW',
      `${where} sent record #${review.index + 1} to review${review.error ? ` (${review.error.code}: ${review.error.message})` : ''}.`,
      `Settle it in the review queue (${url}), then retry this record.`,
    );
  }
}
