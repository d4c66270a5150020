/**
 * A store repair that a crash cuts short must not lose what it set out to do. Before it cuts the
 * journal or rewrites a step segment, `store repair` writes `store/repair-pending.json` (synced): the
 * journal entries and the records' steps it is about to drop. Until the repair ends — the records whose lost entries held an unsafe step marked in
 * doubt, the loss reported — the file stays, the store refuses to open (E_STORE_DAMAGED, "run store
 * repair again"), and the next repair takes those entries up again. Without it, a crash between the
 * cut and the marks left a store that opened healthy, and a resume ran those unsafe steps again.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import type { OffsetFrame } from './integrity.ts';
import type { LostSteps } from './archive/spill-check.ts';
import { dataDirOf } from './integrity.ts';
import { fsyncDir } from './journal.ts';

export const REPAIR_PENDING_FILE = 'repair-pending.json';

export interface PendingRepair {
  /** The folder the damaged files were moved into. */
  aside: string;
  /** The entries the repair drops (those of damaged frames count from `firstLostSeq`). */
  frames: OffsetFrame[];
  firstLostSeq: number | null;
  /** The records whose steps it drops from step segments (reported and audited at its end). */
  lostSteps: LostSteps[];
}

export async function savePendingRepair(storeDir: string, pending: PendingRepair): Promise<void> {
  const file = path.join(storeDir, REPAIR_PENDING_FILE);
  const fh = await fsp.open(`${file}.tmp`, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(pending));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(`${file}.tmp`, file);
  await fsyncDir(storeDir);
}

export async function readPendingRepair(storeDir: string): Promise<PendingRepair | null> {
  try {
    return JSON.parse(await fsp.readFile(path.join(storeDir, REPAIR_PENDING_FILE), 'utf8')) as PendingRepair;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function clearPendingRepair(storeDir: string): Promise<void> {
  await fsp.rm(path.join(storeDir, REPAIR_PENDING_FILE), { force: true });
  await fsyncDir(storeDir);
}

/** Refuses to open a store whose repair was cut short. */
export async function refuseCutRepair(storeDir: string): Promise<void> {
  const pending = await readPendingRepair(storeDir).catch(() => ({ aside: '?', frames: [], firstLostSeq: null, lostSteps: [] }));
  if (!pending) return;
  const dataDir = dataDirOf(storeDir);
  throw new ConveyorError(
    'E_STORE_DAMAGED',
    `The store is damaged: a store repair of ${storeDir} was cut short (${path.join(storeDir, REPAIR_PENDING_FILE)} is there): records whose lost entries held a step that changes things outside Conveyor are not yet marked in doubt, and the loss is not yet reported. It was not opened and nothing was changed.`,
    `Run "npx conveyor store repair --data-dir ${dataDir}" again (studio stopped): it finishes the repair (files moved aside so far are in ${pending.aside}).`,
    500,
    { file: path.join(storeDir, REPAIR_PENDING_FILE), offset: 0, reason: 'a store repair was cut short' },
  );
}
