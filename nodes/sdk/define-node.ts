import type { z } from 'zod';
import type { AnyNodeDefinition, Emission, NodeBase, NodeDefinition, PortSpec, RecordData, StepResult, TerminalStatus, TriggerCapabilities } from './types.ts';
import { IN_PORT, OUT_PORT } from '../../server/contract/ports.ts';

/**
 * What a step declares: everything a node type has, its ports optional — one input `in` and one
 * output `out` unless it says otherwise. A step cannot declare what only triggers do (records,
 * pacing, grouping, a file): those are `defineTrigger`'s.
 */
export type StepSpec<S extends z.ZodType> = Omit<NodeBase<S>, 'outputs'> & {
  inputs?: PortSpec[];
  outputs?: PortSpec[];
  /** A collect node waits for every sibling token of the split/fan-out before it runs once. */
  collect?: boolean;
};

/**
 * What a trigger declares: no input (records start there), one output `out` unless it says otherwise,
 * and its trigger capabilities. No `run`: a trigger's step passes the record on as it is (`passOn`),
 * and the engine counts on that — a new record starts at the trigger's next steps, the trigger's
 * step counted without being run (server/engine/token-graph.ts, `enteredCheckpoint`). What a
 * trigger makes of the run input belongs in `records`.
 */
export type TriggerSpec<S extends z.ZodType> = Omit<NodeBase<S>, 'outputs' | 'run'> & TriggerCapabilities<S> & { outputs?: PortSpec[] };

function checkType(type: string): void {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(type)) {
    throw new Error(`Node type "${type}" must look like "group.name" (lower-case, dot-separated).`);
  }
}

/** Declares a step; the generic keeps `run(ctx)` typed by the params schema. */
export function defineNode<S extends z.ZodType>(spec: StepSpec<S>): NodeDefinition<S> {
  checkType(spec.type);
  return { ...spec, inputs: spec.inputs ?? [{ ...IN_PORT }], outputs: spec.outputs ?? [{ ...OUT_PORT }] };
}

/** Declares a trigger: the node a run's records come from. */
export function defineTrigger<S extends z.ZodType>(spec: TriggerSpec<S>): NodeDefinition<S> {
  checkType(spec.type);
  const outputs = spec.outputs ?? [{ ...OUT_PORT }];
  return { ...spec, run: passOn(outputs[0]?.id ?? OUT_PORT.id), trigger: true, inputs: [], outputs };
}

/** A trigger's step: the record on, as it is, by the trigger's first output. */
function passOn(port: string): NodeDefinition<z.ZodType>['run'] {
  return (ctx) => out(ctx.input, port);
}

/**
 * A connector's node types, listed for the registry (nodes/index.ts). Each keeps its own params
 * type; a type listed twice is refused here, before the registry sees it.
 */
export function defineGroup(...defs: AnyNodeDefinition[]): AnyNodeDefinition[] {
  const seen = new Set<string>();
  for (const def of defs) {
    if (seen.has(def.type)) throw new Error(`Node type "${def.type}" is listed twice in its group.`);
    seen.add(def.type);
  }
  return defs;
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
