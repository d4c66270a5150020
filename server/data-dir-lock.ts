import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConveyorError } from './errors.ts';
import { processAlive, processIdentity } from './process-identity.ts';

/**
 * One process owns a data directory at a time: two writers on one journal would corrupt it.
 * The lock file holds the owner's pid and, where the system tells it (Linux), which process that pid
 * was (the boot and the process's start time): a lock left by a process that died (kill -9, a power
 * cut) is taken over, also when its pid now belongs to another process. Taking a stale lock over is
 * atomic: two processes starting at once on a folder whose owner died never both own it.
 */
/** For tests: runs after a process read a lock it may take over (another process may act meanwhile). */
export const lockHooks: { afterRead?: () => void } = {};

export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'conveyor.lock');
  const mine = `${process.pid}\n${identityOf(process.pid) ?? ''}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      createWhole(file, mine);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(file);
      lockHooks.afterRead?.();
      if (held === null) continue; // removed meanwhile: try again
      if (liveOwner(held)) {
        throw new ConveyorError('E_DATA_DIR_BUSY', `The data directory ${dir} is in use by another Conveyor process (pid ${ownerOf(held)}).`, 'Stop that process, or point this one at another directory with DATA_DIR or --data-dir.', 409);
      }
      if (!removeStale(file, held, mine)) sleep(10);
    }
  }
  throw new ConveyorError('E_DATA_DIR_BUSY', `Could not lock the data directory ${dir}.`, 'Check that the directory is writable.', 409);
}

/**
 * Removes the stale lock, only while holding `conveyor.lock.takeover` and only if it still holds what
 * was judged stale: of processes starting at once on a folder whose owner died, one removes it, and
 * the others then find the lock of the one that took the folder. False when another process is
 * taking over (try again shortly). A takeover lock left by a process that died meanwhile is removed.
 */
function removeStale(file: string, stale: string, mine: string): boolean {
  const takeover = `${file}.takeover`;
  try {
    createWhole(takeover, mine);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const other = readLock(takeover);
    if (other !== null && !liveOwner(other)) rmIfSame(takeover, other);
    return false;
  }
  try {
    rmIfSame(file, stale);
  } finally {
    unlinkSync(takeover);
  }
  return true;
}

function rmIfSame(file: string, text: string): void {
  if (readLock(file) === text) unlinkSync(file);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock names a process that runs (not this one). */
function liveOwner(held: string): boolean {
  const owner = ownerOf(held);
  return owner !== 0 && owner !== process.pid && heldBy(owner, held);
}

/** Creates `file` holding `text`, or fails with EEXIST: linked in whole, so no one ever reads it empty or half-written. */
function createWhole(file: string, text: string): void {
  const tmp = asideName(file);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

function asideName(file: string): string {
  return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
}

function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The pid a lock names (0 when it names none: an empty or garbled file). */
function ownerOf(held: string): number {
  const pid = Number(held.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** The lock's owner still runs: its pid is alive and, when the lock says which process it was, still that process. */
function heldBy(pid: number, held: string): boolean {
  if (!processAlive(pid)) return false;
  const recorded = held.split('\n')[1] ?? '';
  if (!recorded) return true; // written before identities (or where the system tells none): the pid alone
  const now = identityOf(pid);
  return now === null || now === recorded;
}

/** Which process `pid` is (process-identity.ts); exported for the lock's tests. */
export const identityOf = processIdentity;
