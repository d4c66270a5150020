import type { DynamicPorts, PortSpec } from './data.ts';

/**
 * Ports, said once: the default input and output a step has, the error port every node has, and
 * the order a node's outputs are listed in (dynamic ports first, then the fixed ones, then the
 * error port) — the same on the canvas, in the inspector and in the flow checks' messages.
 */

/** The input of every step that takes records (triggers have none). */
export const IN_PORT: PortSpec = { id: 'in', label: 'In' };
/** The output of a step with one way out. */
export const OUT_PORT: PortSpec = { id: 'out', label: 'Out' };
/** The port every node has for catching its own failure. */
export const ERROR_PORT: PortSpec = { id: 'error', label: 'On error' };

/** What the order of a node's outputs depends on: its fixed outputs and the ports its params add. */
export interface OutputsSpec {
  outputs: PortSpec[];
  dynamicOutputs?: DynamicPorts;
  errorPort?: PortSpec;
}

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

/**
 * Regular output ports (dynamic, then fixed), without the error port. Dynamic ports (switch rules)
 * come first so the fixed ones (a switch's "Otherwise" fallback) are listed last. An unknown node
 * type has the one default output.
 */
export function mainOutputs(spec: OutputsSpec | undefined, params: unknown): PortSpec[] {
  if (!spec) return [{ id: OUT_PORT.id, label: 'out' }];
  const seen = new Set<string>();
  const out: PortSpec[] = [];
  for (const p of [...dynamicPorts(spec.dynamicOutputs, params), ...spec.outputs]) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

/** Every output port of a node, the error port last. */
export function allOutputs(spec: OutputsSpec | undefined, params: unknown): PortSpec[] {
  return [...mainOutputs(spec, params), spec?.errorPort ?? ERROR_PORT];
}

export function allOutputIds(spec: OutputsSpec | undefined, params: unknown): string[] {
  return allOutputs(spec, params).map((p) => p.id);
}
