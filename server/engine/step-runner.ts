import type { NetworkAccess } from '../../nodes/sdk/network.ts';
import type { CredentialAccess, EvidenceSink, KeptFileAccess, NodeContext, NodeLogger, NodeResources, NodeStateAccess, RecordData, StepResult } from '../../nodes/sdk/types.ts';
import { toStepError, type StepErrorInfo } from '../contract/node-error.ts';
import type { CompiledNode } from './compiled-flow.ts';
import type { FlowCalls, TrackingAccess } from '../../nodes/sdk/services.ts';
import { WaitHalted } from './child-runs.ts';
import type { StepServices } from './step-services.ts';
import { DEFAULT_GRACE_MS, guardStep, stuckInfo, type StepWatch } from './watchdog.ts';

export interface StepCall {
  node: CompiledNode;
  input: RecordData;
  collected?: RecordData[];
  attempt: number;
  runSignal: AbortSignal;
  /** `ctx.log`, `ctx.evidence`, `ctx.credentials`, `ctx.tracking`, `ctx.flows` and `ctx.files`, made when the node first uses them. */
  services: Pick<StepServices, 'log' | 'evidence' | 'credentials' | 'tracking' | 'flows' | 'files'>;
  network: NetworkAccess;
  resources: NodeResources;
  state: NodeStateAccess;
  run: { id: string; flowId: string };
  record: { id: string; index: number };
  /** The stuck-step watchdog (grace after the timeout; see watchdog.ts). */
  watch?: StepWatch;
}

export type StepOutcome =
  | { ok: true; result: StepResult }
  | { ok: false; error: StepErrorInfo; cancelled: boolean };

/** Runs one attempt of one node: enforces the step timeout and turns any throw into a coded error. */
export async function runStep(call: StepCall): Promise<StepOutcome> {
  const timeoutMs = call.node.policy.timeoutMs;
  const timeout = timeoutMs ? new AbortController() : null;
  const signal = timeout ? AbortSignal.any([call.runSignal, timeout.signal]) : call.runSignal;
  try {
    const ctx = new StepContext(call, signal);
    let result: StepResult;
    if (timeout && timeoutMs) {
      const work = Promise.resolve().then(() => call.node.def.run(ctx));
      // A node that ignores its signal must not hold the record forever: the watchdog decides.
      const watch = call.watch ?? { graceMs: DEFAULT_GRACE_MS };
      const guarded = await guardStep(work, {
        timeoutMs,
        unsafe: call.node.def.effect === 'unsafe',
        watch,
        nodeId: call.node.id,
        nodeName: call.node.name,
        cancel: () => timeout.abort(),
        runSignal: call.runSignal,
      });
      if (guarded.kind === 'cancelled' || call.runSignal.aborted) return { ok: false, cancelled: true, error: timeoutInfo(call.node.name, timeoutMs) };
      if (guarded.kind === 'timeout') return { ok: false, cancelled: false, error: timeoutInfo(call.node.name, timeoutMs) };
      if (guarded.kind === 'stuck') return { ok: false, cancelled: false, error: stuckInfo(call.node.name, timeoutMs, watch.graceMs) };
      result = guarded.value;
    } else {
      // Without a timeout nothing races the node: it runs at once (a throw lands in the catch below).
      result = await call.node.def.run(ctx);
    }
    if (!result || !Array.isArray(result.emit)) {
      return { ok: false, cancelled: false, error: { code: 'E_NODE_BAD_RESULT', message: `Node "${call.node.name}" returned no result.`, hint: 'The node type is faulty: report it to whoever maintains it.', transient: false } };
    }
    return { ok: true, result };
  } catch (err) {
    // A wait for a child run ended by Pause is not committed either: the step waits again on resume.
    if (call.runSignal.aborted || err instanceof WaitHalted) return { ok: false, cancelled: true, error: toStepError(err) };
    if (timeout?.signal.aborted) return { ok: false, cancelled: false, error: timeoutInfo(call.node.name, timeoutMs!) };
    return { ok: false, cancelled: false, error: toStepError(err) };
  }
}

/** Not made yet (a lazily made service may be undefined: no tracking, no Run flow host). */
const UNSET: unique symbol = Symbol('unset');

/**
 * The node's context. The services few steps use are made on first use, once per step (see
 * StepServices); the node sees plain properties either way. A class, so that a step costs one object:
 * getters written in an object literal are made anew, closures and all, for every step.
 */
class StepContext implements NodeContext<unknown> {
  readonly params: unknown;
  readonly input: RecordData;
  readonly collected: RecordData[] | undefined;
  readonly network: NetworkAccess;
  readonly resources: NodeResources;
  readonly state: NodeStateAccess;
  readonly attempt: number;
  readonly run: { id: string; flowId: string };
  readonly record: { id: string; index: number };
  readonly node: { id: string; name: string };
  readonly #services: StepCall['services'];
  #log: NodeLogger | undefined;
  #evidence: EvidenceSink | undefined;
  #credentials: CredentialAccess | undefined;
  #tracking: TrackingAccess | undefined | typeof UNSET = UNSET;
  #flows: FlowCalls | undefined | typeof UNSET = UNSET;
  #files: KeptFileAccess | undefined;

  constructor(
    call: StepCall,
    readonly signal: AbortSignal,
  ) {
    this.params = call.node.params;
    this.input = call.input;
    this.collected = call.collected;
    this.network = call.network;
    this.resources = call.resources;
    this.state = call.state;
    this.attempt = call.attempt;
    this.run = call.run;
    this.record = call.record;
    this.node = { id: call.node.id, name: call.node.name };
    this.#services = call.services;
  }

  get log(): NodeLogger {
    return (this.#log ??= this.#services.log());
  }

  get evidence(): EvidenceSink {
    return (this.#evidence ??= this.#services.evidence());
  }

  get credentials(): CredentialAccess {
    return (this.#credentials ??= this.#services.credentials());
  }

  get tracking(): TrackingAccess | undefined {
    if (this.#tracking === UNSET) this.#tracking = this.#services.tracking();
    return this.#tracking;
  }

  get flows(): FlowCalls | undefined {
    if (this.#flows === UNSET) this.#flows = this.#services.flows();
    return this.#flows;
  }

  get files(): KeptFileAccess {
    return (this.#files ??= this.#services.files());
  }
}

function timeoutInfo(name: string, ms: number): StepErrorInfo {
  return {
    code: 'E_TIMEOUT',
    message: `Step "${name}" did not finish within its timeout of ${ms} ms and was cancelled.`,
    hint: 'Raise the timeout in the step policy, or check why the step is slow.',
    transient: true,
  };
}
