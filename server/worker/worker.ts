/**
 * `npx conveyor worker`: executes records of runs stored in PostgreSQL. It claims a few records of a
 * running run (claims.ts), walks them with the engine from their last committed step, claims more as
 * they end (work-loop.ts), and keeps its claims alive while it works (a heartbeat). A worker killed outright stops renewing: after the
 * lease its records are claimed by another worker and go on from their last commit; an unsafe step
 * that started and did not commit is then in doubt (the engine's in-flight mark), never run twice.
 * See docs/architecture.md, "Scaling out".
 */
import os from 'node:os';
import path from 'node:path';
import { createRegistry } from '../../nodes/index.ts';
import { bindRateLimitStore } from '../../nodes/sdk/rate-limit.ts';
import { Engine } from '../engine/engine.ts';
import { openPgStore } from '../store/pg/pg-store.ts';
import { createPool } from '../store/pg/connection.ts';
import { openVault } from '../vault/vault.ts';
import { checkWorkerId, workerUrl } from './worker-url.ts';
import { SharedStateLocks } from './shared-state-locks.ts';
import { publishEvents } from './event-relay.ts';
import type { WorkerSettings } from './settings.ts';
import { WorkLoop } from './work-loop.ts';
import { sharedTrackingKey } from '../tracking/key-check.ts';
import { TrackingService } from '../tracking/tracking-service.ts';
import { publicUrlFromEnv } from '../tracking/public-url.ts';

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
  // Tracked mail: the suppression list (in the database) is honoured by every worker; links are made only
  // with the tracking secret the studios use, at CONVEYOR_PUBLIC_URL (key-check.ts, sharedTrackingKey).
  const { key, problem } = await sharedTrackingKey(dataDir, store, process.env, log);
  const tracking = new TrackingService(store, key, publicUrlFromEnv(), problem);
  const engine = new Engine({ store, registry, dataDir, credentials: vault, stateLocks: new SharedStateLocks(lockPool), tracking });
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
