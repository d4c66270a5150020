/**
 * A worker's loop: keeps up to `--batch` claimed records walking at a time, claiming again as records
 * end. Each run it works on is one open batch of its engine (`Engine.executeClaimed(…, { open })`):
 * records claimed later join the batch under way, so a slot freed by a finished record is filled at
 * once instead of waiting for the slowest record of a batch (issue 14: with whole batches, one worker
 * ran an HTTP step of 50 ms at 40 records/s where 8 records in flight allow 160). Of a run that is
 * not paced it holds up to twice `--batch` records — the slots under way and as many claimed ahead,
 * queued in the batch — and claims again once `--batch` or fewer are left, so one claim serves
 * several records and no slot waits for one; otherwise it claims when at least a quarter of the
 * slots are free.
 * Every guarantee stays the claims': the lease, renewed by the heartbeat and by each commit; the
 * fence that refuses a commit of a record this worker no longer holds; the terminal commit that
 * drops the claim; pacing slots from the run row.
 */
import type pg from 'pg';
import type { ClaimedBatch, ClaimedEnd, Engine } from '../engine/engine.ts';
import type { PgStore } from '../store/pg/pg-store.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { claimMore, claimRecords, isClaimLost, releaseClaims, renewClaims, type Claim } from './claims.ts';
import { runStatuses, settleRuns } from './settle.ts';
import { nextSlotIn, notePacing } from './pacing.ts';
import type { WorkerSettings } from './settings.ts';

/** One run this worker walks records of: its open batch and the records of it under way here. */
interface OpenRun {
  handle: ClaimedBatch;
  held: Set<number>;
  over: boolean;
  /** Not paced: more of its records are claimed with claimMore (one statement). */
  unpaced: boolean;
}

