import type { NodeTypeInfo, PortSpec } from '../api/types.ts';
import { dynamicPorts as portsFromParams } from '../../nodes/sdk/dynamic-ports.ts';

/** Ports a node's params add (one per switch rule, …). */
export function dynamicPorts(info: NodeTypeInfo | undefined, params: unknown): PortSpec[] {
  return portsFromParams(info?.dynamicOutputs, params);
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
