import type { NodeTypeInfo, PortSpec } from '../api/types.ts';

/** Ports a node's params add (one per switch rule, …), as nodes/registry.ts computes them. */
export function dynamicPorts(info: NodeTypeInfo | undefined, params: unknown): PortSpec[] {
  const spec = info?.dynamicOutputs;
  if (!spec || !params || typeof params !== 'object') return [];
  const list = (params as Record<string, unknown>)[spec.param];
  if (!Array.isArray(list)) return [];
  const ports: PortSpec[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const id = (item as Record<string, unknown>)[spec.idField];
    if (typeof id !== 'string' || id === '') continue;
    const label = spec.labelField ? (item as Record<string, unknown>)[spec.labelField] : undefined;
    ports.push({ id, label: typeof label === 'string' && label ? label : id });
  }
  return ports;
}

/** Regular output ports (static + dynamic), without the error port. */
export function mainOutputs(info: NodeTypeInfo | undefined, params: unknown): PortSpec[] {
  if (!info) return [{ id: 'out', label: 'out' }];
  const seen = new Set<string>();
  const out: PortSpec[] = [];
  // Dynamic ports (switch rules) first, then the fixed ones (its "Otherwise" fallback) last.
  for (const p of [...dynamicPorts(info, params), ...info.outputs]) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

export function allOutputIds(info: NodeTypeInfo | undefined, params: unknown): string[] {
  return [...mainOutputs(info, params).map((p) => p.id), info?.errorPort.id ?? 'error'];
}
