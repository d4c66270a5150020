import { useState } from 'react';
import { Button } from '../components/Button.tsx';
import { PauseIcon, PlayIcon, StopIcon } from '../components/icons.tsx';
import { canPause, canResume, canStop, isRunActive } from '../lib/run-status.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import { toast } from '../stores/toast-store.ts';

type Action = 'pause' | 'resume' | 'stop';

/**
 * Pause / resume / stop the attached run. The answer (often a passing status: pausing, stopping)
 * is applied only while no live update has moved the run on meanwhile: a "paused" that arrived by
 * the socket before the answer to "pause" must not be turned back into "pausing".
 */
async function runAction(action: Action): Promise<void> {
  const live = useLiveRun.getState();
  const runId = live.runId;
  if (!runId) return;
  const before = live.status;
  try {
    const summary = await runsApi[action](runId);
    const now = useLiveRun.getState();
    if (now.runId === runId && now.status === before) now.applySummary(summary);
  } catch (err) {
    toast.error(`Could not ${action} the run`, errorMessage(err));
  }
}

/**
 * Start / Pause / Resume / Stop, each enabled only when the run's status allows it. A run waiting
 * for its next term (a trigger's loop interval) is still running: Pause and Stop end the wait at once.
 */
export function RunControls({ onStart, startDisabled }: { onStart?: () => void; startDisabled?: boolean }) {
  const status = useLiveRun((s) => s.status);
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (a: 'pause' | 'resume' | 'stop') => {
    setBusy(a);
    try {
      await runAction(a);
    } finally {
      setBusy(null);
    }
  };
  // A run that can go on is resumed first: Resume is the primary action then, and Start (a new
  // run, which leaves this one as it is) only a secondary one.
  const resumable = canResume(status);
  return (
    <div className="flex items-center gap-1.5">
      {onStart && (
        <Button
          size="sm"
          variant={resumable ? 'secondary' : 'primary'}
          icon={<PlayIcon size={13} />}
          onClick={onStart}
          disabled={startDisabled || isRunActive(status)}
          title={resumable ? 'Start a new run; this one stays as it is and can still be resumed' : undefined}
          data-testid="btn-start"
          data-primary={!resumable}
        >
          {resumable ? 'New run' : 'Start'}
        </Button>
      )}
      <Button size="sm" icon={<PauseIcon size={13} />} onClick={() => act('pause')} disabled={!canPause(status) || !!busy} loading={busy === 'pause'} data-testid="btn-pause">
        Pause
      </Button>
      <Button size="sm" variant={resumable ? 'primary' : 'secondary'} icon={<PlayIcon size={13} />} onClick={() => act('resume')} disabled={!resumable || !!busy} loading={busy === 'resume'} data-testid="btn-resume" data-primary={resumable}>
        Resume
      </Button>
      <Button size="sm" icon={<StopIcon size={13} />} className="hover:!text-rose-600" onClick={() => act('stop')} disabled={!canStop(status) || !!busy} loading={busy === 'stop'} data-testid="btn-stop">
        Stop
      </Button>
    </div>
  );
}
