import type { LogLine, Page } from '../api/types.ts';

/** The most log lines a page holds from REST: beyond, the oldest are left out (and counted). */
export const MAX_BACKFILL_LOGS = 100_000;
const PAGE = 1000;

/**
 * The run's stored log for the live view: its newest `max` lines, oldest first, and how many
 * older lines were left out. Reading from the start and stopping at the limit dropped the newest
 * lines of a big run — those written just before the page opened — and the line count said the
 * log had `max` lines.
 */
export async function fetchLogTail(
  readPage: (offset: number, limit: number) => Promise<Page<LogLine>>,
  cancelled: () => boolean,
  max = MAX_BACKFILL_LOGS,
): Promise<{ lines: LogLine[]; omitted: number } | null> {
  const first = await readPage(0, PAGE);
  if (cancelled()) return null;
  const omitted = Math.max(0, first.total - max);
  // Past the limit the first page is not among the lines kept: read from the first one kept.
  const lines: LogLine[] = omitted ? [] : [...first.items];
  for (let offset = omitted || first.items.length; offset < first.total && first.items.length; ) {
    const page = await readPage(offset, Math.min(PAGE, first.total - offset));
    if (cancelled()) return null;
    lines.push(...page.items);
    offset += page.items.length;
    if (!page.items.length) break;
  }
  return { lines, omitted };
}
