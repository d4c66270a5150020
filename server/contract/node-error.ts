import type { StepErrorInfo } from './data.ts';

/**
 * A failure a node reports on purpose: a stable code, a message a person can read,
 * and a hint saying what to do about it. Anything else a node throws becomes E_NODE_CRASHED.
 */
export class NodeError extends Error {
  readonly code: string;
  readonly hint: string;
  /** Transient failures (timeouts, 5xx) may succeed when retried; business ones will not. */
  readonly transient: boolean;

  constructor(code: string, message: string, hint: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'NodeError';
    this.code = code;
    this.hint = hint;
    this.transient = options.transient ?? false;
  }
}

// The stored and sent shape of a step's failure is part of the contract.
export type { StepErrorInfo };

export function toStepError(err: unknown): StepErrorInfo {
  if (err instanceof NodeError) {
    return { code: err.code, message: err.message, hint: err.hint, transient: err.transient };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'E_ABORTED', message: 'The step was cancelled because the run was stopped.', hint: 'Resume or restart the run to process this record.', transient: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'E_NODE_CRASHED',
    message: `The step failed unexpectedly: ${message}`,
    hint: 'Check the node settings; if they look right, report this to whoever maintains the node type.',
    transient: false,
  };
}
