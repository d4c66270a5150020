import { RECORD_ACTIONS, isActive, isFinished, isResumable } from '../contract/status.ts';
import path from 'node:path';
import type { RunInput } from '../../nodes/sdk/types.ts';
import { NodeError, type StepErrorInfo } from '../contract/node-error.ts';
import { triggerRecords, type ReadRecords } from './trigger-records.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import type { ConditionalWrite, RecordRow, RunHalt, RunPatch, RunRow, RunStatus, StatusCounts, StepRow, Store } from '../store/types.ts';
import { crashHaltStart, haltClosed, haltedMsOf, haltOpened } from './run-halts.ts';
import { ConveyorError } from '../errors.ts';
import { checkRunTransition, moveRunStatus, writeRunStatus } from './run-transition.ts';
import { isStoreWriteError, type StoreWriteFailure } from '../store/write-failure.ts';
import { compileFlow, type CompiledFlow } from './compiled-flow.ts';
import { entryTriggerOf, withEntryStep, type EntryTrigger } from './entry-step.ts';
import type { EngineEvent, EngineListener } from './events.ts';
import { BatchFeed } from './batch-feed.ts';
import { LiveRun, emptyCounts, nodeCounters, type NodeCounters } from './live-run.ts';
import { LogBuffer } from './log-buffer.ts';
import { walkRecord, type RunContext } from './record-walker.ts';
import { KeyClaims, keyGate, planIdempotency } from './idempotency.ts';
import { SafeStopWindow } from './safe-stop.ts';
import { Resources } from '../../nodes/sdk/resources.ts';
import { networkPolicy } from '../../nodes/sdk/network.ts';
import { newRunId } from './run-id.ts';
import { WorkerRuns } from './worker-runs.ts';
import type { CredentialSource } from './credentials.ts';
import { SecretMasker } from './secret-masker.ts';
import { StateLocks } from './node-state.ts';
import { sleep } from './sleep.ts';
import { runGroups, type RunGroups } from './run-groups.ts';
import { flowCalls, type CallerSettings, type ChildRunHost } from './child-runs.ts';
import { StallWatch, stallFromEnv, type RunProgress } from './stall-watch.ts';
import { graceFromEnv, type StepWatch } from './watchdog.ts';
import { applyReviewAction, checkReviewRequest, type ReviewAction, type ReviewItem, type ReviewOptions, type ReviewResult } from './review-actions.ts';
import { isoAt } from './iso-time.ts';
import type { RunSummary, StepCounts } from '../contract/wire/runs.ts';
import type { ActiveRunInfo } from '../contract/wire/monitoring.ts';
import { keepFilesApart } from '../flow/kept-files.ts';
export type { ActiveRunInfo };
export type { RunSummary };

export interface EngineOptions {
  store: Store;
  registry: NodeRegistry;
  dataDir: string;
  /** The credential vault behind `ctx.credentials` (without it, steps find no credential). */
  credentials?: CredentialSource;
  /** Tracked mail behind `ctx.tracking` (server/tracking; without it, send steps cannot track). */
  tracking?: RunContext['tracking'];
  /** The watchdog: grace after a step's timeout, and how long a run may make no progress (watchdog.ts, stall-watch.ts). */
  watchdog?: { graceMs?: number; stallMs?: number; checkMs?: number; now?: () => number };
  /**
   * Whether this process executes the records of the runs it starts and resumes (default true).
   * false: the studio beside `npx conveyor worker` processes (PostgreSQL store): runs are stored
   * running and the workers take their records; pause and stop are asked through the run's status
   * and the workers settle it (server/worker). See docs/architecture.md, "Scaling out".
   */
  execute?: boolean;
  /** Locks of stateful steps (default: this process's own); workers share theirs through PostgreSQL (server/worker). */
  stateLocks?: StateLocks;
}

/** Records of one run a worker claimed, walked by this engine (`Engine.executeClaimed`). */
export interface ClaimedBatch {
  /** Settles when every record of the batch is finished or halted; the run's status is not written. */
  done: Promise<void>;
  /** Pause: the records finish their current step and stop there. Stop: their steps are cancelled too. */
  halt(kind: 'pause' | 'stop'): void;
  /**
   * An open batch only: more claimed records of the run (with their pacing slots) for the walkers
   * under way. False once the batch is closed, halted or over: the caller keeps them (its claims).
   */
  add(records: QueuedRecord[], starts?: ReadonlyMap<number, number>): boolean;
  /** No more records will be added: `done` settles once those taken have ended. */
  close(): void;
}

/** How a claimed record's walk ended, as told to the worker (`onEnded`): finished (its claim is gone with its last commit), or not. */
export type ClaimedEnd = 'finished' | 'halted' | 'abandoned' | 'unwritten';

export interface StartOptions {
  input?: RunInput;
  concurrency?: number;
  /** Process records whose business key already succeeded in an earlier run. */
  reprocess?: boolean;
  /** The id of the uploaded file the input comes from (kept in the run's settings: retention keeps the file while the run exists). */
  upload?: string;
  /** A run started by a Run flow step: its id (derived from the calling step) and its caller. */
  child?: { id: string; settings: CallerSettings };
  /**
   * The run's id, decided before it starts: a schedule's tick claims its run id with the tick
   * (tick-claims.ts), so a studio taking over a claimed tick starts the very same run, and the
   * runs table's key refuses a second one.
   */
  runId?: string;
}

interface ActiveRun {
  row: RunRow;
  flow: CompiledFlow;
  live: LiveRun;
  abort: AbortController;
  /**
   * pause/stop: finish (or cancel) the current step; safe_stop: finish the records under way;
   * store: the store cannot write, start no new step (the run ends interrupted with E_STORE_WRITE).
   */
  halt: 'pause' | 'stop' | 'safe_stop' | 'store' | null;
  haltReason: StepErrorInfo | null;
  /** Aborted as soon as any halt is asked: waits between records (pacing) end at once. */
  halted: AbortController;
  /**
   * A worker's batch: the run's status belongs to the workers (server/worker), and a record whose commit `abandon` matches (a lost claim) is left to whoever holds it now.
   * `starts`: the start the workers' shared pacing gave each pending record of a paced run (ms since the epoch; server/worker/claims.ts), used instead of this process's own pacing.
   */
  batch?: { abandon(err: unknown): boolean; starts?: Map<number, number>; feed?: BatchFeed; slots?: number; onEnded?(index: number, end: ClaimedEnd): void };
  /** The secrets its steps resolved: masked in every log line, step, record and event of the run. */
  masker: SecretMasker;
  done: Promise<void>;
}


