import type { NodeRegistry } from '../../nodes/registry.ts';
import { NodeError } from '../contract/node-error.ts';
import type { RecordData, RejectInfo, RunInput } from '../../nodes/sdk/types.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import { jsonPath, type FlowProblem } from '../contract/flow/problems.ts';
import { validateFlow } from '../flow/validate.ts';
import type { Store } from '../store/types.ts';
import { planIdempotency } from './idempotency.ts';
import { triggerRecords } from './trigger-records.ts';
import type { PreflightProblem, PreflightResult, PreflightSkip } from '../contract/wire/preflight.ts';
export type { PreflightProblem, PreflightResult, PreflightSkip };

export interface PreflightOptions {
  /** Keep at most this many rejects and skips in the answer (rejectCount and skipCount still count them all). */
  maxRejects?: number;
  signal?: AbortSignal;
  /**
   * The store of past runs: with it, the records a run would skip (duplicate business keys, keys
   * already done or waiting in an earlier run) are counted by the very planning a run uses. Without
   * it, nothing is counted as skipped.
   */
  store?: Store;
  /** As for a run started with "reprocess": keys of earlier runs are run again. */
  reprocess?: boolean;
}

/** Never a run id: the dry check excludes no run of the flow from the planning. */
const NO_RUN = '(dry check)';

const SAMPLE_SIZE = 5;

/**
 * The dry check: validates the flow and asks its trigger for the run's records — reading the
 * uploaded file, applying the column rules — without starting, storing or running anything.
 * The trigger is asked even when other parts of the flow have problems, so one check lists
 * the flow's problems and the file's rejects together.
 */
export async function preflight(doc: FlowDocument | unknown, registry: NodeRegistry, input?: RunInput, options: PreflightOptions = {}): Promise<PreflightResult> {
  const problems: PreflightProblem[] = [];
  const check = validateFlow(doc, registry);
  if (!check.ok) problems.push(...check.problems);

  let records: RecordData[] = [];
  let rejects: RejectInfo[] = [];
  let rows: number[] | undefined;
  const nodes = Array.isArray((doc as FlowDocument | null)?.nodes) ? (doc as FlowDocument).nodes : [];
  const triggers = nodes.flatMap((node, index) => {
    const def = node && typeof node === 'object' ? registry.get(node.type) : undefined;
    return def?.trigger ? [{ node, index, def }] : [];
  });
  const trigger = triggers.length === 1 ? triggers[0] : null;
  const params = trigger ? trigger.def.params.safeParse(trigger.node.params) : null;

  if (trigger && params?.success) {
    const at = jsonPath(['nodes', trigger.index]);
    const name = trigger.node.name || trigger.def.title;
    if (input?.file && !trigger.def.acceptsFile) {
      problems.push({
        path: at,
        code: 'E_INPUT_INVALID',
        message: `A file was given, but the trigger "${name}" does not read files: the run would use the trigger's own records instead.`,
        hint: 'Replace the trigger by a Spreadsheet trigger, or paste the records instead of choosing a file.',
      });
    }
    try {
      ({ records, rejects, rows } = await triggerRecords(trigger.def, params.data, input, options.signal));
      if (records.length === 0) {
        problems.push({
          path: at,
          code: 'E_NO_RECORDS',
          message: rejects.length ? `Every row was rejected (${rejects.length}): the run would have no records.` : 'The run would have no records to process.',
          hint: rejects.length ? 'Fix the rejected rows in the file, or relax the column rules.' : "Give records to the run, or type them in the trigger's form.",
        });
      }
    } catch (err) {
      if (err instanceof NodeError) problems.push({ path: at, code: err.code, message: err.message, hint: err.hint });
      else problems.push({ path: at, code: 'E_NODE_CRASHED', message: `The trigger "${name}" failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`, hint: 'Check the trigger settings; if they look right, report this.' });
    }
  }

  const skips = await plannedSkips(doc, records, rows, options);
  const max = options.maxRejects ?? Number.POSITIVE_INFINITY;
  return {
    ok: problems.length === 0 && rejects.length === 0,
    canStart: problems.length === 0 && records.length > 0,
    problems,
    recordCount: records.length,
    rejects: rejects.length > max ? rejects.slice(0, max) : rejects,
    rejectCount: rejects.length,
    runCount: records.length - skips.length,
    skipCount: skips.length,
    skips: skips.length > max ? skips.slice(0, max) : skips,
    sample: records.slice(0, SAMPLE_SIZE),
  };
}

/** The records a run of `doc` would settle as skipped before running, as the run decides it (planIdempotency). */
async function plannedSkips(doc: unknown, records: RecordData[], rows: number[] | undefined, options: PreflightOptions): Promise<PreflightSkip[]> {
  const flow = doc as Partial<FlowDocument> | null;
  const businessKey = flow?.settings?.businessKey;
  if (!options.store || records.length === 0 || typeof flow?.id !== 'string' || typeof businessKey !== 'string' || !businessKey) return [];
  const plan = await planIdempotency(options.store, flow.id, NO_RUN, records, businessKey, options.reprocess ?? false, rows);
  return (plan.settled ?? []).map((s) => ({ index: s.index, row: rows?.[s.index] ?? null, reason: s.reason }));
}
