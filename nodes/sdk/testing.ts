import type { z } from 'zod';
import type { CredentialAccess, CredentialRequest, Json, LogLevel, NodeContext, NodeDefinition, NodeStateAccess, RecordData, ResolvedCredential, StepResult } from './types.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { Resources } from './resources.ts';
import { networkPolicy } from './network.ts';

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

/**
 * Test helper: credentials a node can get by name (no vault, no scope check); `requests` lists what
 * the node asked for, to check it passes the host it contacts.
 */
export function fakeCredentials(list: ResolvedCredential[] = []): CredentialAccess & { requests: Array<{ name: string } & CredentialRequest> } {
  const requests: Array<{ name: string } & CredentialRequest> = [];
  return {
    requests,
    async get(name, request = {}) {
      requests.push({ name, ...request });
      const found = list.find((c) => c.name === name);
      if (!found) throw new NodeError('E_CREDENTIAL_NOT_FOUND', `There is no credential named "${name}".`, 'Create it on the Credentials page, or pick another one in the step settings.');
      const kinds = request.kind === undefined ? null : Array.isArray(request.kind) ? request.kind : [request.kind];
      if (kinds && !kinds.includes(found.kind)) {
        throw new NodeError('E_CREDENTIAL_KIND', `The credential "${name}" is of kind ${found.kind}; this step needs ${kinds.join(' or ')}.`, 'Pick a credential of the right kind.');
      }
      return structuredClone(found);
    },
  };
}

/**
 * Test helper: a node's state in memory. Pass it as `extra.state`, then `apply(result)` after each
 * step, as the engine would commit the step's state writes.
 */
export class MemoryState implements NodeStateAccess {
  readonly values = new Map<string, Json>();

  async get(key: string): Promise<Json | null> {
    return this.values.has(key) ? structuredClone(this.values.get(key)!) : null;
  }

  async list(prefix = ''): Promise<Array<{ key: string; value: Json }>> {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort().map((key) => ({ key, value: structuredClone(this.values.get(key)!) }));
  }

  apply(result: StepResult): void {
    for (const w of result.state ?? []) {
      if (w.value === null) this.values.delete(w.key);
      else this.values.set(w.key, structuredClone(w.value));
    }
  }
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
    credentials: fakeCredentials(),
    // The default policy (plus CONVEYOR_ALLOW_HOSTS): tests reaching local servers allow them with `network: networkPolicy(['127.0.0.1'])`.
    network: networkPolicy(),
    // Tests that open real resources pass their own scopes and close them (see Resources).
    resources: { run: new Resources(), record: new Resources() },
    attempt: 1,
    run: { id: 'run_test', flowId: 'flow_test' },
    record: { id: 'rec_test', index: 0 },
    node: { id: 'node_test', name: def.title },
    state: new MemoryState(),
    ...extra,
    logs,
    evidenceItems,
  };
}

/**
 * Parses params, runs the node once and returns its result together with the context. Without
 * `extra.resources`, the step runs as the only step of a one-record run: what it opened in its run
 * and record scopes (a browser page, a mail session) is closed when it ends, as the engine closes
 * them; a test that shares scopes between steps passes its own and closes them.
 */
export async function runNode<S extends z.ZodType>(
  def: NodeDefinition<S>,
  rawParams: unknown = {},
  input: RecordData = {},
  extra: Partial<NodeContext<z.infer<S>>> = {},
): Promise<{ result: StepResult; ctx: TestContext<z.infer<S>> }> {
  const ctx = makeContext(def, rawParams, input, extra);
  try {
    const result = await def.run(ctx);
    return { result, ctx };
  } finally {
    if (!extra.resources) {
      await (ctx.resources.record as Resources).closeAll();
      await (ctx.resources.run as Resources).closeAll();
    }
  }
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
