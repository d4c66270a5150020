import type { LogLevel, NodeResources, RecordData, TerminalStatus } from '../../nodes/sdk/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';
import type { RecordCheckpoint, RecordRow, RecordStatus, RecordUpdate, StepRow, Store, TokenState } from '../store/types.ts';
import type { CompiledFlow, CompiledNode } from './compiled-flow.ts';
import type { LiveRun } from './live-run.ts';
import type { CountedAs } from '../contract/wire/runs.ts';
import type { LogBuffer } from './log-buffer.ts';
import type { EngineListener } from './events.ts';
import { advance, endToken, enteredCheckpoint, initialCheckpoint, nextRunnable, recordStatus } from './token-graph.ts';
import { runStep, type StepOutcome } from './step-runner.ts';
import { checkAfter, checkBefore } from './step-checks.ts';
import { decideFailure } from './failure-decision.ts';
import { sleep } from './sleep.ts';
import { Resources } from '../../nodes/sdk/resources.ts';
import type { NetworkAccess } from '../../nodes/sdk/network.ts';
import type { CredentialSource } from './credentials.ts';
import type { Masker, SecretMasker } from './secret-masker.ts';
import { needsReplay, rewind, rewound, sessionLostError } from './session-replay.ts';
import { NO_STATE, stateAccess, stateScopeOf, stateWrites, type StateLocks } from './node-state.ts';
import { checkpointWrite, fanOutRefusal } from './fan-out.ts';
import { checkRecordTransition } from './record-transition.ts';
import { StepServices } from './step-services.ts';
import type { FlowCalls, TrackingAccess } from '../../nodes/sdk/services.ts';
import type { StepWatch } from './watchdog.ts';
import { endedByStep } from './ended-by-step.ts';
import { isoAt, isoNow } from './iso-time.ts';
import type { KeyGate } from './idempotency.ts';
import { cancelStart, markStartIn, type StartMark } from './start-marks.ts';

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
  /** Resources shared by the run's records (a browser); closed by the engine when the run stops executing. */
  runResources: Resources;
  /** The vault, for `ctx.credentials` (none: every credential is unknown). */
  credentials?: CredentialSource;
  /** The run's network policy, for `ctx.network`. */
  network: NetworkAccess;
  /** Every secret a step of this run resolved: masked in all that the run stores or sends (never in what steps pass on). */
  masker: SecretMasker;
  /** True once Pause or Stop was asked: finish the current step, start no new one. */
  halted(): boolean;
  /** An error-map rule asked to stop the whole run (Safe Stop). */
  requestSafeStop(reason: StepErrorInfo): void;
  /** Serializes the steps of stateful nodes (shared by every run of the engine). */
  stateLocks: StateLocks;
  /** `ctx.tracking` of a step (tracked mail), when the studio offers it. */
  tracking?: { forStep(place: { runId: string; recordIndex: number; nodeId: string }): TrackingAccess };
  /** `ctx.flows` of a step execution (Run flow): `seq` is the number the step commits with. */
  flows?: (step: { recordIndex: number; nodeId: string; seq: number; tokenId: number }) => FlowCalls;
  /** The stuck-step watchdog (grace after a timeout; see watchdog.ts). */
  watch?: StepWatch;
  /** The run's business-key gate (idempotency.ts), when its flow names a key and it is not reprocessing. */
  keyGate?: KeyGate;
}

/** What every step of one record shares (its context's `resources`, `run` and `record`). */
interface RecordShared {
  resources: NodeResources;
  run: { id: string; flowId: string };
  record: { id: string; index: number };
}

export type WalkEnd = { end: 'finished'; status: TerminalStatus } | { end: 'halted' };

type RecordError = NonNullable<RecordRow['error']>;

/**
 * How long a record's first step may run before the record is written as started on its own: its
 * start otherwise goes with its first commit (the trigger's step is not committed, token-graph.ts
 * `enteredCheckpoint`), and a record whose first step opens a page or waits on a service would be
 * listed as pending meanwhile. Live views say "running" at once either way.
 */
