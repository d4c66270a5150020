import type { Json, RecordData } from '../../sdk/types.ts';

/** The value at a dotted path of a record (`address.city`), or undefined when any part is missing. */
export function valueAt(data: RecordData, path: string): Json | undefined {
  let current: Json | undefined = data;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}
