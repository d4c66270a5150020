import type { RecordData, Step } from '../api/types.ts';

/** What one port of a step emitted: one record's data, or several (a split, a port wired twice). */
export interface PortData {
  port: string;
  items: unknown[];
}

/**
 * A step's output by port, in the order the ports first emitted — never the store's internal
 * `[{ port, data }]` list. A step that failed, or stored something else, gives no ports.
 */
export function outputByPort(step: Step): PortData[] {
  if (!Array.isArray(step.output)) return [];
  const ports: PortData[] = [];
  for (const e of step.output as unknown[]) {
    if (!e || typeof e !== 'object' || !('port' in e)) continue;
    const { port, data } = e as { port: string; data: unknown };
    const found = ports.find((p) => p.port === port);
    if (found) found.items.push(data);
    else ports.push({ port, items: [data] });
  }
  return ports;
}

/**
 * A step's input. The store keeps it only when it differs from the output of the step it came
 * from (`inputFrom`, the seq of that step); without an earlier step it is the record's own data.
 */
export function stepInput(step: Step, steps: Step[], recordData: unknown): { value: unknown; from: number | null } {
  if (step.input !== null && step.input !== undefined) return { value: step.input, from: null };
  const from = (step as Step & { inputFrom?: number | null }).inputFrom ?? null;
  const prev = from == null ? undefined : steps.find((s) => s.seq === from);
  if (!prev) return { value: recordData, from: null };
  const items = outputByPort(prev).flatMap((p) => p.items);
  return { value: items.length === 1 ? items[0] : items, from };
}

export function isRecordData(value: unknown): value is RecordData {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Field paths of a record for completion: `name`, `address`, `address.city` … (objects opened two
 * levels deep, the first item of a list standing for all of them), at most `limit` paths.
 */
export function fieldPaths(value: unknown, limit = 200): string[] {
  const out: string[] = [];
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (Array.isArray(v)) v = v[0];
    if (!isRecordData(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if (out.length >= limit) return;
      const path = prefix ? `${prefix}.${k}` : k;
      out.push(path);
      if (depth < 2) walk(child, path, depth + 1);
    }
  };
  walk(value, '', 0);
  return out;
}
