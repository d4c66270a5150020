import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import { bindRateLimitStore } from '../nodes/sdk/rate-limit.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { Engine } from './engine/engine.ts';
import { TrackingService } from './tracking/tracking-service.ts';
import { checkedTrackingKey, sharedTrackingKey } from './tracking/key-check.ts';
import { publicUrlFromEnv } from './tracking/public-url.ts';
import { FlowLibrary } from './flow/flow-library.ts';
import { openStore, storeChoice, type StoreChoice } from './store/open-store.ts';
import type { Store } from './store/types.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { openVault, type Vault } from './vault/vault.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { Retention } from './retention/retention.ts';
import { Monitoring } from './monitoring/monitoring.ts';
import { makeCreatedFilesPrivate, tightenDataDir } from './private-files.ts';
import type { PgStore } from './store/pg/pg-store.ts';

/** The parts every entry point (server, CLI, tests) assembles the same way. */
export interface Conveyor {
  dataDir: string;
  store: Store;
  registry: NodeRegistry;
  engine: Engine;
  flows: FlowLibrary;
  /** Credentials (DATA_DIR/vault.json, or the PostgreSQL store's vault table; encrypted; docs/credentials.md). */
  vault: Vault;
  /** Schedule triggers (docs/user-guide.md, "Schedules"); armed only when opened with `schedules`. */
  scheduler: Scheduler;
  /** Space per run, deleting and archiving runs, upload cleanup, audit (docs/operations.md, "Retention"). */
  retention: Retention;
  /** Alert rules, daily summaries and /metrics (docs/operations.md, "Monitoring"); checked on a timer only with `schedules`. */
  monitoring: Monitoring;
  /** Tracked mail: signed links, opens and clicks, the suppression list (docs/user-guide.md, "Tracking opens and clicks"). */
  tracking: TrackingService;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Run the schedules that are switched on (the studio's `serve`; never the CLI's `run`). */
  schedules?: boolean | { log?: (line: string) => void };
  /** Sweep unused uploads at start and hourly (default: with `schedules`, i.e. the studio's `serve`). */
  sweeps?: boolean;
  /** The store to open (default: from CONVEYOR_STORE / DATABASE_URL, see server/store/open-store.ts). */
  store?: StoreChoice;
  /** Execute runs in this process (default true); false beside `npx conveyor worker` processes (server/worker). */
  execute?: boolean;
}

export async function openConveyor(dataDir: string, opts: OpenOptions = {}): Promise<Conveyor> {
  const dir = path.resolve(dataDir);
  // Run data is private: created 0700/0600 whatever the umask, older files tightened (one log line).
  makeCreatedFilesPrivate();
  const unlock = lockDataDir(dir);
  tightenDataDir(dir);
  let opened: Store | null = null;
  let vaultOpened: Vault | null = null;
  try {
    const registry = createRegistry();
    const choice = opts.store ?? storeChoice();
    // A --no-execute studio shares the database with other studios; one that executes runs needs it alone (store/pg/exclusive.ts).
    const store = (opened = await openStore(dir, choice, { exclusive: opts.execute === false ? 'shared' : true }));
    const vault = (vaultOpened = await openVault(dir, { nodeTypes: () => registry.types(), store: choice }));
    // On PostgreSQL every studio and worker must sign with one key (CONVEYOR_TRACKING_SECRET): one that does not makes no link (key-check.ts).
    const tracking =
      choice.kind === 'postgres'
        ? await sharedTrackingKey(dir, store).then(({ key, problem }) => new TrackingService(store, key, publicUrlFromEnv(), problem))
        : new TrackingService(store, await checkedTrackingKey(dir, store), publicUrlFromEnv());
    const engine = new Engine({ store, registry, dataDir: dir, credentials: vault, tracking, execute: opts.execute });
    await engine.recover();
    // Per-host rate limits of HTTP and AI steps keep their slots in this store (nodes/sdk/rate-limit.ts).
    const unbindLimits = bindRateLimitStore(store);
    const flows = new FlowLibrary(store, registry);
    const log = typeof opts.schedules === 'object' ? opts.schedules.log : undefined;
    // On PostgreSQL several studios may serve one database: ticks are claimed there, changes told to the others.
    const shared = choice.kind === 'postgres' && opts.schedules ? await sharedScheduling(store as PgStore) : null;
    const scheduler = new Scheduler({ store, engine, log, runsInWorkers: opts.execute === false, ...shared?.options });
    flows.onChange = (id) => void scheduler.refresh(id).catch(() => undefined);
    const retention = new Retention({ store, engine, dataDir: dir });
    if (opts.sweeps ?? Boolean(opts.schedules)) retention.startSweeps();
    const monitoring = new Monitoring({ store, engine, scheduler, vault });
    // Schedules and the monitor run in one studio at a time: the one that leads (scheduler/studios.ts).
    const studios = shared && choice.kind === 'postgres' ? await shared.join({ url: choice.url, scheduler, listFlowIds: async () => (await store.listFlows()).map((f) => f.id), lead: monitoring, log }) : null;
    if (opts.schedules && !studios) {
      await scheduler.start();
      monitoring.start();
    }
    return {
      dataDir: dir,
      store,
      registry,
      engine,
      flows,
      vault,
      scheduler,
      retention,
      monitoring,
      tracking,
      async close() {
        await studios?.close();
        monitoring.close();
        await retention.close();
        await scheduler.close();
        await engine.shutdown();
        unbindLimits();
        await vault.close();
        await store.close();
        unlock();
      },
    };
  } catch (err) {
    // A PostgreSQL store's connections would keep the process alive.
    await vaultOpened?.close().catch(() => undefined);
    await opened?.close().catch(() => undefined);
    unlock();
    throw err;
  }
}

/** The scheduler's parts for several studios on one database, loaded only on PostgreSQL. */
async function sharedScheduling(store: PgStore) {
  const [{ scheduleAnnouncer, joinStudios, studioId }, { storeTickClaims }] = await Promise.all([import('./scheduler/studios.ts'), import('./scheduler/tick-claims.ts')]);
  const id = studioId();
  return {
    options: { claims: storeTickClaims(store, id), announce: scheduleAnnouncer((channel, payload) => store.notify(channel, payload), id) },
    join: (parts: Omit<Parameters<typeof joinStudios>[0], 'id'>) => joinStudios({ ...parts, id }),
  };
}

export function defaultDataDir(): string {
  return path.resolve(process.env.DATA_DIR ?? 'data');
}