/**
 * Runs flows over records. Pure TypeScript: it talks to a Store and a NodeRegistry and tells
 * listeners what happens; HTTP, Socket.IO and the CLI are adapters around it.
 */
export class Engine {
  private readonly listeners = new Set<EngineListener>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly logs: LogBuffer;
  private readonly stateLocks: StateLocks;
  /** Business keys of the records walking now, across this engine's runs (idempotency.ts). */
  private readonly keyClaims = new KeyClaims();
  /**
   * Runs halted by a store write failure whose state (status, reason, end) the store could not take
   * yet: served from memory (summary, events) and written once the store writes again.
   */
  private readonly unsaved = new Map<string, RunRow>();
  /**
   * Review actions on one record take turns: two at once (a double click) both found it open and
   * both were written — two retries in its history, "ok" answered to both. The second now finds it
   * as the first left it and is refused (E_REVIEW_NOT_OPEN), as when sent after it.
   */
  private readonly reviewLocks = new StateLocks();
  /** Runs a Resume is under way for, and when it is decided: a second one at once is refused, a Stop waits for it (see `resume`, `stop`). */
  private readonly resuming = new Map<string, Promise<unknown>>();
  private readonly stall: StallWatch;
  /** Beside workers (`execute: false`): the runs they execute, as relayed here. */
  private readonly workerRuns: WorkerRuns | null;
  private readonly graceMs: number;

  constructor(private readonly opts: EngineOptions) {
    this.workerRuns = opts.execute === false ? new WorkerRuns(opts.store) : null;
    this.stateLocks = opts.stateLocks ?? new StateLocks();
    this.logs = new LogBuffer(opts.store, (e) => this.emit(e), undefined, undefined, (runId) => this.active.get(runId)?.masker);
    this.graceMs = opts.watchdog?.graceMs ?? graceFromEnv();
    this.stall = new StallWatch({ stallMs: opts.watchdog?.stallMs ?? stallFromEnv(), checkMs: opts.watchdog?.checkMs, now: opts.watchdog?.now }, {
      onStall: (run, quietMs) => this.logs.add(run.runId, null, null, 'warn', `No progress for ${Math.round(quietMs / 1000)} s (E_RUN_STALLED): no step started or ended and no record changed status. A step may be hanging without a timeout; see docs/operations.md, "Watchdog".`, { code: 'E_RUN_STALLED' }),
      onRecover: (run) => this.logs.add(run.runId, null, null, 'info', 'The run makes progress again.'),
    });
    opts.store.onWriteState?.((failure) => (failure ? this.storeFailed(failure) : this.storeRestored()));
  }

  /** The store's write failure (a full or read-only disk), or null while it writes. */
  storeWriteFailure(): StoreWriteFailure | null {
    return this.opts.store.writeFailure?.() ?? null;
  }

  /** The store cannot write: every active run starts no new step and ends interrupted, saying why. */
  private storeFailed(failure: { code: string; message: string; hint: string }): void {
    const reason: StepErrorInfo = { code: failure.code, message: failure.message, hint: failure.hint, transient: true };
    for (const run of this.active.values()) this.haltForStore(run, reason);
  }

  private haltForStore(run: ActiveRun, reason: StepErrorInfo): void {
    if (run.halt === 'store' || run.haltReason?.code === 'E_STORE_WRITE') return;
    // A run being stopped ends stopped; any other ends interrupted. Either way the reason tells why.
    const stopping = run.halt === 'stop';
    if (!stopping) haltRun(run, 'store');
    run.haltReason = reason;
    if (!stopping) this.keepStatus(run, 'interrupted', reason);
    this.logs.add(run.row.id, null, null, 'error', `${reason.message} ${reason.hint}`);
  }

  /** A status the store could not take (it cannot write): kept in memory and told, written later. */
  private keepStatus(run: ActiveRun, status: RunStatus, reason: RunRow['reason'], endedAt?: string | null, halts?: RunHalt[]): void {
    checkRunTransition(run.row.id, run.row.status, status);
    if (reason) reason = run.masker.maskError(reason);
    run.live.status = status;
    run.live.reason = reason;
    run.row = { ...run.row, status, reason, ...(endedAt !== undefined ? { endedAt } : {}), ...(halts ? { halts } : {}) };
    this.unsaved.set(run.row.id, run.row);
    this.emit({ type: 'run', runId: run.row.id, status, reason });
  }

  /** The store writes again: the states kept in memory are written, and the buffered log lines. */
  private storeRestored(): void {
    for (const [id, row] of this.unsaved) {
      if (this.active.has(id)) continue;
      // The change was checked when the status was kept (keepStatus); the store only catches up.
      writeRunStatus(this.opts.store, id, row.status, { status: row.status, reason: row.reason, endedAt: row.endedAt, ...(row.halts ? { halts: row.halts } : {}) })
        .then(() => {
          if (this.unsaved.get(id) === row) this.unsaved.delete(id);
        })
        .catch(() => undefined);
    }
    void this.logs.flush();
  }

  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What another process's engine did (a worker, relayed by server/worker/event-relay.ts): told to this engine's listeners. */
  relay(event: EngineEvent): void {
    this.workerRuns?.note(event);
    for (const l of this.listeners) l(event);
  }

  private emit(event: EngineEvent): void {
    if (event.type !== 'log') this.stall.progress(event.runId);
    if (event.type === 'run' && event.reason) {
      const masker = this.active.get(event.runId)?.masker;
      if (masker?.active) event = { ...event, reason: masker.maskError(event.reason) };
    }
    for (const l of this.listeners) l(event);
  }

  /** Marks runs that a dead process left in flight, so the operator can resume them. */
  async recover(): Promise<RunRow[]> {
    // Beside workers, a running run is theirs to execute: the studio's restart interrupts nothing.
    if (this.opts.execute === false) return [];
    const stale = await this.opts.store.listRunsWithStatus(['running', 'pausing', 'stopping']);
    const lastWrite = this.opts.store.lastWriteBeforeOpen?.() ?? null;
    for (const run of stale) {
      const status: RunStatus = run.status === 'pausing' ? 'paused' : run.status === 'stopping' ? 'stopped' : 'interrupted';
      const reason = status === 'interrupted'
        ? { code: 'E_RUN_INTERRUPTED', message: 'The server stopped while this run was going.', hint: 'Press Resume: the run continues from its last committed steps.', transient: true }
        : run.reason;
      try {
        // Halted since the store was last written before this start (about when the server stopped),
        // else from now (run-halts.ts, `crashHaltStart`).
        await writeRunStatus(this.opts.store, run.id, run.status, { status, reason, halts: haltOpened(run.halts, crashHaltStart(run, lastWrite, new Date().toISOString())) });
      } catch (err) {
        // The disk is still full: the studio starts anyway, the run shows why, and is written later.
        if (!isStoreWriteError(err)) throw err;
        this.unsaved.set(run.id, { ...run, status, reason: storeReason(err) });
      }
    }
    return stale;
  }

