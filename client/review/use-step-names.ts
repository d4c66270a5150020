import { useEffect, useMemo } from 'react';
import { runsApi } from '../api/endpoints.ts';
import { useAsync } from '../lib/use-async.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { nodeTitle } from '../pages/use-node-names.ts';

/**
 * run id → node id → what the canvas calls the node (its name, else its type's title), for the runs
 * of a page of the review queue: each record's failing step named as on the canvas. One read per
 * run on the page (its flow as it ran); a run that cannot be read leaves its steps named by id.
 */
export function useStepNames(runIds: string[]): Record<string, Record<string, string>> {
  const key = [...new Set(runIds)].sort().join('\u0000');
  useEffect(() => void useCatalog.getState().load(), []);
  const byType = useCatalog((s) => s.byType);
  const runs = useAsync(() => Promise.all((key ? key.split('\u0000') : []).map((id) => runsApi.get(id).catch(() => null))), [key]);
  return useMemo(() => {
    const out: Record<string, Record<string, string>> = {};
    for (const run of runs.data ?? []) {
      if (!run?.flow) continue;
      const names: Record<string, string> = {};
      for (const n of run.flow.nodes) names[n.id] = nodeTitle(n, byType);
      out[run.id] = names;
    }
    return out;
  }, [runs.data, byType]);
}
