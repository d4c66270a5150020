import { useState } from 'react';
import { Button } from '../components/Button.tsx';
import { PauseIcon, PlayIcon, StopIcon } from '../components/icons.tsx';
import { canPause, canResume, canStop } from '../lib/run-status.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { runAction } from './run-actions.ts';

/** Start / Pause / Resume / Stop, each enabled only when the run's status allows it. */
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
  return (
    <div className="flex items-center gap-1.5">
      {onStart && (
        <Button size="sm" variant="primary" icon={<PlayIcon size={13} />} onClick={onStart} disabled={startDisabled || status === 'running' || status === 'pausing' || status === 'stopping'} data-testid="btn-start">
          Start
        </Button>
      )}
      <Button size="sm" icon={<PauseIcon size={13} />} onClick={() => act('pause')} disabled={!canPause(status) || !!busy} loading={busy === 'pause'} data-testid="btn-pause">
        Pause
      </Button>
      <Button size="sm" icon={<PlayIcon size={13} />} onClick={() => act('resume')} disabled={!canResume(status) || !!busy} loading={busy === 'resume'} data-testid="btn-resume">
        Resume
      </Button>
      <Button size="sm" icon={<StopIcon size={13} />} className="hover:!text-rose-600" onClick={() => act('stop')} disabled={!canStop(status) || !!busy} loading={busy === 'stop'} data-testid="btn-stop">
        Stop
      </Button>
    </div>
  );
}