const START_MARK_MS = 200;

/** The walk's start mark (start-marks.ts), cancelled when the walk ends however it ends. */
interface WalkMarks {
  start: StartMark | null;
}

/**
 * Walks one record through the graph, one step at a time, committing each step together with
 * the record's new checkpoint before the record moves on.
 */
export async function walkRecord(rc: RunContext, rec: Pick<RecordRow, 'index' | 'data' | 'status' | 'checkpoint' | 'startedAt'>): Promise<WalkEnd> {
  // A record about to start is checked against its business key again: another run may have taken it since.
  const gate = rec.status === 'pending' && rc.keyGate ? await rc.keyGate.enter(rec.index, rec.data) : null;
  if (gate && 'skip' in gate) return settleByKey(rc, rec, gate.skip);
  const resources = new Resources((key, err) => rc.logs.add(rc.runId, rec.index, null, 'warn', `Could not close ${key}: ${(err as Error).message}`));
  const marks: WalkMarks = { start: null };
  try {
    return await walk(rc, rec, resources, marks);
  } finally {
    if (marks.start) cancelStart(marks.start);
    gate?.leave();
    await resources.closeAll();
  }
}

/** A pending record whose key another run took (`KeyGate`): skipped before any step, saying why. */
async function settleByKey(rc: RunContext, rec: Pick<RecordRow, 'index' | 'data'>, reason: string): Promise<WalkEnd> {
  const at = isoNow();
  const update: RecordUpdate = {
    runId: rc.runId,
    index: rec.index,
    status: 'skipped',
    checkpoint: null,
    output: null,
    error: null,
    reason,
    startedAt: at,
    endedAt: at,
    event: { at, from: 'pending', to: 'skipped', actor: 'engine', action: 'settled', note: reason, data: null },
  };
  checkRecordTransition(update, 'finish', 'pending', 'skipped');
  await rc.store.updateRecord(update);
  setStatus(rc, rec.index, 'pending', 'skipped');
  rc.logs.add(rc.runId, rec.index, null, 'info', `Record #${rec.index + 1} skipped: ${reason}`, null, rc.masker.sparing(rec.data));
  return { end: 'finished', status: 'skipped' };
}

