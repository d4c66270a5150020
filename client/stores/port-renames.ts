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

/** What an edit of a node's params did to the ports its list makes (see portEdits). */
export interface PortEdits {
  /** Old id → new id: a row's port name typed over ("fr" → "france"). */
  renames: Map<string, string>;
  /** Row index → the id it had: a port name erased (on the way to a new one). */
  emptied: Map<number, string>;
  /** Row index → its new id: an erased port name typed again. */
  filled: Map<number, string>;
}

/**
 * What an edit of a node's params did to its list-made ports (a switch's rules), so the wires of a
 * port renamed in the form follow it instead of being dropped with the old name. Only rows changed
 * in place count, to an id no row had; rows added, removed or moved (the same ids in another order)
 * rename nothing.
 */
export function portEdits(spec: DynamicPorts | undefined, before: unknown, after: unknown): PortEdits {
  const edits: PortEdits = { renames: new Map(), emptied: new Map(), filled: new Map() };
  if (!spec) return edits;
  const a = portIds(spec, before);
  const b = portIds(spec, after);
  if (!a || !b || a.length !== b.length) return edits;
  const had = new Set(a);
  const has = new Set(b);
  a.forEach((from, i) => {
    const to = b[i];
    if (from === to) return;
    if (from && to && !had.has(to) && !has.has(from)) edits.renames.set(from, to);
    else if (from && !to && !has.has(from)) edits.emptied.set(i, from);
    else if (!from && to && !had.has(to)) edits.filled.set(i, to);
  });
  return edits;
}
