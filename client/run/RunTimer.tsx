import { useRef } from 'react';
import { duration } from '../lib/format.ts';
import { isRunActive } from '../lib/run-status.ts';
import { useTick } from '../lib/use-tick.ts';
import type { RunStatus } from '../api/types.ts';

/**
 * How long the run has taken: counted locally from its start, once a second, while it runs (live
 * updates may be seconds apart); the end time once it has one. A run halted without an end time
 * (paused) keeps the time it showed when this page saw it stop moving; opened later, its length is
 * not known ("—"), rather than the time since its start. The time it stood still and was resumed from
 * (`haltedMs`: paused, interrupted) is not counted.
 */
export function RunTimer({ status, startedAt, endedAt, haltedMs = 0 }: { status: RunStatus | null; startedAt: string | null; endedAt: string | null; haltedMs?: number }) {
  const active = isRunActive(status) && !endedAt;
  useTick(active);
  const frozen = useRef<number | null>(null);
  const seenMoving = useRef(false);
  if (active) {
    seenMoving.current = true;
    frozen.current = null;
  } else if (!endedAt && seenMoving.current) frozen.current ??= Date.now();
  const end = endedAt ? Date.parse(endedAt) : active ? Date.now() : frozen.current;
  const text = startedAt && end !== null ? duration(Math.max(0, end - Date.parse(startedAt) - haltedMs)) : '—';
  return (
    <span className="text-xs text-slate-400 tabular-nums" data-testid="run-timer">
      {text}
    </span>
  );
}
