import { Badge, RecordStatusBadge } from '../components/Badge.tsx';
import { unfinishedRecordWord } from '../../server/contract/run-outcome.ts';
import { OUTCOME_TONE } from '../lib/run-status.ts';
import type { RecordStatus, RunStatus } from '../api/types.ts';

/**
 * A record's status as it stands in its run: a record under way in a paused run says "Paused", one
 * left unfinished by a run that ended says so — never "Running" when its run is not moving.
 */
export function RecordInRunBadge({ status, runStatus, className, ...rest }: { status: RecordStatus; runStatus: RunStatus | null } & React.HTMLAttributes<HTMLSpanElement>) {
  const word = unfinishedRecordWord(runStatus, status);
  if (!word) return <RecordStatusBadge status={status} className={className} {...rest} />;
  return (
    <Badge tone={OUTCOME_TONE[word.tone]} dot data-status={status} data-word={word.word} className={className} {...rest}>
      {word.word}
    </Badge>
  );
}
