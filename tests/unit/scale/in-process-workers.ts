/**
 * Workers inside the test process for the scale tests that do not kill anything: a fresh PostgreSQL
 * database, a studio engine that plans runs and leaves them to workers (execute: false), and real
 * worker loops (server/worker/worker.ts, each its own engine, store connections and lock pool).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { Engine } from '../../../server/engine/engine.ts';
import type { RunSummary } from '../../../server/engine/engine.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { startWorker, type RunningWorker } from '../../../server/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

export interface InProcessWorkers {
  studio(): Engine;
  store(): PgStore;
  db(): TestDatabase;
  /** The data folder the workers are given (their vault file, their tracking.key). */
  dir(): string;
  /** Starts `n` workers (ids w0…), stopped after the file. */
  start(n: number, opts?: { batch?: number; pollMs?: number }): Promise<RunningWorker[]>;
  /** Resolves when the run is at rest with the status wanted (or throws after `ms`). */
  until(runId: string, status: string, ms?: number): Promise<RunSummary>;
}

export function inProcessWorkers(prefix: string): InProcessWorkers {
  let db: TestDatabase;
  let dir: string;
  let store: PgStore;
  let studio: Engine;
  const workers: RunningWorker[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), `conveyor-${prefix}-`));
    store = await openPgStore(db.url, { poolSize: 3 });
    studio = new Engine({ store, registry: createRegistry(), dataDir: dir, execute: false });
  });
  afterAll(async () => {
    for (const w of workers) await w.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    studio: () => studio,
    store: () => store,
    db: () => db,
    dir: () => dir,
    async start(n, opts = {}) {
      const started = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          startWorker({ url: db.url, dataDir: dir, id: `w${workers.length + i}`, leaseMs: 5000, batch: opts.batch ?? 4, pollMs: opts.pollMs ?? 50, poolSize: 3 }),
        ),
      );
      workers.push(...started);
      return started;
    },
    async until(runId, status, ms = 60_000) {
      const end = Date.now() + ms;
      for (;;) {
        const s = await studio.summary(runId);
        if (s.status === status) return s;
        if (Date.now() > end) throw new Error(`run ${runId} is ${s.status}, not ${status}: ${JSON.stringify(s.counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
