import type { z } from 'zod';
import type { Emission, NodeDefinition, RecordData, StepResult, TerminalStatus } from './types.ts';

/** Declares a node type; the generic keeps `run(ctx)` typed by the params schema. */
export function defineNode<S extends z.ZodType>(def: NodeDefinition<S>): NodeDefinition<S> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(def.type)) {
    throw new Error(`Node type "${def.type}" must look like "group.name" (lower-case, dot-separated).`);
  }
  return def;
}

/** One record out of the given port (default `out`). */
export function out(data: RecordData, port = 'out'): StepResult {
  return { emit: [{ port, data }] };
}

/** Many records out of one port: the record fans out into child records. */
export function outMany(items: RecordData[], port = 'out'): StepResult {
  return { emit: items.map((data): Emission => ({ port, data })) };
}

/** Ends this record's path with a terminal status (optionally still emitting nothing). */
export function endWith(status: TerminalStatus, reason?: string): StepResult {
  return { emit: [], end: { status, reason } };
}
