import { rejectedSentence, runOutcome } from '../../server/contract/run-outcome.ts';
import { OUTCOME_TOAST } from '../lib/run-status.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { useToasts } from '../stores/toast-store.ts';

/**
 * The toast at the end of the attached run, told as its outcome: green only when every record
 * succeeded; "Run completed with 20 failed" in red, "… with 3 to review" in amber; a Safe Stop in
 * red with its reason.
 */
export function announceRunEnd(): void {
  const { status, counts, recordCount, reason, rejectedRows } = useLiveRun.getState();
  if (!status) return;
  const o = runOutcome(status, counts, recordCount);
  const detail = [o.detail, rejectedSentence(rejectedRows)].filter(Boolean).join(' ');
  // A run that failed or safe-stopped says why first (the error rate it passed, with what to do).
  const message = (o.kind === 'crashed' || status === 'safe_stopped') && reason ? `${reason.message} ${detail}` : detail;
  useToasts.getState().push({ kind: OUTCOME_TOAST[o.tone], title: o.headline, message });
}
