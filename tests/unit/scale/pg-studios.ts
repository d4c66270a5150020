/**
 * Studios and a worker in the test process on one fresh PostgreSQL database, each on a data folder of
 * its own — as on several machines: the studios do not execute runs (`CONVEYOR_EXECUTE=0`), the
 * worker does. For the tests of what must reach across data folders (evidence, uploads).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { startWorker, type RunningWorker } from '../../../server/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

export type FolderStudio = RunningServer & { dir: string };

export function pgStudiosAndWorker(prefix: string, count: number): { db(): TestDatabase; studios(): FolderStudio[]; worker(): RunningWorker } {
  let db: TestDatabase;
  const studios: FolderStudio[] = [];
  let worker: RunningWorker;
  const saved = { CONVEYOR_STORE: process.env.CONVEYOR_STORE, DATABASE_URL: process.env.DATABASE_URL, CONVEYOR_EXECUTE: process.env.CONVEYOR_EXECUTE };
  const folder = (name: string) => mkdtempSync(path.join(os.tmpdir(), `conveyor-${prefix}-${name}-`));
  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, { CONVEYOR_STORE: 'postgres', DATABASE_URL: db.url, CONVEYOR_EXECUTE: '0' });
    for (let i = 0; i < count; i++) {
      const dir = folder(`studio-${i}`);
      studios.push(Object.assign(await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, clientDir: path.join(dir, 'no-client') }), { dir }));
    }
    worker = await startWorker({ url: db.url, dataDir: folder('worker'), id: `w-${prefix}`, leaseMs: 5000, batch: 4, pollMs: 50, poolSize: 3 });
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    for (const s of studios) await s.close();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    await db?.drop();
  });
  return { db: () => db, studios: () => studios, worker: () => worker };
}
