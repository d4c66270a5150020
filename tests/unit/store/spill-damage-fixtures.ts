/** A data folder whose finished runs' steps are in step segments, one of them damaged (spill-damage*.test.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { openSqlJsStore, type SqlJsStore, type SqlJsStoreOptions } from '../../../server/store/sqljs-store.ts';
import { verifyStore } from '../../../server/store/maintenance.ts';
import { tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';

export const RECORDS = 30;

export const openSpilling = (storeDir: string, options: SqlJsStoreOptions = {}) =>
  openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {}, ...options });

export interface DamagedFolder {
  dataDir: string;
  storeDir: string;
  /** The damaged segment, the offset and length of the damaged frame and the record whose steps it holds. */
  segment: string;
  offset: number;
  length: number;
  record: number;
  /** What every read of each run answered before the damage. */
  reads: Map<string, Awaited<ReturnType<typeof everything>>>;
}

/**
 * Runs `runs` (30 records each, 3 steps a record) finished with their steps spilled; one byte flipped
 * in the middle of the first run's first step segment. `store verify` says which frame and record.
 */
export async function damagedSpillFolder(runs = ['run-a']): Promise<DamagedFolder> {
  const dataDir = tempDir();
  const storeDir = path.join(dataDir, 'store');
  const store = await openSpilling(storeDir);
  for (const id of runs) await finishedRun(store, id, RECORDS);
  await settle(store);
  const again = await openSpilling(storeDir);
  const reads = new Map<string, Awaited<ReturnType<typeof everything>>>();
  for (const id of runs) reads.set(id, await everything(again, id, RECORDS));
  await again.close();

  const segment = path.join(storeDir, 'runs', `${runs[0]}.steps`, 'steps-0000.seg');
  const bytes = fs.readFileSync(segment);
  bytes[Math.floor(bytes.length / 2)] ^= 0x10;
  fs.writeFileSync(segment, bytes);
  const damage = (await verifyStore(dataDir)).spills.flatMap((s) => s.damaged);
  if (damage.length !== 1 || damage[0].lost.length !== 1) throw new Error(`expected one damaged frame, verify found ${damage.length}`);
  return { dataDir, storeDir, segment, offset: damage[0].offset, length: damage[0].end - damage[0].offset, record: damage[0].lost[0].record, reads };
}

/** Waits for the step batches under way (they start after group commits), then closes. */
async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.close();
}
