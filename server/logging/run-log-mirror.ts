import type { Engine } from '../engine/engine.ts';
import type { Logger } from './logger.ts';

/**
 * Copies the runs' log lines into the server log (JSON format only: a text log keeps them in the
 * run view), with their context: run, flow, record, step and the code of an error. The lines are
 * the run log's own, masked by the engine before they leave it, so a secret a step resolved never
 * reaches the server log either.
 */
export function mirrorRunLogs(engine: Engine, logger: Logger): () => void {
  const flowOf = new Map<string, string>();
  return engine.on((e) => {
    if (e.type !== 'log') return;
    const row = e.row;
    let flowId = flowOf.get(row.runId);
    if (!flowId) {
      flowId = engine.activeRuns().find((r) => r.runId === row.runId)?.flowId;
      if (flowId) flowOf.set(row.runId, flowId);
      // Runs end: keep the map small.
      if (flowOf.size > 1000) flowOf.clear();
    }
    const data = row.data && typeof row.data === 'object' && !Array.isArray(row.data) ? (row.data as Record<string, unknown>) : null;
    const code = typeof data?.code === 'string' ? data.code : /\((E_[A-Z0-9_]+)\)/.exec(row.message)?.[1];
    const context = { runId: row.runId, ...(flowId ? { flowId } : {}), ...(row.recordIndex !== null ? { record: row.recordIndex } : {}), ...(row.nodeId ? { nodeId: row.nodeId } : {}), ...(code ? { code } : {}) };
    const level = row.level === 'debug' ? 'debug' : row.level;
    logger[level](row.message, context);
  });
}
