import type { DynamicPorts } from '../../server/contract/data.ts';

/** The port id of each row of the list that makes a node's ports ('' for a row without one). */
function portIds(spec: DynamicPorts, params: unknown): string[] | null {
  const list = params && typeof params === 'object' ? (params as Record<string, unknown>)[spec.param] : undefined;
  if (!Array.isArray(list)) return null;
  return list.map((item) => {
    const id = item && typeof item === 'object' ? (item as Record<string, unknown>)[spec.idField] : undefined;
    return typeof id === 'string' ? id : '';
  });
}

/**
 * Ports renamed by an edit of a node's params (a switch rule's port name typed over, "fr" →
 * "france"): old id → new id. The wires from a renamed port follow it instead of being dropped
 * with the port that no longer exists. Only a row whose id changed in place to one no row had is a
 * rename; rows added, removed or moved (the same ids in another order) rename nothing.
 */
export function renamedPorts(spec: DynamicPorts | undefined, before: unknown, after: unknown): Map<string, string> {
  const renames = new Map<string, string>();
  if (!spec) return renames;
  const a = portIds(spec, before);
  const b = portIds(spec, after);
  if (!a || !b || a.length !== b.length) return renames;
  const had = new Set(a);
  const has = new Set(b);
  a.forEach((from, i) => {
    const to = b[i];
    if (from && to && from !== to && !had.has(to) && !has.has(from)) renames.set(from, to);
  });
  return renames;
}