export class WorkLoop {
  private stopping = false;
  private readonly runs = new Map<string, OpenRun>();
  /** Records taken whose walk could not be written (the database away): their claims go back once it answers. */
  private readonly giveBack = new Map<string, Set<number>>();
  private wake: (() => void) | null = null;
  /** Woken while not idle (records ended during a claim): the next idle returns at once. */
  private poked = false;
  /**
   * When a claim last found nothing: records ending do not look again before a poll has passed (at 4
   * workers on 400 records, a look at every record's end was most of the workers' and PostgreSQL's
   * CPU per record: 43 ms against 18 ms with one worker).
   */
  private emptyAt = -Infinity;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly id: string,
    private readonly store: PgStore,
    private readonly pool: pg.Pool,
    private readonly engine: Engine,
    private readonly registry: NodeRegistry,
    private readonly settings: WorkerSettings,
    private readonly log: (line: string) => void,
  ) {}

  /** Records under way in this worker, over all its runs. */
  get held(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.held.size;
    return n;
  }

  /** Claims wait until this many slots are free (a quarter of the batch): one claim's round trips serve a few records. */
  private get refillAt(): number {
    return Math.max(1, Math.floor(this.settings.batch / 4));
  }

  /**
   * Records held at most when they are of a run not paced: the slots under way and as many claimed
   * ahead, queued in the run's batch. Such a run is claimed from once `--batch` or fewer are held,
   * `--batch` records or more at a time, so one claim serves a slot's worth of record ends instead of
   * one or two (issue 14: a claim per record was a fifth of one worker's round trips on the 50 ms
   * HTTP step) while the slots never wait for a claim.
   */
  private get capacity(): number {
    return 2 * this.settings.batch;
  }

  async run(): Promise<void> {
    // The heartbeat renews the claims and halts the batch of a run paused or stopped meanwhile.
    this.heartbeat = setInterval(() => void this.beat().catch((err) => this.log(`Heartbeat failed: ${(err as Error).message}`)), Math.max(100, Math.floor(this.settings.leaseMs / 3)));
    try {
      while (!this.stopping) {
        let took = new Set<string>();
        try {
          took = await this.fill();
          await this.returnUnwritten();
          // A run that got nothing now and has nothing under way here: its batch ends, its claims go
          // back, and the run may be settled (as every poll while this worker has nothing to do).
          const closed = await this.closeDrained(took);
          if (closed || this.held === 0) await this.settle();
        } catch (err) {
          // The database away, most often: the claims lapse and other workers go on; try again later.
          this.log(`Could not take work: ${(err as Error).message}`);
        }
        if (this.stopping) break;
        // Woken early when records end (slots to fill) or a batch is over.
        await this.idle(this.held > 0 ? this.settings.pollMs : await this.idleMs());
      }
    } finally {
      clearInterval(this.heartbeat);
      await Promise.allSettled([...this.runs.values()].map((r) => r.handle.done));
      await releaseClaims(this.pool, this.id).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.runs.values()) r.handle.halt('pause');
    this.poke();
  }

  /** Claims while enough slots are free and work is there; returns the runs that got records. */
  private async fill(): Promise<Set<string>> {
    const took = new Set<string>();
    if (this.held > 0 && performance.now() - this.emptyAt < this.settings.pollMs) return took;
    for (;;) {
      if (this.stopping) return took;
      const held = this.held;
      const free = this.settings.batch - held;
      const ahead = held <= this.settings.batch ? this.capacity - held : 0;
      const anywhere = free >= (held === 0 ? 1 : this.refillAt);
      if (ahead === 0 && !anywhere) return took;
      const claim = (ahead > 0 ? await this.claimFromOpenRun(ahead) : null) ?? (anywhere ? await this.claimAnywhere(free) : null);
      if (!claim) {
        this.emptyAt = performance.now();
        return took;
      }
      if (await this.give(claim)) took.add(claim.runId);
    }
  }

  /** Up to `limit` more records of a run under way here that is not paced (one statement), or null. */
  private async claimFromOpenRun(limit: number): Promise<Claim | null> {
    for (const [runId, entry] of this.runs) {
      if (entry.over || !entry.unpaced) continue;
      const claim = await claimMore(this.pool, this.id, this.settings.leaseMs, limit, runId);
      if (claim) return claim;
    }
    return null;
  }

  /** The oldest worker-run with free work (its loop interval read first, pacing.ts). */
  private async claimAnywhere(free: number): Promise<Claim | null> {
    await notePacing(this.pool, this.registry);
    return claimRecords(this.pool, this.id, this.settings.leaseMs, free, this.horizonMs);
  }

  /** Hands claimed records to the run's batch (opened if needed); false when none of them is walked here. */
  private async give(claim: Claim): Promise<boolean> {
    const open = this.runs.get(claim.runId);
    if (open && !open.over) {
      const queue = workable(await this.store.recordsOf(claim.rows));
      for (const r of queue) open.held.add(r.index);
      if (queue.length > 0 && open.handle.add(queue, claim.starts)) return this.keepOnly(claim, queue);
      // The batch is halting (Pause, Stop): these go back at once.
      for (const r of queue) open.held.delete(r.index);
      await releaseClaims(this.pool, this.id, claim.runId, { indexes: claim.indexes });
      return false;
    }
    if (open) await this.end(claim.runId, open, claim.indexes);
    const row = await this.store.getRun(claim.runId);
    if (!row || row.status !== 'running') {
      await releaseClaims(this.pool, this.id, claim.runId);
      return false;
    }
    const [counts, steps, records] = await Promise.all([this.store.countRecords(row.id), this.store.stepCounts(row.id), this.store.recordsOf(claim.rows)]);
    const queue = workable(records);
    if (queue.length === 0) {
      await releaseClaims(this.pool, this.id, claim.runId);
      return false;
    }
    const entry: OpenRun = { handle: null as unknown as ClaimedBatch, held: new Set(queue.map((r) => r.index)), over: false, unpaced: claim.paceMs === 0 };
    const onEnded = (index: number, end: ClaimedEnd) => this.ended(row.id, entry, index, end);
    entry.handle = this.engine.executeClaimed(row, queue, { abandon: isClaimLost, counts, steps, starts: claim.starts, open: { slots: this.settings.batch, onEnded } });
    this.runs.set(row.id, entry);
    void entry.handle.done.then(() => {
      entry.over = true;
      this.poke();
    });
    if (this.stopping) entry.handle.halt('pause');
    return this.keepOnly(claim, queue);
  }

  /** Claimed records that are not walked (ended meanwhile): their claims go back now. */
  private async keepOnly(claim: Claim, queue: Array<{ index: number }>): Promise<true> {
    if (queue.length < claim.indexes.length) {
      const walked = new Set(queue.map((r) => r.index));
      await releaseClaims(this.pool, this.id, claim.runId, { indexes: claim.indexes.filter((i) => !walked.has(i)) });
    }
    return true;
  }

  private ended(runId: string, entry: OpenRun, index: number, end: ClaimedEnd): void {
    entry.held.delete(index);
    if (end === 'unwritten') {
      let set = this.giveBack.get(runId);
      if (!set) this.giveBack.set(runId, (set = new Set()));
      set.add(index);
    }
    if (this.held <= this.settings.batch || entry.held.size === 0) this.poke();
  }

  private poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async returnUnwritten(): Promise<void> {
    for (const [runId, indexes] of this.giveBack) {
      await releaseClaims(this.pool, this.id, runId, { indexes: [...indexes] });
      this.giveBack.delete(runId);
    }
  }

  /** Ends the batches that are over, or have nothing under way and got nothing in this fill; true when any ended. */
  private async closeDrained(took: Set<string>): Promise<boolean> {
    let closed = false;
    for (const [runId, entry] of [...this.runs]) {
      if (entry.over || (entry.held.size === 0 && !took.has(runId))) {
        await this.end(runId, entry);
        closed = true;
      }
    }
    return closed;
  }

  /** Closes a run's batch and gives back the claims of what it left unfinished (paused, stopped); `keep`: records just claimed for a new batch. */
  private async end(runId: string, entry: OpenRun, keep?: number[]): Promise<void> {
    entry.handle.close();
    await entry.handle.done;
    this.runs.delete(runId);
    await releaseClaims(this.pool, this.id, runId, keep ? { except: keep } : undefined);
  }

  /**
   * How far ahead a paced run's start slots are handed out: twice the poll, so a slot is claimed
   * before it is due even by a worker that just went idle.
   */
  private get horizonMs(): number {
    return Math.max(1000, 2 * this.settings.pollMs);
  }

  /** The poll, or less when a paced run's next slot comes within the horizon sooner. */
  private async idleMs(): Promise<number> {
    const slot = await nextSlotIn(this.pool, this.horizonMs).catch(() => null);
    return slot === null ? this.settings.pollMs : Math.min(this.settings.pollMs, slot);
  }

  private async settle(): Promise<void> {
    for (const s of await settleRuns(this.pool)) {
      this.log(`Run ${s.id} ${s.status}.`);
      // Told like the engine's own status changes, so the studio's room sends its final update.
      this.engine.relay({ type: 'run', runId: s.id, status: s.status, reason: null });
    }
  }

  private async beat(): Promise<void> {
    await renewClaims(this.pool, this.id, this.settings.leaseMs);
    const ids = [...this.runs.keys()];
    if (ids.length === 0) return;
    const statuses = await runStatuses(this.pool, ids);
    for (const id of ids) {
      const entry = this.runs.get(id);
      if (!entry) continue;
      const status = statuses.get(id);
      if (status === 'stopping' || status === 'stopped' || status === undefined) entry.handle.halt('stop');
      else if (status !== 'running') entry.handle.halt('pause');
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wake === done) this.wake = null;
        this.poked = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** The claimed records still to walk (pending or running): one that ended meanwhile is not walked again. */
function workable<T extends { status: string }>(records: T[]): T[] {
  return records.filter((r) => r.status === 'pending' || r.status === 'running');
}