  async startRun(given: FlowDocument, options: StartOptions = {}): Promise<RunRow> {
    // Files chosen in node forms kept in the store, not copied into the run (a flow file run by the CLI carries them).
    const doc = await keepFilesApart(given, this.opts.registry, this.opts.store);
    const flow = compileFlow(doc, this.opts.registry);
    const { records, rejects, rows } = await this.readRecords(flow, options.input);
    if (records.length === 0) {
      const why = rejects.length ? `All ${rejects.length} rows were rejected (the first: row ${rejects[0].row}, ${rejects[0].message}).` : 'The run has no records to process.';
      throw new ConveyorError('E_NO_RECORDS', why, rejects.length ? 'Run a dry check to see every rejected row, fix the file or the rules, then start again.' : 'Type or paste records in the run dialog or in the trigger\'s form, then start again.', 422);
    }
    const concurrency = options.concurrency ?? doc.settings.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new ConveyorError('E_SETTINGS_INVALID', `Concurrency must be a whole number from 1 to 256 (got ${concurrency}).`, 'Fix the concurrency in the run settings.', 422);
    }
    const now = new Date().toISOString();
    const row: RunRow = {
      id: options.child?.id ?? options.runId ?? newRunId(),
      flowId: doc.id,
      flowName: doc.name,
      flow: doc,
      status: 'running',
      settings: { concurrency, businessKey: doc.settings.businessKey ?? null, reprocess: options.reprocess ?? false, safeStop: doc.settings.safeStop ?? null, ...(options.upload ? { upload: options.upload } : {}), ...(rejects.length ? { rejectedRows: rejects.length } : {}), ...(this.opts.execute === false ? { executor: 'workers' as const } : {}), ...options.child?.settings },
      recordCount: records.length,
      reason: null,
      createdAt: now,
      startedAt: now,
      endedAt: null,
    };
    const plan = await planIdempotency(this.opts.store, doc.id, row.id, records, doc.settings.businessKey, options.reprocess ?? false, rows);
    await this.opts.store.createRun(row, records, { ...plan, rejects, rows });
    const counts = emptyCounts();
    const settled = new Set((plan.settled ?? []).map((s) => s.index));
    counts.pending = records.length - settled.size;
    counts.skipped = settled.size;
    const queue: QueuedRecord[] = [];
    records.forEach((data, index) => {
      if (!settled.has(index)) queue.push({ index, data, status: 'pending', checkpoint: null, startedAt: null });
    });
    if (this.opts.execute !== false) this.launch(row, flow, new LiveRun('running', counts, [...flow.nodes.keys()]), queue);
    this.emit({ type: 'run', runId: row.id, status: 'running', reason: null });
    const extra = [rejects.length ? `${rejects.length} rejected before the run` : '', settled.size ? `${settled.size} skipped as already done or duplicate` : ''].filter(Boolean).join(', ');
    this.logs.add(row.id, null, null, 'info', `Run started: ${records.length} record${records.length === 1 ? '' : 's'}, concurrency ${concurrency}${extra ? ` (${extra})` : ''}.`);
    return row;
  }

  private async readRecords(flow: CompiledFlow, input: RunInput | undefined): Promise<ReadRecords> {
    try {
      return await triggerRecords(flow.trigger.def, flow.trigger.params, input);
    } catch (err) {
      if (err instanceof NodeError) throw new ConveyorError(err.code, err.message, err.hint, 422);
      throw err;
    }
  }

  async pause(runId: string): Promise<RunSummary> {
    // As Stop: a Resume under way decides first, then this Pause pauses the run it set going.
    await this.resuming.get(runId);
    const halted = this.storeHalted(runId);
    if (halted) throw haltedByStore(runId, halted, 'pause');
    if (this.opts.execute === false) {
      return this.untilDecided(runId, 'pause', async () => {
        const row = await this.runOrThrow(runId);
        // Asked again (a double click, or on another studio) while it pauses: answered as below, when this process executes it.
        if (row.status === 'pausing') return this.summary(runId);
        if (row.status !== 'running') throw notRunning(runId, row.status, 'pause');
        return this.askWorkers(row, 'pausing');
      });
    }
    const run = await this.activeOrThrow(runId, 'pause');
    // Pause asked again (a double click) while it pauses: answered like Stop asked again, not
    // refused as "running, so it cannot pause" (its status is written a moment later).
    if (run.halt === 'pause') return this.summary(runId);
    if (run.halt) throw notRunning(runId, run.halt === 'stop' ? 'stopping' : run.live.status, 'pause');
    haltRun(run, 'pause');
    await this.setStatusOrKeep(run, 'pausing', null);
    return this.summary(runId);
  }

  /** The run's state when a store write failure halted it and it was not resumed since, else null. */
  private storeHalted(runId: string): RunRow | null {
    const run = this.active.get(runId);
    if (run) return run.halt === 'store' || (run.halt === 'stop' && run.haltReason?.code === 'E_STORE_WRITE') ? run.row : null;
    const row = this.unsaved.get(runId);
    return row?.reason?.code === 'E_STORE_WRITE' ? row : null;
  }

  async stop(runId: string): Promise<RunSummary> {
    // A Resume under way read the run stopped (or paused) and is launching it: this Stop read it
    // so too and answered "stopped" while the run went on. It stops what that Resume decides.
    await this.resuming.get(runId);
    const run = this.active.get(runId);
    if (!run) return this.untilDecided(runId, 'stop', () => this.stopNotExecuting(runId));
    if (run.halt === 'stop') return this.summary(runId);
    const byStore = run.halt === 'store';
    haltRun(run, 'stop');
    run.abort.abort();
    if (byStore) {
      // Halted by the store already: only the steps under way (now cancelled) are left to end. The
      // run stays interrupted meanwhile (an interrupted run is never "stopping" in the status table)
      // and becomes stopped when they have.
      await run.done;
      // It may have ended interrupted just before the Stop: stop it as a run that is not executing.
      return this.stop(runId);
    } else await this.setStatusOrKeep(run, 'stopping', null);
    return this.summary(runId);
  }

  /** Stop of a run this process does not execute (at rest, or beside workers); null: it changed meanwhile, decide again. */
  private async stopNotExecuting(runId: string): Promise<RunSummary | null> {
    const row = this.unsaved.get(runId) ?? (await this.runOrThrow(runId));
    // Stop asked again (a double click, a retry after an error, another studio): the run is stopped, or stops, say so.
    if (row.status === 'stopped') return this.summary(runId);
    if (this.opts.execute === false && row.status === 'stopping') return this.summary(runId);
    if (this.opts.execute === false && (row.status === 'running' || row.status === 'pausing')) return this.askWorkers(row, 'stopping');
    if (row.status !== 'paused' && row.status !== 'interrupted' && row.status !== 'safe_stopped') throw notRunning(runId, row.status, 'stop');
    const endedAt = new Date().toISOString();
    const stopped: RunRow = { ...row, status: 'stopped', endedAt };
    const wasUnsaved = this.unsaved.has(runId);
    // Kept as stopped first: if this very write tells the store writes again, what storeRestored
    // writes after it is this stopped state, not the older one.
    if (wasUnsaved) this.unsaved.set(runId, stopped);
    try {
      if (wasUnsaved) await writeRunStatus(this.opts.store, runId, row.status, { status: 'stopped', endedAt, reason: row.reason });
      // Written only if it is still at rest as read: resumed meanwhile on another studio, its workers are asked to stop it instead.
      else if (!(await moveRunStatus(this.opts.store, runId, row.status, { status: 'stopped', endedAt })).written) return null;
      if (this.unsaved.get(runId) === stopped) this.unsaved.delete(runId);
    } catch (err) {
      // The store cannot write: stopped in memory now, written once it writes again.
      if (!isStoreWriteError(err)) throw err;
      this.unsaved.set(runId, stopped);
    }
    this.emit({ type: 'run', runId, status: 'stopped', reason: row.reason });
    return this.summary(runId);
  }

  /**
   * An operator's action whose status write is conditional (`moveRunStatus`): a null answer means
   * the run changed between the read and the write — on PostgreSQL, another studio or a worker
   * changed it — so the action decides again on what the run is now, as if sent after that change.
   */
  private async untilDecided(runId: string, action: string, attempt: () => Promise<RunSummary | null>): Promise<RunSummary> {
    for (let i = 0; i < 5; i++) {
      const done = await attempt();
      if (done) return done;
    }
    throw new ConveyorError('E_RUN_BUSY', `Run ${runId} kept changing while it was asked to ${action} (other studios or workers acting on it), so nothing was changed.`, 'Refresh the page to see the run\'s current status and act from there.', 409);
  }

  /**
   * One Resume of a run at a time: two at once (a double click, two operators) both passed the
   * checks while the run's row was read and launched the run twice — its first records' steps,
   * calls to other services included, executed twice. The second is refused as busy. Beside other
   * studios (PostgreSQL) this process's set sees only its own requests: the run's status is then
   * written only if it is still the one read (`moveRunStatus`), so of two studios resuming at once
   * one wins and the other is refused the same way.
   */
  async resume(runId: string): Promise<RunSummary> {
    if (this.resuming.has(runId)) {
      throw new ConveyorError('E_RUN_BUSY', `Run ${runId} is being resumed already.`, 'Refresh the page to see the run\'s current status.', 409);
    }
    const resumed = this.resumeOnce(runId);
    this.resuming.set(runId, resumed.catch(() => undefined));
    try {
      return await resumed;
    } finally {
      this.resuming.delete(runId);
    }
  }

  private async resumeOnce(runId: string): Promise<RunSummary> {
    const current = this.active.get(runId);
    if (current && !current.halt) {
      throw new ConveyorError('E_RUN_BUSY', `Run ${runId} is already ${current.live.status}.`, 'Pause or stop it first if you want to resume it later.', 409);
    }
    // Resume pressed while pausing/stopping: let the current steps finish first.
    if (current) await current.done;
    if (this.active.has(runId)) {
      throw new ConveyorError('E_RUN_BUSY', `Run ${runId} was resumed by someone else meanwhile.`, 'Refresh the page to see the run\'s current status.', 409);
    }
    // After a write failure, Resume first reopens the store's journal: 503 E_STORE_WRITE if it cannot
    // (or if the write that marks the run running fails again, below).
    if (this.opts.store.writeFailure?.()) await this.opts.store.recoverWrites?.();
    for (let attempt = 0; ; attempt++) {
      const row = this.unsaved.get(runId) ?? (await this.runOrThrow(runId));
      if (!isResumable(row.status)) {
        throw new ConveyorError('E_RUN_NOT_RESUMABLE', `Run ${runId} is ${row.status}; only paused, stopped, safe-stopped or interrupted runs can be resumed.`, 'Start a new run instead.', 409);
      }
      const moved = await this.continueRun(row);
      if (moved.written) return this.summary(runId);
      if (moved.found === null) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId} (it was deleted meanwhile).`, 'Open the runs list to find the run you meant.', 404);
      // Resumed meanwhile by another studio (or going again by a review Retry there).
      if (isActive(moved.found) || attempt >= 4) {
        throw new ConveyorError('E_RUN_BUSY', `Run ${runId} was resumed by someone else meanwhile (it is ${moved.found} now), so this Resume changed nothing.`, 'Refresh the page to see the run\'s current status.', 409);
      }
      // Still at rest, but otherwise (stopped meanwhile on another studio): resumed from what it is now.
    }
  }

  /**
   * Drives every unfinished record of a run from its checkpoint. The run is marked running only if
   * its status is still `row.status` (another studio may have resumed it meanwhile): not written,
   * nothing is launched and the status found is returned.
   */
  private async continueRun(row: RunRow): Promise<ConditionalWrite<RunStatus>> {
    const runId = row.id;
    const flow = compileFlow(row.flow, this.opts.registry);
    const [counts, steps, unfinished] = await Promise.all([
      this.opts.store.countRecords(runId),
      this.opts.store.stepCounts(runId),
      this.opts.store.unfinishedRecords(runId),
    ]);
    // Records already under way go first: they hold partial work.
    unfinished.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || a.index - b.index);
    // The halt it is resumed from ends now (run-halts.ts).
    const halts = haltClosed(row.halts, new Date().toISOString());
    const going: RunPatch & { status: RunStatus } = { status: 'running', reason: null, endedAt: null, ...(halts ? { halts } : {}) };
    const resumed: RunRow = { ...row, ...going };
    // Not written as halted by storeRestored (told by this very write) after it is written running.
    const unsaved = this.unsaved.get(runId);
    this.unsaved.delete(runId);
    try {
      // A state kept in memory (the store could not write it) is ahead of the store's: written as it is.
      if (unsaved) await writeRunStatus(this.opts.store, runId, row.status, going);
      else {
        const moved = await moveRunStatus(this.opts.store, runId, row.status, going);
        if (!moved.written) return moved;
      }
    } catch (err) {
      if (unsaved && !this.unsaved.has(runId)) this.unsaved.set(runId, unsaved);
      throw err;
    }
    if (this.opts.execute !== false) this.launch(resumed, flow, new LiveRun('running', counts, [...flow.nodes.keys()], steps), unfinished);
    this.emit({ type: 'run', runId, status: 'running', reason: null });
    this.logs.add(runId, null, null, 'info', `Run resumed: ${unfinished.length} record${unfinished.length === 1 ? '' : 's'} left.`);
    return { written: true };
  }

  /**
   * Review queue actions. Each item succeeds or fails on its own; retried records run again (at
   * once if their run has ended, otherwise when the run itself goes on).
   */
  async review(action: ReviewAction, items: ReviewItem[], opts: ReviewOptions = {}): Promise<ReviewResult[]> {
    checkReviewRequest(action, items, opts);
    const results: ReviewResult[] = [];
    const toRun = new Set<string>();
    const flows = new Map<string, ReturnType<typeof compileFlow>>();
    for (const item of items) {
      try {
        let flow = flows.get(item.runId);
        if (!flow) flows.set(item.runId, (flow = compileFlow((await this.runOrThrow(item.runId)).flow, this.opts.registry)));
        const compiled = flow;
        // Steps that change things outside Conveyor, by the run's flow (or their node type's declared effect).
        const unsafeStep = (nodeId: string, nodeType: string): string | null => {
          const node = compiled.nodes.get(nodeId);
          const effect = node?.def.effect ?? this.opts.registry.get(nodeType)?.effect;
          return effect === 'unsafe' ? (node?.name ?? nodeId) : null;
        };
        const release = await this.reviewLocks.acquire(`${item.runId}\u0000${item.index}`);
        const retried = await applyReviewAction(this.opts.store, action, item, opts, compiled.trigger.id, unsafeStep).finally(release);
        if (retried) toRun.add(item.runId);
        // The status the action moves the record to, as the record table says (one per review action).
        this.emit({ type: 'record', runId: item.runId, index: item.index, status: RECORD_ACTIONS[action].to[0] });
        results.push(retried ? { ...item, ok: true, restarted: retried.restarted } : { ...item, ok: true });
      } catch (err) {
        const e = err instanceof ConveyorError ? err : new ConveyorError('E_INTERNAL', (err as Error).message, 'Try again.', 500);
        results.push({ ...item, ok: false, error: { code: e.code, message: e.message, hint: e.hint } });
      }
    }
    for (const runId of toRun) {
      // A run that moves takes the retried records, an ended one runs them now (runRetried); one at
      // rest (paused, stopped…) keeps them until its Resume: the answer says so, not "runs again".
      const status = (await this.opts.store.getRun(runId))?.status;
      if (status && status !== 'running' && !isFinished(status)) for (const r of results) if (r.runId === runId && r.ok && r.restarted !== undefined) r.runWaits = status;
      void this.runRetried(runId);
    }
    return results;
  }

  /** Runs records put back by a retry in a run that has ended; an unfinished run picks them up when it goes on. */
  private async runRetried(runId: string): Promise<void> {
    const active = this.active.get(runId);
    if (active) {
      await active.done;
      if (this.active.has(runId)) return;
    }
    const row = await this.opts.store.getRun(runId);
    if (!row || (row.status !== 'completed' && row.status !== 'failed')) return;
    const moved = await this.continueRun(row).catch((err) => {
      this.logs.add(runId, null, null, 'error', `Could not run the retried records: ${(err as Error).message}`);
      return null;
    });
    // Set going meanwhile by another studio (its own Retry, or a Resume): the run takes the retried records as it goes.
    if (moved && !moved.written && !isActive(moved.found)) this.logs.add(runId, null, null, 'warn', `The retried records wait: the run became ${moved.found ?? 'deleted'} meanwhile. Press Resume to run them.`);
  }

  /**
   * Beside workers: Pause or Stop is the run's new status; the workers halt its records and settle
   * it. Written only if the run is still as read (a worker may complete it, another studio stop it,
   * meanwhile): null then, and the caller decides again.
   */
  private async askWorkers(row: RunRow, to: RunStatus): Promise<RunSummary | null> {
    if (!(await moveRunStatus(this.opts.store, row.id, row.status, { status: to })).written) return null;
    this.emit({ type: 'run', runId: row.id, status: to, reason: null });
    return this.summary(row.id);
  }

  /**
   * A worker's share of a running run: walks `records` (claimed by the worker) from their
   * checkpoints like a run's own records, but writes no run status at the end — the workers settle
   * the run together (server/worker/settle.ts). A record whose commit fails with an error `abandon`
   * accepts (its claim was lost to another worker) is dropped, the others go on. `records` is consumed:
   * the slot of each record taken is emptied (a run holds no finished record's data). `open`: the
   * batch takes more records while it runs (`add`, walked by up to `slots` walkers within the run's
   * concurrency) until `close`; each record's end is told to `onEnded`, so the worker claims anew as
   * slots free (server/worker/worker.ts).
   */
  executeClaimed(
    row: RunRow,
    records: QueuedRecord[],
    opts: { abandon(err: unknown): boolean; counts: StatusCounts; steps?: Record<string, StepCounts>; starts?: ReadonlyMap<number, number>; open?: { slots: number; onEnded(index: number, end: ClaimedEnd): void } },
  ): ClaimedBatch {
    if (this.active.has(row.id)) throw new ConveyorError('E_RUN_BUSY', `Run ${row.id} already executes in this process.`, 'Wait for its batch to end.', 409);
    const flow = compileFlow(row.flow, this.opts.registry);
    const feed = opts.open ? new BatchFeed() : undefined;
    // An open batch always has a slot map: the pacer reads the one it is given at the start, and later claims add to it.
    const batch = { abandon: opts.abandon, starts: opts.starts || feed ? new Map(opts.starts ?? []) : undefined, feed, slots: opts.open?.slots, onEnded: opts.open?.onEnded };
    const run = this.launch(row, flow, new LiveRun('running', opts.counts, [...flow.nodes.keys()], opts.steps), records, batch);
    return {
      done: run.done,
      halt: (kind) => {
        if (run.halt) return;
        haltRun(run, kind);
        feed?.wake();
        if (kind === 'stop') run.abort.abort();
      },
      add: (more, starts) => {
        if (!feed || feed.closed || run.halt || this.active.get(row.id) !== run) return false;
        if (starts) for (const [i, at] of starts) batch.starts?.set(i, at);
        records.push(...more);
        feed.wake();
        return true;
      },
      close: () => feed?.close(),
    };
  }

  /** Resolves when the run is no longer executing (completed, paused, stopped or failed). */
  async waitForRun(runId: string): Promise<RunSummary> {
    await this.active.get(runId)?.done;
    return this.summary(runId);
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Whether a run of the flow is executing in this process (running, pausing or stopping). */
  hasActiveRun(flowId: string): boolean {
    for (const run of this.active.values()) if (run.row.flowId === flowId) return true;
    return false;
  }

  async summary(runId: string): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (run) return summarize(run.row, shownStatus(run), run.live.reason && run.masker.maskError(run.live.reason), { ...run.live.counts }, structuredClone(run.live.nodes));
    const row = this.unsaved.get(runId) ?? (await this.runOrThrow(runId));
    const [counts, steps] = await Promise.all([this.opts.store.countRecords(runId), this.opts.store.stepCounts(runId)]);
    const nodes: Record<string, NodeCounters> = {};
    for (const n of row.flow.nodes) nodes[n.id] = nodeCounters(steps[n.id]);
    return summarize(row, row.status, row.reason, counts, nodes);
  }

  /** A record's steps as a person sees them: the stored ones, after its trigger's (entry-step.ts). */
  async recordSteps(record: RecordRow): Promise<StepRow[]> {
    const [steps, run] = await Promise.all([this.opts.store.listSteps(record.runId, record.index), this.opts.store.getRun(record.runId)]);
    return withEntryStep(steps, record, run ? this.entryTrigger(run) : null);
  }

  /** The trigger of a run's flow, as its records' entry steps name it (entry-step.ts); null when its type is unknown here. */
  entryTrigger(run: Pick<RunRow, 'flow'>): EntryTrigger | null {
    return entryTriggerOf(run.flow, this.opts.registry);
  }

  /** Writes the log lines still buffered, so that a read of the run's log has every line emitted so far. */
  async flushLogs(): Promise<void> {
    await this.logs.flush();
  }

  /** Progress per group and item (search groups and terms) of a run whose trigger groups its records; null otherwise. */
  async groups(runId: string): Promise<RunGroups | null> {
    return runGroups(this.opts.store, this.opts.registry, await this.runOrThrow(runId));
  }

  /** The executing runs with their live counters and progress (metrics, alerts). */
  activeRuns(): ActiveRunInfo[] {
    return this.stall.list().flatMap((p) => {
      const run = this.active.get(p.runId);
      return run ? [{ ...p, status: run.live.status, counts: { ...run.live.counts } }] : [];
    });
  }

  /**
   * Every run executing now: this engine's, and beside workers (a studio that does not execute)
   * the runs they execute, with when each last moved as relayed here (worker-runs.ts). The
   * monitor's "run stuck" rule reads this.
   */
  async runningRuns(): Promise<ActiveRunInfo[]> {
    const own = this.activeRuns();
    if (!this.workerRuns) return own;
    const mine = new Set(own.map((r) => r.runId));
    return [...own, ...(await this.workerRuns.list()).filter((r) => !mine.has(r.runId))];
  }

  /** Flags the runs with no progress now (the watchdog's timer does it on its own; tests drive it). */
  checkStalls(): void {
    this.stall.check();
  }

  /** Pauses every active run and waits for their current steps (graceful shutdown). */
  async shutdown(): Promise<void> {
    this.stall.close();
    for (const run of this.active.values()) {
      if (!run.halt) {
        haltRun(run, 'pause');
        await this.setStatus(run, 'pausing', null).catch(() => undefined);
      }
    }
    await Promise.all([...this.active.values()].map((r) => r.done));
    await this.logs.flush();
  }

  private launch(row: RunRow, flow: CompiledFlow, live: LiveRun, queue: QueuedRecord[], batch?: ActiveRun['batch']): ActiveRun {
    const masker = new SecretMasker();
    // What the operator typed into the flow (a site address, a sender domain) is theirs, not a leak.
    masker.spareFlowText([...flow.nodes.values()].map((n) => [n.name, n.params]));
    const run: ActiveRun = { row, flow, live, abort: new AbortController(), halt: null, haltReason: null, halted: new AbortController(), masker, done: Promise.resolve(), batch };
    this.active.set(row.id, run);
    this.stall.track(row.id, row.flowId);
    run.done = this.drive(run, queue).finally(() => {
      this.active.delete(row.id);
      this.stall.untrack(row.id);
    });
    return run;
  }

  /** Walks the records of `queue`, which it consumes (each taken record's slot is emptied). */
  private async drive(run: ActiveRun, queue: QueuedRecord[]): Promise<void> {
    const safeStop = run.row.settings.safeStop ? new SafeStopWindow(run.row.settings.safeStop) : null;
    const requestSafeStop = (reason: StepErrorInfo) => {
      if (run.halt) return;
      haltRun(run, 'safe_stop');
      run.haltReason = reason;
      this.logs.add(run.row.id, null, null, 'error', reason.message);
    };
    const runResources = new Resources((key, err) => this.logs.add(run.row.id, null, null, 'warn', `Could not close ${key}: ${(err as Error).message}`));
    const rc: RunContext = {
      runId: run.row.id,
      flowId: run.row.flowId,
      flow: run.flow,
      store: this.opts.store,
      live: run.live,
      logs: this.logs,
      emit: (e) => this.emit(e),
      evidenceDir: path.join(this.opts.dataDir, 'evidence'),
      signal: run.abort.signal,
      credentials: this.opts.credentials,
      // The flow's allowed hosts as the run started, plus the administrator's CONVEYOR_ALLOW_HOSTS.
      network: networkPolicy(run.row.flow.settings?.allowHosts ?? []),
      masker: run.masker,
      runResources,
      halted: () => run.halt === 'pause' || run.halt === 'stop' || run.halt === 'store',
      requestSafeStop,
      stateLocks: this.stateLocks,
      ...(run.row.settings.businessKey && !run.row.settings.reprocess ? { keyGate: keyGate(this.opts.store, this.keyClaims, run.row.flowId, run.row.id, run.row.settings.businessKey) } : {}),
      tracking: this.opts.tracking,
      flows: (step) => flowCalls(this.childHost, { run: run.row, halted: run.halted.signal, ...step }),
      watch: this.stepWatch(run.row.id),
    };
    let next = 0;
    const pace = await this.pacer(run);
    const feed = run.batch?.feed;
    // Any halt (pause, stop, safe stop, the store) wakes the walkers waiting for more records.
    if (feed) run.halted.signal.addEventListener('abort', () => feed.wake(), { once: true });
    const worker = async () => {
      for (;;) {
        await walkQueue();
        if (!feed || feed.closed || run.halt !== null) return;
        // Records end, the worker claims more: an open batch's walkers wait for them, and the
        // taken slots leave the front of the queue (an open batch's queue would grow by every record).
        if (next > 0 && next === queue.length) {
          queue.length = 0;
          next = 0;
        }
        await feed.next();
      }
    };
    const walkQueue = async () => {
      while (run.halt === null && next < queue.length) {
        const rec = queue[next];
        // A taken record leaves the queue: the run holds the data of the records still to start and
        // of those under way, never of every record it went through (a 100,000-record run's queue
        // is ~22 MB of heap when full; issue 11).
        queue[next++] = TAKEN;
        // An open batch whose worker claims ahead may never run dry: its taken front goes now and then.
        if (feed && next >= 1024) {
          queue.splice(0, next);
          next = 0;
        }
        if (rec.status === 'pending') {
          const startedAt = await pace(rec.index);
          if (startedAt === null) break;
          rec.startedAt = isoAt(startedAt);
        }
        let end: Awaited<ReturnType<typeof walkRecord>>;
        try {
          end = await walkRecord(rc, rec);
          run.batch?.onEnded?.(rec.index, end.end);
        } catch (err) {
          // A worker that lost the record's claim: whoever holds it now goes on from its last commit.
          if (run.batch?.abandon(err)) {
            run.batch.onEnded?.(rec.index, 'abandoned');
            continue;
          }
          // A worker whose database is away: its claims lapse (or, in an open batch, the worker gives
          // this one back) and the records go on from their last commit.
          if (run.batch && isStoreWriteError(err)) {
            run.batch.onEnded?.(rec.index, 'unwritten');
            if (run.batch.feed) continue;
            break;
          }
          // A commit the store could not write: the record resumes from its last committed step.
          if (!isStoreWriteError(err)) throw err;
          this.haltForStore(run, { code: 'E_STORE_WRITE', message: err.message, hint: (err as ConveyorError).hint, transient: true });
          break;
        }
        if (end.end === 'finished' && safeStop) {
          const reason = safeStop.push(end.status === 'failed');
          if (reason) requestSafeStop(reason);
        }
      }
    };
    try {
      const workers = Math.max(1, Math.min(run.row.settings.concurrency, Math.max(queue.length, run.batch?.slots ?? 0)));
      try {
        await Promise.all(Array.from({ length: workers }, worker));
      } finally {
        await runResources.closeAll();
        rc.network.close();
      }
      if (run.batch) {
        // A worker's batch: the run's status is the workers' to settle together.
        await this.logs.flush();
        return;
      }
      const status: RunStatus = run.halt === 'pause' ? 'paused' : run.halt === 'stop' ? 'stopped' : run.halt === 'safe_stop' ? 'safe_stopped' : run.halt === 'store' ? 'interrupted' : 'completed';
      const c = run.live.counts;
      const left = c.pending + c.running;
      const message = status === 'completed'
        ? `Run completed: ${c.success} success, ${c.failed} failed, ${c.needs_review} needs review, ${c.skipped} skipped.`
        : `Run ${status.replace('_', '-')}: ${left} record${left === 1 ? '' : 's'} left to process.`;
      this.logs.add(run.row.id, null, null, 'info', message);
      await this.logs.flush();
      const now = new Date().toISOString();
      // A run that stops short of its end stands still from now until it is resumed (run-halts.ts).
      const halts = status === 'completed' ? undefined : haltOpened(run.row.halts, now);
      await this.setStatusOrKeep(run, status, run.haltReason, status === 'paused' || status === 'safe_stopped' || status === 'interrupted' ? null : now, halts);
    } catch (err) {
      if (isStoreWriteError(err)) {
        this.haltForStore(run, storeReason(err));
        const now = new Date().toISOString();
        await this.setStatusOrKeep(run, run.halt === 'stop' ? 'stopped' : 'interrupted', run.haltReason, run.halt === 'stop' ? now : null, haltOpened(run.row.halts, now)).catch(() => undefined);
        return;
      }
      const reason = { code: 'E_RUN_CRASHED', message: `The run could not go on: ${run.masker.mask(String((err as Error)?.message))}`, hint: 'Fix the cause (often disk space or permissions on DATA_DIR), then resume the run.', transient: false };
      this.logs.add(run.row.id, null, null, 'error', reason.message);
      await this.logs.flush();
      await this.setStatus(run, 'failed', reason, new Date().toISOString()).catch(() => undefined);
    }
  }

  /**
   * The trigger's pacing (one record every N seconds): waits until the record's start time, counted
   * from the previous start, which after a pause or restart is read back from the store. Resolves
   * the start time, which becomes the record's `startedAt` (so stored starts are one interval apart
   * at least), or null when the run is halted meanwhile (the record stays pending).
   */
  private async pacer(run: ActiveRun): Promise<(index: number) => Promise<number | null>> {
    const trigger = run.flow.trigger;
    const intervalMs = trigger.def.pacing?.(trigger.params)?.intervalMs ?? 0;
    if (!(intervalMs > 0)) return async () => Date.now();
    // Beside other workers the slots come from the run's row (claims.ts): pacing per run, not per process.
    const given = run.batch?.starts;
    const last = given ? null : await this.opts.store.lastRecordStart(run.row.id);
    let nextAt = last ? Date.parse(last) + intervalMs : 0;
    return async (index) => {
      const at = given?.get(index) ?? Math.max(Date.now(), nextAt);
      // Reserved now, so that concurrent workers take the following slots.
      nextAt = at + intervalMs;
      // Waiting for the pacing is not a stall.
      this.stall.quietUntil(run.row.id, at);
      const wait = at - Date.now();
      // The sentence is for people; the studio reads the same wait as data (`pacing`), never the words.
      if (wait >= 1000) this.logs.add(run.row.id, null, null, 'info', `Next record (#${index + 1}) starts in ${formatWait(wait)} (interval of the trigger).`, { pacing: { index, waitMs: wait, startsAt: new Date(at).toISOString() } });
      // Timers count from the event loop's cached clock and may fire a little early: wait out the rest.
      for (let left = wait; left > 0; left = at - Date.now()) {
        if (!(await sleep(left, run.halted.signal))) return null;
      }
      // A shared slot is the start: the next one was handed out already, one interval after it.
      if (given?.has(index)) return at;
      const startedAt = Date.now();
      // A start later than its slot (a late timer, a busy process) pushes the next slot too.
      nextAt = Math.max(nextAt, startedAt + intervalMs);
      return startedAt;
    };
  }

  /** The stuck-step watchdog of a run's steps: a step still running past timeout + grace is told in the run log. */
  private stepWatch(runId: string): StepWatch {
    return {
      graceMs: this.graceMs,
      onStuck: (s) =>
        this.logs.add(runId, null, s.nodeId, 'warn', `Step "${s.nodeName}" is still running ${s.graceMs} ms after its timeout of ${s.timeoutMs} ms cancelled it (E_STEP_STUCK): ${s.unsafe ? 'it was put in doubt' : 'the record went on without it; whatever it still does is ignored'}.`, { code: 'E_STEP_STUCK', nodeId: s.nodeId }),
    };
  }

  /** What Run flow steps use of the engine (child-runs.ts). */
  private get childHost(): ChildRunHost {
    return {
      store: this.opts.store,
      startChild: (doc, records, id, settings) => this.startRun(doc, { input: { records }, child: { id, settings } }),
      resume: (runId) => this.resume(runId),
      isActive: (runId) => this.isActive(runId),
      status: (runId) => this.summary(runId),
      on: (listener) => this.on(listener),
      progress: (runId) => this.stall.progress(runId),
    };
  }

  /** setStatus, or — when the store cannot write — the status kept in memory until it writes again. */
  private async setStatusOrKeep(run: ActiveRun, status: RunStatus, reason: RunRow['reason'], endedAt?: string | null, halts?: RunHalt[]): Promise<void> {
    try {
      await this.setStatus(run, status, reason, endedAt, halts);
      if (this.unsaved.get(run.row.id)) this.unsaved.delete(run.row.id);
    } catch (err) {
      if (!isStoreWriteError(err)) throw err;
      if (run.haltReason?.code !== 'E_STORE_WRITE') run.haltReason = storeReason(err);
      this.keepStatus(run, status, run.haltReason, endedAt, halts);
    }
  }

  private async setStatus(run: ActiveRun, status: RunStatus, reason: RunRow['reason'], endedAt?: string | null, halts?: RunHalt[]): Promise<void> {
    if (reason) reason = run.masker.maskError(reason);
    const patch: RunPatch & { status: RunStatus } = { status, reason, ...(endedAt !== undefined ? { endedAt } : {}), ...(halts ? { halts } : {}) };
    // Store first: whoever sees the new status (summary, events) can then read it from the store too.
    await writeRunStatus(this.opts.store, run.row.id, run.row.status, patch);
    run.live.status = status;
    run.live.reason = reason;
    run.row = { ...run.row, ...patch, status, reason };
    this.emit({ type: 'run', runId: run.row.id, status, reason });
  }

  /** The executing run; one that does not execute is refused with its status, one that does not exist is not found (404). */
  private async activeOrThrow(runId: string, action: string): Promise<ActiveRun> {
    const run = this.active.get(runId);
    if (run) return run;
    const row = this.unsaved.get(runId) ?? (await this.runOrThrow(runId));
    // Resumed while its row was read: it executes now.
    const resumed = this.active.get(runId);
    if (resumed) return resumed;
    throw notRunning(runId, row.status, action);
  }

  private async runOrThrow(runId: string): Promise<RunRow> {
    const row = await this.opts.store.getRun(runId);
    if (!row) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
    return row;
  }
}

