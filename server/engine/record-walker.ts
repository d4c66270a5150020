import type { Json, LogLevel, NodeLogger, RecordData } from '../../nodes/sdk/types.ts';
import type { RecordCheckpoint, RecordRow, RecordStatus, StepRow, Store, TokenState } from '../store/types.ts';
import type { CompiledFlow, CompiledNode } from './compiled-flow.ts';
import type { LiveRun } from './live-run.ts';
import type { LogBuffer } from './log-buffer.ts';
import type { EngineListener } from './events.ts';
import { advance, fail, initialCheckpoint, nextRunnable, recordStatus } from './token-graph.ts';
import { runStep } from './step-runner.ts';
import { backoffDelay, shouldRetry } from './retry-policy.ts';
import { evidenceSink } from './evidence.ts';
import { sleep } from './sleep.ts';

/** Everything a record needs from its run while it walks the graph. */
export interface RunContext {
  runId: string;
  flowId: string;
  flow: CompiledFlow;
  store: Store;
  live: LiveRun;
  logs: LogBuffer;
  emit: EngineListener;
  evidenceDir: string;
  signal: AbortSignal;
  /** True once Pause or Stop was asked: finish the current step, start no new one. */
  halted(): boolean;
}

export type WalkEnd = 'finished' | 'halted';

/**
 * Walks one record through the graph, one step at a time, committing each step together with
 * the record's new checkpoint before the record moves on.
 */
export async function walkRecord(rc: RunContext, rec: Pick<RecordRow, 'index' | 'data' | 'status' | 'checkpoint' | 'startedAt'>): Promise<WalkEnd> {
  const cp: RecordCheckpoint = rec.checkpoint ?? initialCheckpoint(rc.flow, rec.data);
  const startedAt = rec.startedAt ?? new Date().toISOString();
  let status: RecordStatus = rec.status;
  if (status === 'pending') {
    setStatus(rc, rec.index, status, 'running');
    status = 'running';
  }

  for (let token = nextRunnable(cp); token; token = nextRunnable(cp)) {
    if (rc.halted()) return 'halted';
    const node = rc.flow.nodes.get(token.nodeId)!;
    const attempt = (token.attempts ?? 0) + 1;
    const evidence: string[] = [];
    const t0 = Date.now();
    const started = new Date(t0).toISOString();
    rc.live.stepStarted(node.id);
    rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'start' });
    const outcome = await runStep({
      node,
      input: token.data,
      collected: token.collected,
      attempt,
      runSignal: rc.signal,
      log: nodeLogger(rc, rec.index, node.id),
      evidence: evidenceSink(rc.evidenceDir, rc.runId, rec.index, evidence),
      run: { id: rc.runId, flowId: rc.flowId },
      record: { id: `${rc.runId}:${rec.index}`, index: rec.index },
    });
    if (!outcome.ok && outcome.cancelled) {
      // The run was stopped mid-step: nothing is committed, the record resumes from its last checkpoint.
      rc.live.stepEnded(node.id, 'cancelled');
      rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'end' });
      return 'halted';
    }
    const seq = ++cp.seq;
    const step: StepRow = {
      runId: rc.runId,
      recordIndex: rec.index,
      seq,
      tokenId: token.id,
      nodeId: node.id,
      nodeType: node.def.type,
      attempt,
      status: outcome.ok ? 'success' : 'failed',
      ...stepInput(token),
      output: outcome.ok ? outcome.result.emit : [],
      error: outcome.ok ? null : outcome.error,
      evidence,
      startedAt: started,
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - t0,
    };

    let lastData: RecordData = token.data;
    let failure: RecordRow['error'] = null;
    let retryIn = 0;
    if (outcome.ok) {
      lastData = advance(rc.flow, cp, token, outcome.result.emit, seq, outcome.result.end?.status).lastData;
      if (outcome.result.end?.reason) rc.logs.add(rc.runId, rec.index, node.id, 'info', outcome.result.end.reason);
    } else if (shouldRetry(node.policy, attempt, outcome.error)) {
      token.attempts = attempt;
      retryIn = backoffDelay(node.policy, attempt);
      rc.logs.add(rc.runId, rec.index, node.id, 'warn', `${node.name} failed (${outcome.error.code}): ${outcome.error.message} — retrying in ${retryIn} ms (attempt ${attempt + 1}).`);
    } else {
      failure = { ...outcome.error, nodeId: node.id };
      routeFailure(rc, cp, token, node, failure, seq);
      rc.logs.add(rc.runId, rec.index, node.id, 'error', `${node.name} failed (${outcome.error.code}): ${outcome.error.message}`);
    }

    const finished = cp.tokens.length === 0;
    const nextStatus: RecordStatus = finished ? recordStatus(cp.outcomes) : 'running';
    const endedAt = finished ? new Date().toISOString() : null;
    await rc.store.commitStep(step, {
      runId: rc.runId,
      index: rec.index,
      status: nextStatus,
      checkpoint: finished ? null : cp,
      output: finished ? lastData : null,
      error: nextStatus === 'failed' ? (failure ?? lastFailure(cp)) : null,
      startedAt,
      endedAt,
    });
    rc.live.stepEnded(node.id, step.status);
    rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'end', status: step.status });
    if (finished) {
      setStatus(rc, rec.index, status, nextStatus);
      const ms = Date.parse(endedAt!) - Date.parse(startedAt);
      rc.logs.add(rc.runId, rec.index, null, nextStatus === 'failed' ? 'error' : 'info', `Record #${rec.index + 1} ended: ${nextStatus} (${ms} ms)`);
      return 'finished';
    }
    if (retryIn > 0 && !(await sleep(retryIn, rc.signal))) return 'halted';
  }
  return 'finished';
}

/** A failure follows the node's error port when one is connected; otherwise that path ends as failed. */
function routeFailure(rc: RunContext, cp: RecordCheckpoint, token: TokenState, node: CompiledNode, error: NonNullable<RecordRow['error']>, seq: number): void {
  if ((node.next.get('error') ?? []).length > 0) {
    const data: RecordData = { ...token.data, error: { code: error.code, message: error.message, hint: error.hint, nodeId: node.id } };
    advance(rc.flow, cp, token, [{ port: 'error', data }], seq, undefined);
    // The error token's data was made here, not by the step: store it as the next step's own input.
    for (const t of cp.tokens) if (t.fromStep === seq) t.fromStep = null;
  } else {
    fail(cp, token);
    cp.lastError = error;
  }
}

function lastFailure(cp: RecordCheckpoint): RecordRow['error'] {
  return cp.lastError ?? null;
}

/** Inputs are stored only when they are not simply the output of an earlier step (`inputFrom`). */
function stepInput(token: TokenState): Pick<StepRow, 'input' | 'inputFrom'> {
  if (token.collected) return { input: token.collected, inputFrom: null };
  if (token.fromStep === null) return token.id === 1 ? { input: null, inputFrom: 0 } : { input: token.data, inputFrom: null };
  return { input: null, inputFrom: token.fromStep };
}

function setStatus(rc: RunContext, index: number, from: RecordStatus, to: RecordStatus): void {
  rc.live.moveRecord(from, to);
  rc.emit({ type: 'record', runId: rc.runId, index, status: to });
}

function nodeLogger(rc: RunContext, index: number, nodeId: string): NodeLogger {
  const line = (level: LogLevel) => (message: string, data?: Json) => rc.logs.add(rc.runId, index, nodeId, level, message, data ?? null);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
