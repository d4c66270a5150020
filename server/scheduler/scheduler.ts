import type { Json } from '../../nodes/sdk/types.ts';
import { NodeError, type StepErrorInfo } from '../contract/node-error.ts';
import { scheduleParams, type ScheduleParams } from '../../nodes/schedule/trigger.ts';
import { describeSchedule, dueTimes, nextTimes } from '../../nodes/schedule/times.ts';
import type { Engine } from '../engine/engine.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import type { FlowRow, Store } from '../store/types.ts';
import { ConveyorError } from '../errors.ts';
import { setTimerAt, type LongTimer } from './long-timer.ts';

export const SCHEDULE_TRIGGER = 'schedule.trigger';

/** What the scheduler tells listeners (tests, the bench, the server log). */
export type ScheduleEvent =
  | { type: 'tick'; flowId: string; scheduledFor: string; firedAt: string; tick: number; runId: string; missed?: number }
  | { type: 'skipped'; flowId: string; scheduledFor: string; reason: 'overlap' | 'missed'; count: number }
  | { type: 'error'; flowId: string; scheduledFor: string; error: StepErrorInfo };

/** One flow's schedule as GET /api/schedules shows it. */
export interface ScheduleInfo {
  flowId: string;
  flowName: string;
  triggerId: string;
  enabled: boolean;
  mode: ScheduleParams['mode'] | null;
  description: string;
  /** The next 5 times (ISO); when off, the times it would have if switched on now. */
  next: string[];
  lastTick: string | null;
  lastRunId: string | null;
  /** Ticks skipped because a run of the flow was still going (overlap "skip"). */
  skipped: number;
  /** Why the schedule cannot run (bad params) or why its last tick could not start a run. */
  error: StepErrorInfo | null;
}

export interface SchedulerOptions {
  store: Store;
  engine: Engine;
  /** Lines for the server log (skipped and missed ticks, runs that could not start). */
  log?: (line: string) => void;
  /** A tick overdue by more than this counts as missed (default 1000 ms). */
  graceMs?: number;
  now?: () => number;
  /**
   * Several studios on one database (tick-claims.ts): each tick is claimed there before its run
   * starts, and only the studio whose claim lands fires it.
   */
  claims?: TickClaims;
  /** Tells the other studios that a flow's schedule changed (switched, saved, fired): they read it again. */
  announce?: (flowId: string) => void;
  /**
   * Runs are executed by workers, not this engine: the overlap check asks the store whether a run
   * of the flow is still going, not only this process.
   */
  runsInWorkers?: boolean;
}

/** Where the ticks of a schedule are claimed, so a tick runs once however many studios see it. */
export interface TickClaims {
  /**
   * Claims the tick: the id of the run to start when this studio fires it (the first claim, or one
   * taken over from a studio that stopped before starting its run), null when another studio did.
   */
  claim(flowId: string, scheduledFor: string): Promise<string | null>;
  /** The claimed tick ends without a run (skipped): nobody is to take it over. */
  settle(flowId: string, scheduledFor: string): Promise<void>;
  /** Ticks another studio claimed and never started the run of (it stopped in between). */
  orphans(): Promise<Array<{ flowId: string; scheduledFor: string }>>;
  /** The error of starting a run whose id exists already: another studio started the tick's run. */
  isDuplicateRun(err: unknown): boolean;
}

interface Entry {
  flowId: string;
  triggerId: string;
  doc: FlowDocument;
  params: ScheduleParams | null;
  paramsError: StepErrorInfo | null;
  enabled: boolean;
  anchor: Date | null;
  lastTick: Date | null;
  lastRunId: string | null;
  skipped: number;
  ticks: number;
  /**
   * The tick `ticks` last counted, persisted with it: a tick taken over from a studio that died after
   * counting it and before starting its run (fireOrphans) is not counted a second time.
   */
  countedTick: string | null;
  lastError: StepErrorInfo | null;
  timer: LongTimer | null;
  nextAt: Date | null;
  /** Bumped whenever the entry is disarmed: a timer of an older generation does nothing. */
  gen: number;
}


