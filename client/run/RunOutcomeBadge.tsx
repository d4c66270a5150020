import { Badge } from '../components/Badge.tsx';
import { runOutcome } from '../../server/contract/run-outcome.ts';
import { isRunActive, OUTCOME_TONE } from '../lib/run-status.ts';
import type { RunStatus, StatusCounts } from '../api/types.ts';

/**
 * A run's status as its outcome: "Completed" (green) only when nothing failed or waits for review;
 * otherwise "20 failed" (red) or "3 to review" (amber). `data-status` keeps the raw run status.
 */
export function RunOutcomeBadge({ status, counts, recordCount, ...rest }: { status: RunStatus; counts: StatusCounts; recordCount: number } & React.HTMLAttributes<HTMLSpanElement>) {
  const o = runOutcome(status, counts, recordCount);
  return (
    <Badge tone={OUTCOME_TONE[o.tone]} dot pulse={isRunActive(status)} data-status={status} data-outcome={o.kind} data-tone={o.tone} title={`${o.headline}. ${o.detail}`} {...rest}>
      {o.label}
    </Badge>
  );
}
