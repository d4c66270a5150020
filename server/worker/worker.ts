/**
 * `npx conveyor worker`: executes records of runs stored in PostgreSQL. It claims a few records of a
 * running run (claims.ts), walks them with the engine from their last committed step, and keeps its
 * claims alive while it works (a heartbeat). A worker killed outright stops renewing: after the
 * lease its records are claimed by another worker and go on from their last commit; an unsafe step
 * that started and did not commit is then in doubt (the engine's in-flight mark), never run twice.
 * See docs/architecture.md, "Scaling out".
 */
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { createRegistry } from '../../nodes/index.ts';
import { bindRateLimitStore } from '../../nodes/sdk/rate-limit.ts';
import { Engine, type ClaimedBatch } from '../engine/engine.ts';
import { openPgStore, type PgStore } from '../store/pg/pg-store.ts';
import { createPool } from '../store/pg/connection.ts';
import { openVault } from '../vault/vault.ts';
import { claimRecords, isClaimLost, releaseClaims, renewClaims } from './claims.ts';
import { runStatuses, settleRuns } from './settle.ts';
import { nextSlotIn, notePacing } from './pacing.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { checkWorkerId, workerUrl } from './worker-url.ts';
import { SharedStateLocks } from './shared-state-locks.ts';
import { publishEvents } from './event-relay.ts';
import type { WorkerSettings } from './settings.ts';

export interface RunningWorker {
  id: string;
  engine: Engine;
  /** Pauses the records under way (each ends its current step), gives their claims back, closes. */
  close(): Promise<void>;
}

export async function startWorker(settings: WorkerSettings, log: (line: string) => void = () => undefined): Promise<RunningWorker> {
  const id = checkWorkerId(settings.id ?? `${os.hostname()}-${process.pid}`);
  const dataDir = path.resolve(settings.dataDir);
  const registry = createRegistry();
  const vault = await openVault(dataDir, { nodeTypes: () => registry.types() });
  const store = await openPgStore(workerUrl(settings.url, id), { poolSize: settings.poolSize });
  const pool = createPool(settings.url, 2);
  const lockPool = createPool(settings.url, Math.max(2, settings.poolSize));
  const unbindLimits = bindRateLimitStore(store);
  const engine = new Engine({ store, registry, dataDir, credentials: vault, stateLocks: new SharedStateLocks(lockPool) });
  // What this worker's engine does reaches the studio's live rooms (event-relay.ts).
  const stopEvents = publishEvents(pool, engine);
  const loop = new WorkLoop(id, store, pool, engine, registry, settings, log);
  const done = loop.run();
  log(`Worker ${id} takes records from ${store.where} (lease ${settings.leaseMs} ms, up to ${settings.batch} records at a time).`);
  return {
    id,
    engine,
    async close() {
      await loop.stop();
      await done;
      await engine.shutdown();
      await stopEvents();
      unbindLimits();
      await pool.end().catch(() => undefined);
      await lockPool.end().catch(() => undefined);
      await store.close();
    },
  };
}

class WorkLoop {
  private stopping = false;
  private batch: { runId: string; handle: ClaimedBatch } | null = null;
  private wake: (() => void) | null = null;
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

  async run(): Promise<void> {
    // The heartbeat renews the claims and halts a batch whose run was paused or stopped meanwhile.
    this.heartbeat = setInterval(() => void this.beat().catch((err) => this.log(`Heartbeat failed: ${(err as Error).message}`)), Math.max(100, Math.floor(this.settings.leaseMs / 3)));
    try {
      while (!this.stopping) {
        let worked = false;
        try {
          worked = await this.once();
          await this.settle();
        } catch (err) {
          // The database away, most often: the claims lapse and other workers go on; try again later.
          this.log(`Could not take work: ${(err as Error).message}`);
        }
        if (!worked && !this.stopping) await this.idle(await this.idleMs());
      }
    } finally {
      clearInterval(this.heartbeat);
      await releaseClaims(this.pool, this.id).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.batch?.handle.halt('pause');
    this.wake?.();
  }

  /** Claims and walks one batch; false when there was nothing to take. */
  private async once(): Promise<boolean> {
    await notePacing(this.pool, this.registry);
    const claim = await claimRecords(this.pool, this.id, this.settings.leaseMs, this.settings.batch, this.horizonMs);
    if (!claim) return false;
    try {
      const row = await this.store.getRun(claim.runId);
      if (!row || row.status !== 'running') return true;
      const [counts, steps, records] = await Promise.all([
        this.store.countRecords(row.id),
        this.store.stepCounts(row.id),
        Promise.all(claim.indexes.map((i) => this.store.getRecord(row.id, i))),
      ]);
      const queue = records.filter((r) => r !== null && (r.status === 'pending' || r.status === 'running')).map((r) => r!);
      if (queue.length === 0) return true;
      const handle = this.engine.executeClaimed(row, queue, { abandon: isClaimLost, counts, steps, starts: claim.starts });
      this.batch = { runId: row.id, handle };
      if (this.stopping) handle.halt('pause');
      await handle.done;
    } finally {
      this.batch = null;
      // Records left unfinished (paused, stopped, abandoned) go back to the queue at once.
      await releaseClaims(this.pool, this.id, claim.runId);
    }
    return true;
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
    const batch = this.batch;
    if (!batch) return;
    const status = (await runStatuses(this.pool, [batch.runId])).get(batch.runId);
    if (status === 'stopping' || status === 'stopped' || status === undefined) batch.handle.halt('stop');
    else if (status !== 'running') batch.handle.halt('pause');
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
