import { jsonPath } from './flow/problems.ts';

/**
 * The JSON path of the first value nested deeper than `max` levels in `root` (objects and lists),
 * or null. Iterative, so no input can overflow the stack: a value nested thousands of levels deep
 * overflowed it further on (JSON.stringify in the store, the answer's own JSON) and answered 500.
 */
export function tooDeepAt(root: unknown, max: number): string | null {
  const stack: Array<{ value: unknown; depth: number; path: Array<string | number> }> = [{ value: root, depth: 0, path: [] }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    if (depth >= max) return jsonPath(path);
    for (const [k, v] of Object.entries(value)) {
      if (v && typeof v === 'object') stack.push({ value: v, depth: depth + 1, path: [...path, Array.isArray(value) ? Number(k) : k] });
    }
  }
  return null;
}

/** How deep a record's fields may nest: far beyond any real data, far below what overflows the stack. */
export const MAX_RECORD_DEPTH = 100;