async function walk(rc: RunContext, rec: Pick<RecordRow, 'index' | 'data' | 'status' | 'checkpoint' | 'startedAt'>, recordResources: Resources, marks: WalkMarks): Promise<WalkEnd> {
  // A new record starts past its trigger (token-graph.ts, `enteredCheckpoint`), unless nothing follows it.
  const cp: RecordCheckpoint = rec.checkpoint ?? enteredCheckpoint(rc.flow, rec.data) ?? initialCheckpoint(rc.flow, rec.data);
  // Masks what this record stores and shows, sparing the text the operator gave it (see SecretMasker.sparing).
  const masker = rc.masker.sparing(rec.data);
  const startedAt = rec.startedAt ?? isoNow();
  let status: RecordStatus = rec.status;
  let startEvent = status === 'pending';
  // The first commit of this walk sets the record's start and clears an earlier end (output, error);
  // the commits after it, while the record runs, leave those columns alone (fewer bytes per step).
  let firstCommit = true;
  // Whether a step of this walk opened the record's live session (its page): a resumed record has none.
  let sessionOpen = false;
  // The same for every step of the record: made once, not per step.
  const shared: RecordShared = {
    resources: { run: rc.runResources, record: recordResources },
    run: { id: rc.runId, flowId: rc.flowId },
    record: { id: `${rc.runId}:${rec.index}`, index: rec.index },
  };
  if (status === 'pending') {
    setStatus(rc, rec.index, status, 'running');
    status = 'running';
  }
  if (cp.entered) {
    // The trigger passed the record on: the canvas counts its step now, as when it ran and committed at
    // once. The store counts it with the record's first commit (`entered` below); a walk halted before
    // that leaves it uncounted there, and the next execution's live counts start from the store's.
    rc.live.stepStarted(rc.flow.trigger.id);
    rc.live.stepEnded(rc.flow.trigger.id, 'success');
    rc.emit({ type: 'step', runId: rc.runId, nodeId: rc.flow.trigger.id, phase: 'end', status: 'success', nodeType: rc.flow.trigger.def.type, durationMs: 0 });
  }

  // A record that entered past its trigger is written as started with its first commit; should that
  // step take longer than START_MARK_MS, its start is written on its own meanwhile (start-marks.ts).
  if (startEvent && !rec.checkpoint) {
    marks.start = markStartIn(START_MARK_MS, () => {
      if (!firstCommit || !startEvent) return;
      startEvent = false;
      const update: RecordUpdate = { runId: rc.runId, index: rec.index, status: 'running', ...checkpointWrite(cp, masker, null), startedAt };
      update.event = { at: startedAt, from: 'pending', to: 'running', actor: 'engine', action: 'started', note: null, data: null };
      checkRecordTransition(update, 'start', 'pending', 'running');
      // A write that fails halts the run (the store says so); the step commit after it fails the same way.
      rc.store.updateRecord(update).catch(() => undefined);
    });
  }
  for (let token = nextRunnable(cp); token; token = nextRunnable(cp)) {
    // Pause waits for a record that holds a live session (its browser page): pausing it there would
    // close the page, and its next step could not go on. Stop cancels it (the signal aborts its steps).
    if (rc.halted() && !(recordResources.holding && !rc.signal.aborted)) return { end: 'halted' };
    const node = rc.flow.nodes.get(token.nodeId)!;
    let sessionLost: { error: StepErrorInfo; retryFrom: TokenState } | null = null;
    if (needsReplay(node, token, sessionOpen)) {
      // Resumed at a step that needs the page this walk has not opened (crash, restart, Stop, Retry):
      // replay from the step that opened it, unless the step in flight may have happened (the in-doubt
      // handling below decides) or an unsafe step committed since (a replay would repeat it).
      const inDoubt = cp.inFlight?.tokenId === token.id;
      if (!inDoubt || (await resolveInDoubt(node, token)).verdict === 'did-not-happen') {
        cp.inFlight = null;
        if (!token.session.lockedBy) {
          const opener = rc.flow.nodes.get(token.session.nodeId)?.name ?? token.session.nodeId;
          rewind(token);
          rc.logs.add(rc.runId, rec.index, node.id, 'info', `The record's page was lost (the run stopped or the studio restarted): its steps from "${opener}" run again to reopen it.`, null, masker);
          continue;
        }
        sessionLost = { error: sessionLostError(rc.flow, token.session, node.name), retryFrom: rewound(token) };
      }
    }
    const scope = stateScopeOf(node, rc.runId, rc.flowId);
    // A stateful node's steps run one at a time, from reading its state to committing the step.
    let unlock: (() => void) | null = scope ? await rc.stateLocks.acquire(`${scope}\u0000${node.id}`) : null;
    try {
      const attempt = (token.attempts ?? 0) + 1;
      const evidence: string[] = [];
      const t0 = Date.now();
      const started = isoAt(t0);
      rc.live.stepStarted(node.id);
      rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'start' });

      let outcome: StepOutcome;
      const inDoubt = cp.inFlight?.tokenId === token.id ? cp.inFlight : null;
      const doubt = inDoubt ? await resolveInDoubt(node, token) : null;
      cp.inFlight = null;
      if (sessionLost) {
        outcome = { ok: false, cancelled: false, error: sessionLost.error };
      } else if (doubt && doubt.verdict !== 'did-not-happen') {
        outcome = doubt.outcome;
        rc.logs.add(rc.runId, rec.index, node.id, 'warn', doubt.verdict === 'happened' ? `${node.name} was interrupted before it committed; its post-check says it happened, so it is not run again.` : `${node.name}: ${outcome.ok ? '' : outcome.error.message}`, null, masker);
      } else {
        outcome = await attemptStep(rc, rec, cp, node, token, attempt, evidence, startedAt, shared, scope, masker);
        if (node.def.session === 'opens') sessionOpen = true;
      }
      if (outcome.ok) {
        // A step may not split the record (or the run) past the flow's fan-out limits.
        const refused = fanOutRefusal(rc, rc.flow.doc.settings, node.name, tokensCreated(node, outcome.result.emit));
        if (refused) outcome = { ok: false, cancelled: false, error: refused };
      }
      let state: ReturnType<typeof stateWrites> = [];
      if (outcome.ok && scope) {
        try {
          state = stateWrites(scope, node.id, outcome.result.state);
        } catch (err) {
          outcome = { ok: false, cancelled: false, error: { code: 'E_NODE_BAD_RESULT', message: `Node "${node.name}" returned state the store cannot keep: ${(err as Error).message}.`, hint: 'The node type is faulty: report it to whoever maintains it.', transient: false } };
        }
      }
      // What is told to people (error, end reason) is masked here; the data the step emitted goes on
      // to the next step exactly as it is, and only its stored copies (step row, checkpoint) are masked.
      outcome = maskTold(masker, outcome);
      if (!outcome.ok && outcome.cancelled) {
        // Stopped mid-step: nothing is committed, the record resumes from its last checkpoint
        // (an unsafe step keeps its in-flight mark: whether it happened is then in doubt).
        rc.live.stepEnded(node.id, 'cancelled');
        rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'end' });
        return { end: 'halted' };
      }
      cp.inFlight = null;

      // The record's first commit past a trigger whose step it did not run: it counts that step (`entered`).
      const entered = cp.entered === true;
      // Undefined rather than deleted: a deleted key would turn the checkpoint into a slow dictionary
      // object for the rest of the walk (JSON leaves an undefined key out, step-frame.ts too).
      if (entered) cp.entered = undefined;
      const seq = ++cp.seq;
      const t1 = Date.now();
      const step: StepRow = {
        runId: rc.runId,
        recordIndex: rec.index,
        seq,
        tokenId: token.id,
        nodeId: node.id,
        nodeType: node.def.type,
        attempt,
        status: outcome.ok ? 'success' : 'failed',
        ...stepInput(token, masker),
        output: outcome.ok ? masker.maskJson(outcome.result.emit) : [],
        error: outcome.ok ? null : outcome.error,
        evidence,
        startedAt: started,
        endedAt: isoAt(t1),
        durationMs: t1 - t0,
      };

      let lastData: RecordData = token.data;
      // How the step's node counts it: a failure that sent the record to review is not counted failed.
      let counted: CountedAs = step.status;
      let retryIn = 0;
      let stopRun: StepErrorInfo | null = null;
      if (outcome.ok) {
        lastData = advance(rc.flow, cp, token, outcome.result.emit, seq, outcome.result.end?.status).lastData;
        // An End step that ends the record failed or for review: its error says so (a path that an error
        // port led here keeps the failure that routed it, set by `advance`).
        if (outcome.result.end && !token.errorPath) {
          const ended = endedByStep(outcome.result.end.status, outcome.result.end.reason, node);
          if (ended) cp.lastError = ended;
        }
        if (outcome.result.end?.reason) {
          cp.lastReason = outcome.result.end.reason;
          rc.logs.add(rc.runId, rec.index, node.id, 'info', outcome.result.end.reason, null, masker);
        }
      } else {
        const decision = decideFailure(node.policy, outcome.error, attempt, (node.next.get('error') ?? []).length > 0);
        const error = decision.error;
        step.error = error;
        const failure: RecordError = { ...error, nodeId: node.id };
        const say = (level: LogLevel, what: string) => rc.logs.add(rc.runId, rec.index, node.id, level, `${node.name} failed (${error.code}): ${error.message}${what}`, null, masker);
        switch (decision.kind) {
          case 'stop':
            // The record stays where it is: after the cause is fixed, Resume runs this step again.
            token.attempts = attempt;
            stopRun = { ...error, hint: `A rule of step "${node.name}" stops the run on this error. ${error.hint}` };
            say('error', ' — the run stops safely.');
            break;
          case 'retry':
            token.attempts = attempt;
            retryIn = decision.delayMs;
            say('warn', ` — retrying in ${retryIn} ms (attempt ${attempt + 1}).`);
            break;
          case 'review':
          case 'skip': {
            const endedAs = decision.kind === 'review' ? 'needs_review' : 'skipped';
            keepForRetry(cp, sessionLost?.retryFrom ?? token, endedAs);
            endToken(cp, token, endedAs);
            if (decision.kind === 'review') {
              cp.lastError = failure;
              counted = 'review';
            }
            say(decision.kind === 'review' ? 'warn' : 'info', decision.kind === 'review' ? ' — sent to review.' : ' — skipped.');
            break;
          }
          case 'error-port':
            routeToErrorPort(rc, cp, token, node, failure, seq);
            say('warn', ' — continuing on its error path.');
            break;
          case 'fail':
            keepForRetry(cp, sessionLost?.retryFrom ?? token, 'failed');
            endToken(cp, token, 'failed');
            cp.lastError = failure;
            say('error', '');
        }
      }

      // Finished when nothing can run: tokens left parked at a collect wait for a member held for review.
      const finished = nextRunnable(cp) === undefined;
      const nextStatus: RecordStatus = finished ? recordStatus(cp.outcomes) : 'running';
      // A finished record ends when its last step did.
      const endedAt = finished ? step.endedAt : null;
      const update: RecordUpdate = {
        runId: rc.runId,
        index: rec.index,
        status: nextStatus,
        // While it runs, a record that fanned out writes only what changed (linear in the fan-out).
        ...(finished ? { checkpoint: masker.maskJson(finalCheckpoint(cp, nextStatus)) } : checkpointWrite(cp, masker, token.id)),
      };
      if (entered) update.entered = rc.flow.trigger.id;
      if (counted === 'review') update.sentToReview = true;
      if (finished || firstCommit) {
        update.output = finished ? masker.maskJson(lastData) : null;
        update.error = nextStatus === 'failed' || nextStatus === 'needs_review' ? (cp.lastError ?? null) : null;
        update.startedAt = startedAt;
        update.endedAt = endedAt;
        if (finished) update.reason = cp.lastReason ?? null;
        firstCommit = false;
        // Its start goes with this commit: no mark to write (nor to keep the record's data alive for).
        if (marks.start) {
          cancelStart(marks.start);
          marks.start = null;
        }
      }
      const from: RecordStatus = startEvent ? 'pending' : 'running';
      if (finished || startEvent) {
        update.event = { at: endedAt ?? started, from, to: nextStatus, actor: 'engine', action: finished ? 'finished' : 'started', note: null, data: null };
        startEvent = false;
      }
      // The record table (server/contract/status.ts) allows the change, or nothing is committed.
      checkRecordTransition(update, finished ? 'finish' : from === 'pending' ? 'start' : 'step', from, nextStatus);
      await rc.store.commitStep(step, update, state);
      unlock?.();
      unlock = null;
      rc.live.stepEnded(node.id, counted);
      rc.emit({ type: 'step', runId: rc.runId, nodeId: node.id, phase: 'end', status: step.status, nodeType: node.def.type, durationMs: step.durationMs });
      if (finished) {
        const terminal = nextStatus as TerminalStatus;
        setStatus(rc, rec.index, status, terminal);
        // A line for the records that need a look (failed, held for review); a success or skip is in the
        // record's status and times already. One line per record was 8 % of a run's CPU on one-step
        // records (a log row, its journal bytes and its event: no-op step, 10,000 records), and a
        // 100,000-record run's log was 100,000 lines of "ended: success" around the few that matter.
        if (terminal === 'failed' || terminal === 'needs_review') {
          const ms = Date.parse(endedAt!) - Date.parse(startedAt);
          rc.logs.add(rc.runId, rec.index, null, terminal === 'failed' ? 'error' : 'info', `Record #${rec.index + 1} ended: ${terminal} (${ms} ms)`, null, masker);
        }
        return { end: 'finished', status: terminal };
      }
      if (stopRun) {
        rc.requestSafeStop(stopRun);
        return { end: 'halted' };
      }
      if (retryIn > 0 && !(await sleep(retryIn, rc.signal))) return { end: 'halted' };
    } finally {
      unlock?.();
    }
  }
  // Only reached when a record had nothing left to run (e.g. resumed after its last commit).
  return { end: 'finished', status: recordStatus(cp.outcomes) };
}

