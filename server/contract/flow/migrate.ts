import { FLOW_FORMAT } from './schema.ts';
import type { FlowProblem } from './problems.ts';

/**
 * Brings an older flow document up to the current format. Each entry upgrades one version to the
 * next; files are never rejected merely for being old.
 */
const MIGRATIONS: Record<string, { to: string; up(doc: Record<string, unknown>): Record<string, unknown> }> = {
  // Pre-release files (conveyor.flow/v0) kept the concurrency at the top level and called edge ports "handles".
  'conveyor.flow/v0': {
    to: FLOW_FORMAT,
    up(doc) {
      const { concurrency, ...rest } = doc;
      const edges = Array.isArray(doc.edges)
        ? doc.edges.map((e) => {
            if (!e || typeof e !== 'object') return e;
            const { sourceHandle, targetHandle, ...edge } = e as Record<string, unknown>;
            return { ...edge, ...(sourceHandle !== undefined ? { sourcePort: sourceHandle } : {}), ...(targetHandle !== undefined ? { targetPort: targetHandle } : {}) };
          })
        : doc.edges;
      const settings = (doc.settings as Record<string, unknown> | undefined) ?? (concurrency !== undefined ? { concurrency } : undefined);
      return { ...rest, format: FLOW_FORMAT, edges, ...(settings ? { settings } : {}) };
    },
  },
};

export function migrateFlow(doc: Record<string, unknown>): { ok: true; value: Record<string, unknown> } | { ok: false; problem: FlowProblem } {
  let current = doc;
  for (let guard = 0; guard < 20; guard++) {
    const format = current.format;
    if (format === FLOW_FORMAT) return { ok: true, value: current };
    if (typeof format !== 'string') {
      return { ok: false, problem: { path: '$.format', message: `"format" is missing: a flow file starts with "format": "${FLOW_FORMAT}". Is this a Conveyor flow?` } };
    }
    const step = MIGRATIONS[format];
    if (!step) {
      return { ok: false, problem: { path: '$.format', message: `Unknown format "${format}": this Conveyor reads "${FLOW_FORMAT}" and older. Update Conveyor to open newer files.` } };
    }
    current = step.up(current);
  }
  return { ok: false, problem: { path: '$.format', message: 'The file format could not be migrated.' } };
}
