import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { toast } from '../stores/toast-store.ts';

type Action = 'pause' | 'resume' | 'stop';

const VERB: Record<Action, string> = { pause: 'pause', resume: 'resume', stop: 'stop' };

/** Pause / resume / stop the attached run; the answer updates the live store at once. */
export async function runAction(action: Action): Promise<void> {
  const runId = useLiveRun.getState().runId;
  if (!runId) return;
  try {
    const summary = await runsApi[action](runId);
    useLiveRun.getState().applySummary(summary);
  } catch (err) {
    toast.error(`Could not ${VERB[action]} the run`, errorMessage(err));
  }
}