/** Required inputs and pre-check, then the node itself (marked in flight first if it is unsafe), then the post-check. */
async function attemptStep(
  rc: RunContext,
  rec: Pick<RecordRow, 'index'>,
  cp: RecordCheckpoint,
  node: CompiledNode,
  token: TokenState,
  attempt: number,
  evidence: string[],
  startedAt: string,
  shared: RecordShared,
  scope: string | null,
  masker: Masker,
): Promise<StepOutcome> {
  const policy = node.policy;
  // Most steps have no checks: no await (a promise and a turn of the microtask queue) for them.
  const refused = policy.requiredInputs?.length || policy.preCheck ? await checkBefore(policy, node.name, token.data) : null;
  if (refused) return { ok: false, cancelled: false, error: refused };
  if (node.def.effect === 'unsafe') {
    cp.inFlight = { tokenId: token.id, nodeId: node.id, attempt, startedAt: isoNow() };
    await rc.store.updateRecord({ runId: rc.runId, index: rec.index, status: 'running', ...checkpointWrite(cp, masker, token.id), startedAt });
  }
  const outcome = await runStep({
    node,
    input: token.data,
    collected: token.collected,
    attempt,
    runSignal: rc.signal,
    services: new StepServices(rc, rec.index, node, masker, evidence, cp.seq + 1, token.id),
    network: rc.network,
    resources: shared.resources,
    state: scope ? stateAccess(rc.store, scope, node.id) : NO_STATE,
    run: shared.run,
    record: shared.record,
    watch: rc.watch,
  });
  if (!outcome.ok || !policy.postCheck) return outcome;
  const first = outcome.result.emit[0]?.data ?? token.data;
  const unmet = await checkAfter(node.policy, node.name, token.data, first);
  return unmet ? { ok: false, cancelled: false, error: unmet } : outcome;
}

