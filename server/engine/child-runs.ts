import { createHash } from 'node:crypto';
import type { ChildRunOutcome, FlowCalls } from '../../nodes/sdk/services.ts';
import { NodeError } from '../contract/node-error.ts';
import type { RecordData } from '../../nodes/sdk/types.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import { isFinished } from '../contract/status.ts';
import type { RunRow, RunStatus, Store } from '../store/types.ts';
import type { EngineListener } from './events.ts';

/**
 * Runs started by a step (the Run flow step, `ctx.flows`). The seam is small: the engine gives each
 * step a `FlowCalls` bound to the calling run, record and step execution; this file decides how a
 * child run is named, started, found again and waited for.
 *
 * Crash safety without an in-doubt state: a child run's id is derived from the step execution that
 * starts it (calling run, record, the step's sequence number in the record, token). Until the step
 * commits, that sequence number does not change — whatever stops the step (a crash, Stop, Pause) —
 * so when the record comes back to the step it derives the same id, finds the run it started, and
 * waits for it again instead of starting a second one. A committed failure moves the sequence on: a
 * retry starts a fresh child run.
 */

/** Longest chain of flows calling flows. */
export const MAX_FLOW_DEPTH = 8;

/** What a child run keeps of its caller (in its settings, which the store keeps as they are). */
export interface CallerSettings {
  caller?: { runId: string; flowId: string; recordIndex: number; nodeId: string };
  /** The flows that called, outermost first: a flow already in it may not be started again. */
  lineage?: string[];
}

/** What the engine offers this file. */
export interface ChildRunHost {
  store: Pick<Store, 'getFlow' | 'getRun' | 'listRecords'>;
  startChild(doc: FlowDocument, records: RecordData[], id: string, settings: CallerSettings): Promise<RunRow>;
  resume(runId: string): Promise<unknown>;
  isActive(runId: string): boolean;
  /** Status and reason as the engine knows them (also runs kept in memory while the store cannot write). */
  status(runId: string): Promise<{ status: RunStatus; reason: RunRow['reason'] }>;
  on(listener: EngineListener): () => void;
  /** Tells the stall watch that a run moves (a caller whose child makes progress is not stalled). */
  progress(runId: string): void;
}

/** The calling step execution. */
export interface CallingStep {
  run: RunRow;
  recordIndex: number;
  nodeId: string;
  /** The sequence number the step will have in its record when it commits. */
  seq: number;
  tokenId: number;
  /** Aborted when the calling run is paused or stopped. */
  halted: AbortSignal;
}

/** Thrown when the calling run halts while its step waits: the step is not committed (see step-runner.ts). */
export class WaitHalted extends Error {
  constructor() {
    super('The run was paused or stopped while this step waited for the flow it started.');
    this.name = 'WaitHalted';
  }
}

/** The caller chain of a run (empty for a run nobody called). */
export function lineageOf(row: RunRow): string[] {
  const lineage = (row.settings as CallerSettings).lineage;
  return Array.isArray(lineage) ? lineage : [];
}

export function childRunId(step: Pick<CallingStep, 'run' | 'recordIndex' | 'seq' | 'tokenId'>): string {
  const hash = createHash('sha256').update(`${step.run.id}\u0000${step.recordIndex}\u0000${step.seq}\u0000${step.tokenId}`).digest('hex');
  return `run_c${hash.slice(0, 24)}`;
}

const POLL_MS = 5_000;
const OUTCOME_RECORDS = 100;

