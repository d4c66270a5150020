import type { RecordData } from '../../nodes/sdk/types.ts';
import type { CreateRunExtras, Store } from '../store/types.ts';
import { readPath } from './step-checks.ts';

/**
 * Business-key idempotency: a key seen earlier in the same input, or that already succeeded in an
 * earlier run of the flow, settles the record as skipped before anything runs.
 */
export async function planIdempotency(
  store: Store,
  flowId: string,
  runId: string,
  records: RecordData[],
  businessKey: string | null | undefined,
  reprocess: boolean,
): Promise<Pick<CreateRunExtras, 'keys' | 'settled'>> {
  if (!businessKey) return {};
  const keys = records.map((r) => keyOf(readPath(r, businessKey)));
  const settled: NonNullable<CreateRunExtras['settled']> = [];
  const firstSeen = new Map<string, number>();
  keys.forEach((key, index) => {
    if (key === null) return;
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, index);
    else settled.push({ index, status: 'skipped', reason: `Duplicate of record #${first + 1} (same ${businessKey} "${key}").` });
  });
  if (!reprocess && firstSeen.size > 0) {
    const done = await store.succeededKeys(flowId, [...firstSeen.keys()], runId);
    for (const [key, where] of done) {
      settled.push({ index: firstSeen.get(key)!, status: 'skipped', reason: `Already done in run ${where.runId} (record #${where.index + 1}, same ${businessKey} "${key}").` });
    }
  }
  settled.sort((a, b) => a.index - b.index);
  return { keys, settled };
}

/** Keys compare as trimmed text; an empty key identifies nothing. */
function keyOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = (typeof value === 'object' ? JSON.stringify(value) : String(value)).trim();
  return text === '' ? null : text;
}
