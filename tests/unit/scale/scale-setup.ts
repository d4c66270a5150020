/**
 * What the scale tests share: a fresh PostgreSQL database and data folder for the file's studio and
 * worker processes (which inherit CONVEYOR_STORE and DATABASE_URL), everything killed and dropped after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { killAllStudios, startStudio } from '../crash/studio-process.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';
import { killAllWorkers } from './worker-processes.ts';

export interface ScaleSetup {
  db(): TestDatabase;
  dir(): string;
  /** Runs after the processes are killed, before the database is dropped (an endpoint to close). */
  cleanup(fn: () => Promise<void> | void): void;
}

export function freshDatabaseForProcesses(prefix: string, env: Record<string, string> = {}): ScaleSetup {
  let db: TestDatabase;
  let dir: string;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, { CONVEYOR_STORE: 'postgres', DATABASE_URL: db.url }, env);
    dir = mkdtempSync(path.join(os.tmpdir(), `conveyor-${prefix}-`));
  });
  afterAll(async () => {
    killAllWorkers();
    killAllStudios();
    for (const fn of cleanups) await fn();
    for (const k of Object.keys(env)) delete process.env[k];
    await new Promise((r) => setTimeout(r, 300));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db: () => db, dir: () => dir, cleanup: (fn) => cleanups.push(fn) };
}

/** A studio that leaves runs to workers (serve with CONVEYOR_EXECUTE=0). */
export async function startStudioForWorkers(dir: string): ReturnType<typeof startStudio> {
  process.env.CONVEYOR_EXECUTE = '0';
  try {
    return await startStudio(dir);
  } finally {
    delete process.env.CONVEYOR_EXECUTE;
  }
}