type Doubt = { verdict: 'happened' | 'unknown'; outcome: StepOutcome } | { verdict: 'did-not-happen' };

/**
 * An unsafe step started before a crash and never committed. Its post-check decides: it holds →
 * the step happened; it does not → safe to run again. Without a post-check a person decides.
 */
async function resolveInDoubt(node: CompiledNode, token: TokenState): Promise<Doubt> {
  if (node.policy.postCheck?.trim()) {
    const unmet = await checkAfter(node.policy, node.name, token.data, token.data, { inDoubt: true });
    if (!unmet) return { verdict: 'happened', outcome: { ok: true, result: { emit: [{ port: node.def.outputs[0]?.id ?? 'out', data: token.data }] } } };
    if (unmet.code === 'E_POSTCHECK_FAILED') return { verdict: 'did-not-happen' };
    return { verdict: 'unknown', outcome: { ok: false, cancelled: false, error: unmet } };
  }
  const error: StepErrorInfo = {
    code: 'E_IN_DOUBT',
    message: `Step "${node.name}" changes things outside Conveyor and was interrupted (crash or stop) before it finished: it may or may not have happened, so it is not run again automatically.`,
    hint: 'Check whether it happened (see the evidence and the target system), then resolve the record or retry it. A post-check on the step lets Conveyor decide by itself next time.',
    transient: false,
  };
  return { verdict: 'unknown', outcome: { ok: false, cancelled: false, error } };
}

