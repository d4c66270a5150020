import type { RunStatus, RecordStatus } from '../api/types.ts';
import type { OutcomeTone } from '../../server/contract/run-outcome.ts';
import type { ToastKind } from '../stores/toast-store.ts';

// What each status allows is the contract's (server/contract/status.ts): one table for studio and server.
import { canPause, canStop, isActive, isResumable } from '../../server/contract/status.ts';
export { canPause, canStop };
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

export const RECORD_STATUSES: RecordStatus[] = ['pending', 'running', 'success', 'failed', 'needs_review', 'skipped'];

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
