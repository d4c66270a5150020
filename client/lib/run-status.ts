import type { RunStatus, RecordStatus } from '../api/types.ts';
import type { OutcomeTone } from '../../server/contract/run-outcome.ts';
import type { ToastKind } from '../stores/toast-store.ts';

// What each status allows is the contract's (server/contract/status.ts): one table for studio and server.
import { canPause, canStop, isActive, isResumable, RECORD_ACTIONS, REVIEW_ACTIONS, REVIEW_STATUSES, type ReviewAction } from '../../server/contract/status.ts';
export { canPause, canStop, RECORD_STATUSES, REVIEW_STATUSES, RUN_STATUSES } from '../../server/contract/status.ts';
export const isRunActive = isActive;
export const canResume = isResumable;

export type Tone = 'neutral' | 'blue' | 'green' | 'red' | 'amber' | 'violet' | 'slate';

export const RUN_STATUS_TONE: Record<RunStatus, Tone> = {
  running: 'blue',
  safe_stopped: 'red',
  pausing: 'amber',
  paused: 'amber',
  stopping: 'red',
  stopped: 'slate',
  completed: 'green',
  failed: 'red',
  interrupted: 'violet',
};

export const RECORD_STATUS_TONE: Record<RecordStatus, Tone> = {
  pending: 'slate',
  running: 'blue',
  success: 'green',
  failed: 'red',
  needs_review: 'amber',
  skipped: 'neutral',
};

/** The review actions a record in `status` offers, in the studio's order: none once it left the queue. */
export function reviewActionsFor(status: RecordStatus): ReviewAction[] {
  return REVIEW_ACTIONS.filter((a) => (RECORD_ACTIONS[a].from as readonly RecordStatus[]).includes(status));
}

/** A status the review queue can be filtered by (from the address, say), or '' for both. */
export function reviewStatusOf(value: string | null): (typeof REVIEW_STATUSES)[number] | '' {
  return REVIEW_STATUSES.find((s) => s === value) ?? '';
}

/** Labels that the generic rule ("needs_review" → "Needs review") would get wrong. */
const LABELS: Record<string, string> = { safe_stopped: 'Safe-stopped' };

export function statusLabel(s: string): string {
  if (LABELS[s]) return LABELS[s];
  return s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Badge tone of an outcome tone (server/contract/run-outcome.ts): one colour per outcome everywhere. */
export const OUTCOME_TONE: Record<OutcomeTone, Tone> = {
  success: 'green',
  warning: 'amber',
  danger: 'red',
  info: 'blue',
  neutral: 'slate',
};

/** Toast kind of an outcome tone. */
export const OUTCOME_TOAST: Record<OutcomeTone, ToastKind> = {
  success: 'success',
  warning: 'warning',
  danger: 'error',
  info: 'info',
  neutral: 'info',
};
