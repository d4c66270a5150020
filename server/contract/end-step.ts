import type { TerminalStatus } from './data.ts';

/**
 * The End with status step (nodes/core/end.ts) ends each record it receives with the status its
 * params name. Its steps succeed whatever that status is, so where steps are counted (the canvas's
 * counters, the report's steps) an End that gives another status than success says so instead of
 * showing its records as succeeded. Pure: the client imports it too.
 */
export const END_NODE_TYPE = 'core.end';

/** A status other than success an End step gives its records. */
export type EndedAs = Exclude<TerminalStatus, 'success'>;

/** The status other than success that `node` (an End step) gives its records; null for success or another node. */
export function endedAs(node: { type: string; params?: Record<string, unknown> | null }): EndedAs | null {
  if (node.type !== END_NODE_TYPE) return null;
  const s = node.params?.status;
  return s === 'failed' || s === 'needs_review' || s === 'skipped' ? s : null;
}