export function flowCalls(host: ChildRunHost, step: CallingStep): FlowCalls {
  return {
    async start(flowId, records) {
      const id = childRunId(step);
      const existing = await host.store.getRun(id);
      if (existing) {
        // Interrupted by a crash, or paused by a shutdown, together with the calling run: it goes on with it.
        if ((existing.status === 'interrupted' || existing.status === 'paused') && !host.isActive(id)) await host.resume(id);
        return { id, flowId: existing.flowId, flowName: existing.flowName, existing: true };
      }
      const chain = [...lineageOf(step.run), step.run.flowId];
      if (chain.includes(flowId)) {
        throw new NodeError(
          'E_FLOW_RECURSION',
          `Flow "${flowId}" is already running in this chain of calls (${[...chain, flowId].join(' → ')}): starting it again would never end.`,
          'Change the Run flow step to call another flow; a flow may not call itself, directly or through others.',
        );
      }
      if (chain.length >= MAX_FLOW_DEPTH) {
        throw new NodeError(
          'E_FLOW_DEPTH',
          `This run is ${chain.length} flow calls deep (${chain.join(' → ')}); at most ${MAX_FLOW_DEPTH} flows may call each other in a chain.`,
          'Flatten the chain: let one flow call several others in turn instead of each calling the next.',
        );
      }
      const flow = await host.store.getFlow(flowId);
      if (!flow) {
        throw new NodeError('E_FLOW_NOT_FOUND', `There is no flow "${flowId}" to run.`, 'It may have been deleted or its id mistyped: pick an existing flow in the Run flow step.');
      }
      try {
        const row = await host.startChild(flow.doc, records, id, {
          caller: { runId: step.run.id, flowId: step.run.flowId, recordIndex: step.recordIndex, nodeId: step.nodeId },
          lineage: chain,
        });
        return { id: row.id, flowId: row.flowId, flowName: row.flowName, existing: false };
      } catch (err) {
        const e = err as { code?: string; message?: string; hint?: string; status?: number };
        if (typeof e.code === 'string' && e.code.startsWith('E_')) throw new NodeError(e.code, `Flow "${flow.name}" could not start: ${e.message}`, e.hint ?? 'See the flow.', { transient: e.code === 'E_STORE_WRITE' });
        throw err;
      }
    },

    async wait(runId, signal) {
      const stop = AbortSignal.any([signal, step.halted]);
      // While the child makes progress, so does its caller: the run waiting for it is not stalled.
      const off = host.on((e) => {
        if (e.type !== 'log' && e.runId === runId) host.progress(step.run.id);
      });
      try {
        return await waitFor(host, runId, signal, step.halted, stop);
      } finally {
        off();
      }
    },
  };
}

/** Waits until the child run has finished; a stopped child fails the step, a halted caller ends the wait uncommitted. */
async function waitFor(host: ChildRunHost, runId: string, signal: AbortSignal, halted: AbortSignal, stop: AbortSignal): Promise<ChildRunOutcome> {
  for (;;) {
    const changed = nextChange(host, runId, stop);
    try {
      const { status, reason } = await host.status(runId);
      if (isFinished(status)) return await outcome(host, runId, status, reason);
      if (status === 'stopped' || status === 'safe_stopped') {
        throw new NodeError(
          'E_FLOW_CHILD_STOPPED',
          `The run ${runId} this step started was ${status.replace('_', '-')} before it finished.`,
          `Open /runs/${runId} to see why. Resume it and then retry this record, which starts a new run, or resolve the record.`,
        );
      }
      await changed.promise;
    } catch (err) {
      if (!signal.aborted && halted.aborted) throw new WaitHalted();
      throw err;
    } finally {
      changed.cancel();
    }
  }
}

/** Resolves at the next status change of the run (or after a while, to look again); rejects when `stop` aborts. */
function nextChange(host: ChildRunHost, runId: string, stop: AbortSignal): { promise: Promise<void>; cancel(): void } {
  let cancel = (): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    const done = (): void => {
      off();
      clearTimeout(timer);
      stop.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(Object.assign(new Error('The wait for the flow was cancelled.'), { name: 'AbortError' }));
    };
    const off = host.on((e) => {
      if (e.type === 'run' && e.runId === runId) {
        done();
        resolve();
      }
    });
    const timer = setTimeout(() => {
      done();
      resolve();
    }, POLL_MS);
    cancel = done;
    if (stop.aborted) onAbort();
    else stop.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, cancel };
}

async function outcome(host: ChildRunHost, runId: string, status: RunStatus, reason: RunRow['reason']): Promise<ChildRunOutcome> {
  const row = await host.store.getRun(runId);
  const page = await host.store.listRecords(runId, { limit: OUTCOME_RECORDS });
  return {
    id: runId,
    flowId: row?.flowId ?? '',
    flowName: row?.flowName ?? '',
    status,
    reason: reason ? { code: reason.code, message: reason.message, hint: reason.hint } : null,
    recordCount: row?.recordCount ?? page.total,
    records: page.items.map((r) => ({
      index: r.index,
      status: r.status,
      output: r.output,
      error: r.error ? { code: r.error.code, message: r.error.message, hint: r.error.hint } : null,
    })),
  };
}