/**
 * Runs the flows whose trigger is a Schedule and that the operator switched on: one timer per
 * flow for its next tick; each tick starts a run with one record `{ scheduledFor, firedAt, tick }`.
 * The on/off switch and the last tick are kept in the store's node state (scope `schedule:<flowId>`),
 * so schedules survive restarts and missed ticks follow the flow's policy.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(e: ScheduleEvent) => void>();
  private readonly now: () => number;
  private readonly graceMs: number;
  private running = false;
  private closed = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.graceMs ?? 1000;
  }

  on(listener: (e: ScheduleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get started(): boolean {
    return this.running;
  }

  /** Loads every saved flow with a Schedule trigger and arms the ones switched on. */
  async start(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    for (const row of await this.opts.store.listFlows()) {
      await this.serial(row.id, () => this.load(row));
    }
    await this.fireOrphans();
  }

  /**
   * Ticks another studio claimed but never started the run of (it died in between, before this
   * studio came to lead): fired now, each with the run id its claim named.
   */
  private async fireOrphans(): Promise<void> {
    const claims = this.opts.claims;
    if (!claims) return;
    let orphans: Array<{ flowId: string; scheduledFor: string }>;
    try {
      orphans = await claims.orphans();
    } catch (err) {
      this.log(`schedules: could not read the ticks other studios claimed: ${(err as Error).message}`);
      return;
    }
    for (const o of orphans) {
      await this.serial(o.flowId, async () => {
        const entry = this.entries.get(o.flowId);
        if (!entry?.params || !entry.enabled || !this.running) return;
        this.log(`flow ${o.flowId}: the tick of ${o.scheduledFor} was claimed by a studio that stopped before starting its run; firing it now.`);
        await this.fire(entry, new Date(o.scheduledFor));
      });
    }
  }

  /** Stops every timer; runs already started go on (the engine's shutdown pauses them). */
  async close(): Promise<void> {
    this.closed = true;
    this.running = false;
    for (const e of this.entries.values()) this.disarm(e);
    await Promise.all([...this.chains.values()].map((p) => p.catch(() => undefined)));
  }

  /**
   * Stops firing but stays open (another studio leads now: leadership.ts): timers are disarmed,
   * reads and switches still work, and `start` arms them again from what the store holds.
   */
  async standDown(): Promise<void> {
    this.running = false;
    for (const e of this.entries.values()) this.disarm(e);
    await Promise.all([...this.chains.values()].map((p) => p.catch(() => undefined)));
  }

  /**
   * A flow was saved, imported, renamed or deleted: re-read it and re-arm its schedule. `announce`
   * false: the change came from another studio (it told the others already).
   */
  refresh(flowId: string, announce = true): Promise<void> {
    return this.serial(flowId, async () => {
      if (announce) this.changed(flowId);
      const old = this.entries.get(flowId);
      if (old) this.disarm(old);
      const row = await this.opts.store.getFlow(flowId);
      if (!row) {
        this.entries.delete(flowId);
        if (old) await this.opts.store.clearNodeState(scopeOf(flowId), old.triggerId);
        return;
      }
      await this.load(row);
    });
  }

  /** Switches a flow's schedule on or off (PUT /api/flows/:id/schedule). */
  setEnabled(flowId: string, enabled: boolean): Promise<ScheduleInfo> {
    return this.serial(flowId, async () => {
      const row = await this.opts.store.getFlow(flowId);
      if (!row) throw new ConveyorError('E_FLOW_NOT_FOUND', `There is no flow "${flowId}".`, 'It may have been deleted: open the flow list to see the flows that exist.', 404);
      const old = this.entries.get(flowId);
      if (old) this.disarm(old);
      const entry = await this.load(row, false);
      if (!entry) {
        throw new ConveyorError('E_SCHEDULE_INVALID', `The flow "${row.name}" does not start with a Schedule trigger, so it has no schedule to switch ${enabled ? 'on' : 'off'}.`, 'Open the flow and replace its trigger with a Schedule trigger, save it, then switch the schedule on.', 422);
      }
      if (enabled && !entry.params) {
        const e = entry.paramsError!;
        throw new ConveyorError('E_SCHEDULE_INVALID', e.message, e.hint, 422);
      }
      if (enabled && !entry.enabled) {
        // a schedule switched on starts afresh: ticks while it was off are not "missed"
        entry.enabled = true;
        entry.anchor = new Date(this.now());
        entry.lastTick = null;
        entry.lastError = null;
        await this.persist(entry, { enabled: true, anchor: entry.anchor.toISOString(), lastTick: null });
      } else if (!enabled && entry.enabled) {
        entry.enabled = false;
        await this.persist(entry, { enabled: false });
      }
      if (entry.enabled && this.running) await this.arm(entry, entry.lastTick ?? entry.anchor ?? new Date(this.now()));
      this.changed(flowId);
      return this.info(entry, row.name);
    });
  }

  /** Every flow with a Schedule trigger, with its switch, next times and last tick. */
  async list(): Promise<ScheduleInfo[]> {
    const out: ScheduleInfo[] = [];
    for (const row of await this.opts.store.listFlows()) {
      if (!findTrigger(row.doc)) continue;
      const entry = this.entries.get(row.id) ?? (await this.serial(row.id, () => this.load(row, false)));
      if (entry) out.push(this.info(entry, row.name));
    }
    return out;
  }

  /** The schedule of one flow, or null when it has no Schedule trigger. */
  async get(flowId: string): Promise<ScheduleInfo | null> {
    const row = await this.opts.store.getFlow(flowId);
    if (!row || !findTrigger(row.doc)) return null;
    const entry = this.entries.get(flowId) ?? (await this.serial(flowId, () => this.load(row, false)));
    return entry ? this.info(entry, row.name) : null;
  }

  // --- internals ---------------------------------------------------------------------------

  private emit(e: ScheduleEvent): void {
    for (const l of this.listeners) l(e);
  }

  private log(line: string): void {
    this.opts.log?.(`[schedule] ${line}`);
  }

  private changed(flowId: string): void {
    try {
      this.opts.announce?.(flowId);
    } catch {
      // Telling the other studios is best effort: they read the schedule again at their next change.
    }
  }

  /** Whether a run of the flow is still going: in this engine, or (beside workers) in the store. */
  private async flowBusy(flowId: string): Promise<boolean> {
    if (this.opts.engine.hasActiveRun(flowId)) return true;
    if (!this.opts.runsInWorkers) return false;
    return (await this.opts.store.listRunsWithStatus(['running', 'pausing', 'stopping'])).some((r) => r.flowId === flowId);
  }

  /** Operations on one flow run one at a time (timer ticks, saves, switches). */
  private serial<T>(flowId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(flowId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.chains.set(flowId, tail);
    void tail.then(() => {
      if (this.chains.get(flowId) === tail) this.chains.delete(flowId);
    });
    return next;
  }

  /** Reads a flow's schedule (params and persisted state); arms it when on and `arm` is set. */
  private async load(row: FlowRow, arm = true): Promise<Entry | null> {
    const node = findTrigger(row.doc);
    const old = this.entries.get(row.id);
    if (old) this.disarm(old);
    if (!node) {
      this.entries.delete(row.id);
      return null;
    }
    const parsed = scheduleParams.safeParse(node.params ?? {});
    const scope = scopeOf(row.id);
    const state = new Map((await this.opts.store.listNodeState(scope, node.id)).map((s) => [s.key, s.value]));
    const entry: Entry = {
      flowId: row.id,
      triggerId: node.id,
      doc: row.doc,
      params: parsed.success ? parsed.data : null,
      paramsError: parsed.success
        ? null
        : {
            code: 'E_SCHEDULE_INVALID',
            message: `The Schedule trigger's settings are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`,
            hint: 'Open the flow, select the Schedule trigger and correct its settings.',
            transient: false,
          },
      enabled: state.get('enabled') === true,
      anchor: toDate(state.get('anchor')),
      lastTick: toDate(state.get('lastTick')),
      lastRunId: typeof state.get('lastRunId') === 'string' ? (state.get('lastRunId') as string) : null,
      skipped: typeof state.get('skipped') === 'number' ? (state.get('skipped') as number) : 0,
      ticks: typeof state.get('ticks') === 'number' ? (state.get('ticks') as number) : 0,
      countedTick: typeof state.get('countedTick') === 'string' ? (state.get('countedTick') as string) : null,
      lastError: null,
      timer: null,
      nextAt: null,
      gen: (old?.gen ?? 0) + 1,
    };
    this.entries.set(row.id, entry);
    if (arm && this.running && entry.enabled) {
      if (!entry.params) {
        entry.lastError = entry.paramsError;
        this.log(`flow ${row.id}: ${entry.paramsError!.message}`);
      } else {
        await this.arm(entry, entry.lastTick ?? entry.anchor ?? new Date(this.now()));
      }
    }
    return entry;
  }

  private disarm(entry: Entry): void {
    entry.gen++;
    entry.timer?.cancel();
    entry.timer = null;
    entry.nextAt = null;
  }

  /**
   * Arms the timer for the first tick after `after`. Ticks overdue by more than the grace period
   * (the server was down, or the process stalled) are missed: the flow's policy skips them or
   * runs once for all of them.
   */
  private async arm(entry: Entry, after: Date): Promise<void> {
    if (this.closed || !entry.params) return;
    const params = entry.params;
    const anchor = entry.anchor ?? after;
    let base = after;
    try {
      const due = dueTimes(params, base, new Date(this.now() - this.graceMs), anchor);
      if (due) {
        if (params.missed === 'run_once') {
          this.log(`flow ${entry.flowId}: ${due.count} tick${due.count === 1 ? '' : 's'} missed (last due ${due.latest.toISOString()}); running once for ${due.count === 1 ? 'it' : 'them'}.`);
          await this.fire(entry, due.latest, due.count);
        } else {
          entry.lastTick = due.latest;
          await this.persist(entry, { lastTick: due.latest.toISOString() });
          this.log(`flow ${entry.flowId}: ${due.count} tick${due.count === 1 ? '' : 's'} missed (last due ${due.latest.toISOString()}); skipped as the flow asks.`);
          this.emit({ type: 'skipped', flowId: entry.flowId, scheduledFor: due.latest.toISOString(), reason: 'missed', count: due.count });
        }
        base = due.latest;
      }
      if (this.closed || !entry.enabled) return;
      this.setTimer(entry, nextTimes(params, base, 1, anchor)[0], base);
    } catch (err) {
      entry.lastError = toInfo(err);
      this.log(`flow ${entry.flowId}: ${entry.lastError.message}`);
    }
  }

  /**
   * Sets the timer for the tick at `at`. The timer after it is set before this tick's run starts,
   * so a slow start never delays the next tick; a tick that fires overdue by more than the grace
   * period goes through the missed-ticks policy instead (from `previous`, the tick before it).
   */
  private setTimer(entry: Entry, at: Date | undefined, previous: Date): void {
    // Not leading (standDown) or closed: a tick under way when it stood down arms nothing more.
    if (!at || !entry.params || !this.running) return;
    const gen = entry.gen;
    entry.nextAt = at;
    entry.timer = setTimerAt(
      at.getTime(),
      () => {
        void this.serial(entry.flowId, async () => {
          if (entry.gen !== gen || this.closed || !this.running || !entry.params) return;
          entry.timer = null;
          if (this.now() - at.getTime() > this.graceMs) {
            await this.arm(entry, entry.lastTick && entry.lastTick > previous ? entry.lastTick : previous);
            return;
          }
          try {
            this.setTimer(entry, nextTimes(entry.params, at, 1, entry.anchor ?? at)[0], at);
          } catch (err) {
            entry.lastError = toInfo(err);
          }
          await this.fire(entry, at);
        }).catch((err) => this.log(`flow ${entry.flowId}: ${(err as Error).message}`));
      },
      this.now,
    );
  }

  /** One tick: starts a run, unless a run of the flow is still going and the flow skips overlaps. */
  private async fire(entry: Entry, scheduledFor: Date, missed?: number): Promise<void> {
    const params = entry.params!;
    const claims = this.opts.claims;
    const tick = scheduledFor.toISOString();
    // A late tick (an orphan fired by fireOrphans) never moves the schedule's last tick back.
    const lastTick = entry.lastTick && entry.lastTick > scheduledFor ? entry.lastTick : scheduledFor;
    // Beside other studios: the first claim of the tick fires it; any other studio only notes it.
    let runId: string | undefined;
    if (claims) {
      const claimed = await claims.claim(entry.flowId, tick);
      if (!claimed) {
        entry.lastTick = lastTick;
        this.log(`flow ${entry.flowId}: the tick of ${tick} was fired by another studio.`);
        return;
      }
      runId = claimed;
    }
    const firedAt = new Date(this.now());
    entry.lastTick = lastTick;
    if (params.overlap === 'skip' && (await this.flowBusy(entry.flowId))) {
      entry.skipped++;
      await claims?.settle(entry.flowId, tick);
      await this.persist(entry, { lastTick: lastTick.toISOString(), skipped: entry.skipped });
      this.log(`flow ${entry.flowId}: tick of ${scheduledFor.toISOString()} skipped: the previous run is still going (${entry.skipped} skipped so far).`);
      this.emit({ type: 'skipped', flowId: entry.flowId, scheduledFor: scheduledFor.toISOString(), reason: 'overlap', count: 1 });
      this.changed(entry.flowId);
      return;
    }
    // Counted once: a tick the studio that claimed it counted before dying (fireOrphans) keeps its number.
    if (entry.countedTick !== tick) {
      entry.ticks++;
      entry.countedTick = tick;
    }
    // The tick is recorded before the run starts: after a crash in between it is not run twice.
    // (Beside other studios the claim names the run, so the next leader starts it: fireOrphans.)
    await this.persist(entry, { lastTick: lastTick.toISOString(), ticks: entry.ticks, countedTick: tick });
    const record: Record<string, Json> = { scheduledFor: tick, firedAt: firedAt.toISOString(), tick: entry.ticks };
    if (missed !== undefined) record.missed = missed;
    try {
      const run = await this.opts.engine.startRun(entry.doc, { input: { records: [record] }, ...(runId ? { runId } : {}) });
      entry.lastRunId = run.id;
      entry.lastError = null;
      await this.persist(entry, { lastRunId: run.id });
      this.changed(entry.flowId);
      this.emit({ type: 'tick', flowId: entry.flowId, scheduledFor: record.scheduledFor as string, firedAt: record.firedAt as string, tick: entry.ticks, runId: run.id, ...(missed !== undefined ? { missed } : {}) });
    } catch (err) {
      if (claims?.isDuplicateRun(err)) {
        this.log(`flow ${entry.flowId}: the tick of ${tick} was fired by another studio (its run ${runId} exists).`);
        return;
      }
      // The claim names a run that will not exist: settled, so no later leader fires it again.
      await claims?.settle(entry.flowId, tick).catch(() => undefined);
      entry.lastError = toInfo(err);
      this.log(`flow ${entry.flowId}: the tick of ${tick} could not start a run: ${entry.lastError.message}`);
      this.emit({ type: 'error', flowId: entry.flowId, scheduledFor: scheduledFor.toISOString(), error: entry.lastError });
    }
  }

  private persist(entry: Entry, values: Record<string, Json | null>): Promise<void> {
    const scope = scopeOf(entry.flowId);
    return this.opts.store.putNodeState(Object.entries(values).map(([key, value]) => ({ scope, nodeId: entry.triggerId, key, value })));
  }

  private info(entry: Entry, flowName: string): ScheduleInfo {
    let next: string[] = [];
    let error = entry.paramsError ?? entry.lastError;
    if (entry.params) {
      try {
        const now = new Date(this.now());
        const times =
          entry.enabled && entry.anchor
            ? nextTimes(entry.params, entry.lastTick && entry.lastTick > now ? entry.lastTick : now, 5, entry.anchor)
            : nextTimes(entry.params, now, 5);
        next = times.map((d) => d.toISOString());
      } catch (err) {
        error = toInfo(err);
      }
    }
    return {
      flowId: entry.flowId,
      flowName,
      triggerId: entry.triggerId,
      enabled: entry.enabled,
      mode: entry.params?.mode ?? null,
      description: entry.params ? describeSchedule(entry.params) : 'invalid schedule',
      next,
      lastTick: entry.lastTick?.toISOString() ?? null,
      lastRunId: entry.lastRunId,
      skipped: entry.skipped,
      error,
    };
  }
}

export function scopeOf(flowId: string): string {
  return `schedule:${flowId}`;
}

export function findTrigger(doc: FlowDocument): FlowDocument['nodes'][number] | undefined {
  return doc.nodes.find((n) => n.type === SCHEDULE_TRIGGER);
}

function toDate(value: Json | null | undefined): Date | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

function toInfo(err: unknown): StepErrorInfo {
  if (err instanceof ConveyorError || err instanceof NodeError) return { code: err.code, message: err.message, hint: err.hint, transient: false };
  return { code: 'E_INTERNAL', message: (err as Error)?.message ?? String(err), hint: 'Check the server log; switch the schedule off and on again.', transient: false };
}
