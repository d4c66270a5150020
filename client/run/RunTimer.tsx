import { useRef } from 'react';
import { duration } from '../lib/format.ts';
import { isRunActive } from '../lib/run-status.ts';
import { useTick } from '../lib/use-tick.ts';
import type { RunStatus } from '../api/types.ts';

/**
 * How long the run has taken: counted locally from its start, once a second, while it runs (live
 * updates may be seconds apart); the end time once it has one. A run halted without an end time
 * (paused) keeps the time it showed when it stopped moving.
 */
export function RunTimer({ status, startedAt, endedAt }: { status: RunStatus | null; startedAt: string | null; endedAt: string | null }) {
  const active = isRunActive(status) && !endedAt;
  useTick(active);
  const frozen = useRef<number | null>(null);
  let text = '—';
  if (startedAt) {
    const start = Date.parse(startedAt);
    let end: number;
    if (endedAt) end = Date.parse(endedAt);
    else if (active) end = Date.now();
    else end = frozen.current ??= Date.now();
    if (active) frozen.current = null;
    text = duration(Math.max(0, end - start));
  }
  return (
    <span className="text-xs text-slate-400 tabular-nums" data-testid="run-timer">
      {text}
    </span>
  );
}
