import type { StepErrorInfo } from '../contract/node-error.ts';
import type { ErrorRule, StepPolicy } from '../contract/flow/schema.ts';
import { LinearRegExp } from '../contract/expression/linear-regex.ts';

export type ErrorAction = ErrorRule['action'];

/**
 * Applies the step's error map: the first rule whose pattern matches the error code or message
 * may rename the code, decides whether the failure is transient, and what happens next.
 */
export function mapError(policy: StepPolicy, error: StepErrorInfo): { error: StepErrorInfo; action: ErrorAction | null } {
  for (const rule of policy.errorMap ?? []) {
    if (!matches(rule.match, error)) continue;
    return {
      error: { ...error, code: rule.code ?? error.code, transient: rule.class === 'transient' || rule.action === 'retry' },
      action: rule.action,
    };
  }
  return { error, action: null };
}

function matches(pattern: string, error: StepErrorInfo): boolean {
  let re: LinearRegExp;
  try {
    new RegExp(pattern, 'i');
    // Linear-time matching (RE2 semantics): a rule's pattern cannot freeze the studio on a long message.
    re = new LinearRegExp(pattern, 'i');
  } catch {
    // Not a valid regular expression: treat it as plain text.
    const needle = pattern.toLowerCase();
    return error.code.toLowerCase().includes(needle) || error.message.toLowerCase().includes(needle);
  }
  return re.test(error.code) || re.test(error.message);
}
