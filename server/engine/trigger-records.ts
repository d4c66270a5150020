import type { AnyNodeDefinition, RecordData, RejectInfo, RunInput } from '../../nodes/sdk/types.ts';
import { NodeError } from '../contract/node-error.ts';
import { MAX_RECORD_DEPTH, tooDeepAt } from '../contract/json-depth.ts';

export interface ReadRecords {
  records: RecordData[];
  rejects: RejectInfo[];
  rows?: number[];
}

/**
 * The records a trigger makes of a run's input, as the run and the dry check read them. A record
 * nested deeper than MAX_RECORD_DEPTH (records sent to the API, JSON text, a hook's body) is
 * refused here, naming the record and where: it overflowed the stack when the run was stored, and
 * the request answered 500 E_INTERNAL.
 */
export async function triggerRecords(def: AnyNodeDefinition, params: unknown, input: RunInput | undefined, signal?: AbortSignal): Promise<ReadRecords> {
  const produced = def.records ? await def.records(params, input, signal) : [{}];
  const read = Array.isArray(produced) ? { records: produced, rejects: [] } : produced;
  read.records.forEach((record, index) => {
    const at = tooDeepAt(record, MAX_RECORD_DEPTH);
    if (at === null) return;
    throw new NodeError(
      'E_INPUT_INVALID',
      `Record ${index + 1} nests values more than ${MAX_RECORD_DEPTH} levels deep (at ${at.replace(/^\$/, 'record')}).`,
      `Flatten that value, or send it as text (JSON.stringify) and read it in a step. No record of a run may nest deeper than ${MAX_RECORD_DEPTH} levels.`,
    );
  });
  return read;
}
