import type { TerminalStatus } from '../contract/data.ts';
import type { RecordRow } from '../store/types.ts';

type RecordError = NonNullable<RecordRow['error']>;

/**
 * The error a record carries when an End step ends it failed or for review (SPEC §4: every failure
 * carries a code, a message and a hint). Without it such records had no error at all: the review
 * queue showed nothing beside them, the report's error categories left them out, and a filter by
 * the step that ended them found none. The step's reason, when it gives one, is the message.
 */
export function endedByStep(status: TerminalStatus, reason: string | undefined, node: { id: string; name: string }): RecordError | null {
  if (status !== 'failed' && status !== 'needs_review') return null;
  const said = status === 'failed' ? 'failed' : 'for review';
  return {
    code: 'E_ENDED_BY_STEP',
    message: reason && reason.trim() !== '' ? reason : `The step “${node.name}” ended the record ${said}.`,
    hint:
      status === 'failed'
        ? 'The flow ends records here on purpose: the record\'s steps show what led it there. Correct the record and retry it, or change the flow.'
        : 'The flow asks a person to look at this record: resolve it with a note, skip it, or correct it and retry it from the review queue.',
    transient: false,
    nodeId: node.id,
  };
}