/** The failing token is kept so that "retry from the failed step" can put it back. */
function keepForRetry(cp: RecordCheckpoint, token: TokenState, endedAs: TerminalStatus): void {
  (cp.retry ??= []).push({ ...token, attempts: 0, waiting: false, endedAs });
}

/**
 * A finished record keeps its checkpoint if there is something to retry from; a record that fanned out
 * keeps the outcomes of its paths (how many results succeeded or failed, for the grouped progress).
 */
function finalCheckpoint(cp: RecordCheckpoint, status: RecordStatus): RecordCheckpoint | null {
  if ((status === 'failed' || status === 'needs_review' || status === 'skipped') && cp.retry?.length) return cp;
  if (cp.outcomes.length > 1) return { tokens: [], groups: [], nextTokenId: cp.nextTokenId, nextGroupId: cp.nextGroupId, seq: cp.seq, outcomes: cp.outcomes };
  return null;
}

/**
 * Sends the failing token down the node's error port. The new tokens remember the failure and the
 * token as it was before the step: if their path does not recover, the record keeps this error and
 * a retry resumes at this step (see `holdErrorPath` in token-graph.ts).
 */
function routeToErrorPort(rc: RunContext, cp: RecordCheckpoint, token: TokenState, node: CompiledNode, error: RecordError, seq: number): void {
  const data: RecordData = { ...token.data, error: { code: error.code, message: error.message, hint: error.hint, nodeId: node.id } };
  const failed: TokenState = { ...token, attempts: 0, waiting: false };
  advance(rc.flow, cp, token, [{ port: 'error', data }], seq, undefined);
  for (const t of cp.tokens) {
    if (t.fromStep !== seq) continue;
    // The error token's data was made here, not by the step: store it as the next step's own input.
    t.fromStep = null;
    t.errorPath = { error, token: failed };
  }
}

