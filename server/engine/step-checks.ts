import type { RecordData } from '../../nodes/sdk/types.ts';
import { NodeError, toStepError, type StepErrorInfo } from '../contract/node-error.ts';
import { evaluate, toBoolean } from '../contract/expression/expression.ts';
import type { StepPolicy } from '../contract/flow/schema.ts';

/** Required inputs and pre-check: a record that fails them never runs the step. */
export async function checkBefore(policy: StepPolicy, nodeName: string, data: RecordData): Promise<StepErrorInfo | null> {
  const missing = (policy.requiredInputs ?? []).filter((path) => isEmpty(readPath(data, path)));
  if (missing.length) {
    return {
      code: 'E_REQUIRED_INPUT_MISSING',
      message: `Step "${nodeName}" needs ${missing.map((m) => `"${m}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing or empty in this record.`,
      hint: 'Fill in the field in the input data (or fix the step that should set it), then retry the record.',
      transient: false,
    };
  }
  if (policy.preCheck?.trim()) {
    const verdict = await holds(policy.preCheck, data, { input: data }, `the pre-check of "${nodeName}"`);
    if (verdict !== true) return verdict === false ? checkFailed('E_PRECHECK_FAILED', nodeName, 'pre-check', policy.preCheck) : verdict;
  }
  return null;
}

/** Post-check (success criteria): the step only counts as done when it holds for the result. */
export async function checkAfter(policy: StepPolicy, nodeName: string, input: RecordData, output: RecordData, extra: Record<string, unknown> = {}): Promise<StepErrorInfo | null> {
  if (!policy.postCheck?.trim()) return null;
  const verdict = await holds(policy.postCheck, output, { input, output, ...extra }, `the post-check of "${nodeName}"`);
  if (verdict === true) return null;
  return verdict === false ? checkFailed('E_POSTCHECK_FAILED', nodeName, 'post-check', policy.postCheck) : verdict;
}

async function holds(source: string, data: RecordData, bindings: Record<string, unknown>, where: string): Promise<boolean | StepErrorInfo> {
  try {
    return toBoolean(await evaluate(source, data, where, bindings));
  } catch (err) {
    return toStepError(err instanceof NodeError ? err : new NodeError('E_EXPRESSION_FAILED', String(err), 'Check the expression.'));
  }
}

function checkFailed(code: string, nodeName: string, which: string, source: string): StepErrorInfo {
  return {
    code,
    message: `The ${which} of step "${nodeName}" does not hold for this record (${source}).`,
    hint: which === 'pre-check' ? 'Correct the record so that the condition holds, or relax the pre-check.' : 'The step did not reach its expected result: check the evidence, then retry or resolve the record.',
    transient: false,
  };
}

export function readPath(data: RecordData, path: string): unknown {
  let value: unknown = data;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}
