/**
 * Tokens used by a run's AI steps, for the report. Every model answer writes one log line whose data
 * holds its usage (nodes/ai/lib/usage.ts), so answers that were corrected, retried or whose step
 * failed in the end are counted as well: they were paid for all the same. Only runs whose flow has
 * an AI step read their log, a page at a time.
 */
import type { Store } from '../store/types.ts';
import type { TokenTotals } from '../contract/wire/report.ts';
import { usageOf } from '../../nodes/ai/lib/usage.ts';

export type { TokenTotals };

/** Log lines read per store query. */
const LOG_PAGE = 5000;

export function isAiStep(type: string): boolean {
  return type.startsWith('ai.');
}

/** Totals for the whole run and per node id (of `nodeIds`, the run's AI steps). */
export async function tokenTotals(store: Store, runId: string, nodeIds: ReadonlySet<string>): Promise<{ run: TokenTotals; perNode: Map<string, TokenTotals> }> {
  const run: TokenTotals = { prompt: 0, completion: 0, total: 0, answers: 0 };
  const perNode = new Map<string, TokenTotals>();
  // Paged by the lines each page brings and the log's total: a store may hand back fewer than asked.
  for (let offset = 0; ; ) {
    const page = await store.listLogs(runId, { offset, limit: LOG_PAGE });
    offset += page.items.length;
    for (const line of page.items) {
      if (line.nodeId === null || !nodeIds.has(line.nodeId)) continue;
      const usage = usageOf(line.data);
      if (!usage) continue;
      let node = perNode.get(line.nodeId);
      if (!node) perNode.set(line.nodeId, (node = { prompt: 0, completion: 0, total: 0, answers: 0 }));
      for (const t of [run, node]) {
        t.prompt += usage.prompt;
        t.completion += usage.completion;
        t.total += usage.total;
        t.answers++;
      }
    }
    if (page.items.length === 0 || offset >= page.total) return { run, perNode };
  }
}
