import type { DynamicPorts, PortSpec } from './types.ts';

/**
 * Output ports a node's params add (one per switch rule, …): every element of `params[spec.param]`
 * with a non-empty `idField` is a port. Shared by the registry, the flow checks and the studio.
 */
export function dynamicPorts(spec: DynamicPorts | undefined, params: unknown): PortSpec[] {
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
