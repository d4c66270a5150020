import type { NetworkAccess } from '../../nodes/sdk/network.ts';
import type { CredentialAccess, EvidenceSink, NodeResources, NodeLogger, NodeStateAccess, RecordData, StepResult } from '../../nodes/sdk/types.ts';
import { toStepError, type StepErrorInfo } from '../contract/node-error.ts';
import type { CompiledNode } from './compiled-flow.ts';
import type { FlowCalls, TrackingAccess } from '../../nodes/sdk/services.ts';
import { WaitHalted } from './child-runs.ts';
import { DEFAULT_GRACE_MS, guardStep, stuckInfo, type StepWatch } from './watchdog.ts';

export interface StepCall {
  node: CompiledNode;
  input: RecordData;
  collected?: RecordData[];
  attempt: number;
  runSignal: AbortSignal;
  log: NodeLogger;
  evidence: EvidenceSink;
  credentials: CredentialAccess;
  network: NetworkAccess;
  resources: NodeResources;
  state: NodeStateAccess;
  run: { id: string; flowId: string };
  record: { id: string; index: number };
  tracking?: TrackingAccess;
  flows?: FlowCalls;
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
    const work = Promise.resolve().then(() =>
      call.node.def.run({
        params: call.node.params,
        input: call.input,
        collected: call.collected,
        signal,
        log: call.log,
        evidence: call.evidence,
        credentials: call.credentials,
        network: call.network,
        resources: call.resources,
        state: call.state,
        attempt: call.attempt,
        run: call.run,
        record: call.record,
        node: { id: call.node.id, name: call.node.name },
        tracking: call.tracking,
        flows: call.flows,
      }),
    );
    let result: StepResult;
    if (timeout && timeoutMs) {
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
      result = await work;
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

function timeoutInfo(name: string, ms: number): StepErrorInfo {
  return {
    code: 'E_TIMEOUT',
    message: `Step "${name}" did not finish within its timeout of ${ms} ms and was cancelled.`,
    hint: 'Raise the timeout in the step policy, or check why the step is slow.',
    transient: true,
  };
}