export type QueuedRecord = Pick<RecordRow, 'index' | 'data' | 'status' | 'checkpoint' | 'startedAt'>;

/** What a taken record's slot in a run's queue holds (the queue is consumed as workers take records). */
const TAKEN: QueuedRecord = Object.freeze({ index: -1, data: Object.freeze({}), status: 'pending', checkpoint: null, startedAt: null }) as QueuedRecord;

function haltRun(run: ActiveRun, kind: NonNullable<ActiveRun['halt']>): void {
  run.halt = kind;
  run.halted.abort();
}

function formatWait(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 6) / 10} h`;
}

function storeReason(err: unknown): StepErrorInfo {
  const e = err as ConveyorError;
  return { code: 'E_STORE_WRITE', message: e.message, hint: e.hint, transient: true };
}

/** Pause asked of a run a store write failure halted: it is not running; say why and what to do. */
function haltedByStore(runId: string, row: RunRow, action: string): ConveyorError {
  const reason = row.reason!;
  return new ConveyorError(
    'E_RUN_NOT_RUNNING',
    `Run ${runId} is ${row.status}, so it cannot ${action}: it was halted because ${reason.message}`,
    `${reason.hint} Or press Stop to end it.`,
    409,
  );
}

/**
 * An executing run's status as answered: pausing or stopping from the moment it is halted — Pause or
 * Stop asked again while the first one's status is still being written answered "running".
 */
function shownStatus(run: ActiveRun): RunStatus {
  if (run.live.status !== 'running') return run.live.status;
  return run.halt === 'pause' ? 'pausing' : run.halt === 'stop' ? 'stopping' : 'running';
}

function notRunning(runId: string, status: RunStatus, action: string): ConveyorError {
  return new ConveyorError('E_RUN_NOT_RUNNING', `Run ${runId} is ${status}, so it cannot ${action}.`, 'Refresh the page to see the run\'s current status.', 409);
}

function summarize(row: RunRow, status: RunStatus, reason: RunRow['reason'], counts: StatusCounts, nodes: Record<string, NodeCounters>): RunSummary {
  return {
    id: row.id,
    flowId: row.flowId,
    flowName: row.flowName,
    status,
    settings: row.settings,
    recordCount: row.recordCount,
    counts,
    nodes,
    reason,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    ...(row.halts ? { haltedMs: haltedMsOf(row.halts) } : {}),
  };
}

