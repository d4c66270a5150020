import { runOutcome } from '../../server/contract/run-outcome.ts';
import { OUTCOME_TOAST } from '../lib/run-status.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { useToasts } from '../stores/toast-store.ts';

/**
 * The toast at the end of the attached run, told as its outcome: green only when every record
 * succeeded; "Run completed with 20 failed" in red, "… with 3 to review" in amber.
 */
export function announceRunEnd(): void {
  const { status, counts, recordCount, reason } = useLiveRun.getState();
  if (!status) return;
  const o = runOutcome(status, counts, recordCount);
  const message = o.kind === 'crashed' && reason ? `${reason.message} ${o.detail}` : o.detail;
  useToasts.getState().push({ kind: OUTCOME_TOAST[o.tone], title: o.headline, message });
}