/** How many tokens a step's emissions make (one per emission and edge of its port). */
function tokensCreated(node: CompiledNode, emit: Array<{ port: string }>): number {
  let n = 0;
  for (const e of emit) n += node.next.get(e.port)?.length ?? 0;
  return n;
}

/** Inputs are stored (masked) only when they are not simply the output of an earlier step (`inputFrom`). */
function stepInput(token: TokenState, masker: Masker): Pick<StepRow, 'input' | 'inputFrom'> {
  if (token.collected) return { input: masker.maskJson(token.collected), inputFrom: null };
  if (token.fromStep === null) return token.id === 1 ? { input: null, inputFrom: 0 } : { input: masker.maskJson(token.data), inputFrom: null };
  return { input: null, inputFrom: token.fromStep };
}

function setStatus(rc: RunContext, index: number, from: RecordStatus, to: RecordStatus): void {
  rc.live.moveRecord(from, to);
  rc.emit({ type: 'record', runId: rc.runId, index, status: to });
}

/**
 * The step's result with what it tells people masked (its error, an End node's reason). Its
 * emissions are left alone: they are the data the next step works on.
 */
function maskTold(masker: Masker, outcome: StepOutcome): StepOutcome {
  if (!masker.active) return outcome;
  if (!outcome.ok) return { ...outcome, error: masker.maskError(outcome.error) };
  const { end } = outcome.result;
  if (end?.reason === undefined) return outcome;
  return { ok: true, result: { ...outcome.result, end: { ...end, reason: masker.mask(end.reason) } } };
}
