import type { z } from 'zod';
import type { Json, LogLevel, NodeContext, NodeDefinition, RecordData, StepResult } from './types.ts';

/** Test helper: builds a NodeContext for a node's `run(ctx)`, collecting log lines and evidence. */

export interface LogLine {
  level: LogLevel;
  message: string;
  data?: Json;
}

export interface EvidenceItem {
  name: string;
  content: Uint8Array | string;
  mime: string;
}

export interface TestContext<P> extends NodeContext<P> {
  logs: LogLine[];
  evidenceItems: EvidenceItem[];
}

/**
 * A context for `def` with `rawParams` parsed through the node's schema (so defaults apply)
 * and `input` as the record. `extra` overrides any field (signal, collected, attempt…).
 */
export function makeContext<S extends z.ZodType>(
  def: NodeDefinition<S>,
  rawParams: unknown = {},
  input: RecordData = {},
  extra: Partial<NodeContext<z.infer<S>>> = {},
): TestContext<z.infer<S>> {
  const logs: LogLine[] = [];
  const evidenceItems: EvidenceItem[] = [];
  const logAt =
    (level: LogLevel) =>
    (message: string, data?: Json): void => {
      logs.push(data === undefined ? { level, message } : { level, message, data });
    };
  return {
    params: def.params.parse(rawParams) as z.infer<S>,
    input,
    signal: new AbortController().signal,
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    evidence: {
      async attach(name, content, mime) {
        evidenceItems.push({ name, content, mime });
        return `evidence-${evidenceItems.length}`;
      },
    },
    attempt: 1,
    run: { id: 'run_test', flowId: 'flow_test' },
    record: { id: 'rec_test', index: 0 },
    node: { id: 'node_test', name: def.title },
    ...extra,
    logs,
    evidenceItems,
  };
}

/** Parses params, runs the node once and returns its result together with the context. */
export async function runNode<S extends z.ZodType>(
  def: NodeDefinition<S>,
  rawParams: unknown = {},
  input: RecordData = {},
  extra: Partial<NodeContext<z.infer<S>>> = {},
): Promise<{ result: StepResult; ctx: TestContext<z.infer<S>> }> {
  const ctx = makeContext(def, rawParams, input, extra);
  const result = await def.run(ctx);
  return { result, ctx };
}

/** Calls `fn` expecting it to throw or reject; returns what was thrown, for assertions. */
export async function failureOf(fn: () => unknown): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}
