import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConveyorError } from './errors.ts';
import { processAlive, processStartTime } from './process-identity.ts';

/**
 * One process owns a data directory at a time: two writers on one journal would corrupt it.
 * A lock left by a process that died (kill -9) is taken over — also when its process id is alive
 * again as another program (after a reboot or a container restart process ids are handed out anew)
 * or is a zombie its parent has not reaped yet: the lock holds the owner's start time beside its id
 * ("pid start"), and a process with that id but another start time is not the owner. A lock written
 * by an older version (the id alone) is judged by the id.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'conveyor.lock');
  const mine = lockText(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, mine);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = parseLock(readLock(file));
      if (owner && owner.pid !== process.pid && processAlive(owner.pid, owner.start)) {
        throw new ConveyorError('E_DATA_DIR_BUSY', `The data directory ${dir} is in use by another Conveyor process (pid ${owner.pid}).`, 'Stop that process, or point this one at another directory with DATA_DIR or --data-dir.', 409);
      }
      try {
        unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  throw new ConveyorError('E_DATA_DIR_BUSY', `Could not lock the data directory ${dir}.`, 'Check that the directory is writable.', 409);
}

/** The lock's text for process `pid`: its id, and its start time where the system tells it. */
function lockText(pid: number): string {
  const start = processStartTime(pid);
  return start === null ? String(pid) : `${pid} ${start}`;
}

/** The lock file's text ('' when it went meanwhile: its owner let it go). */
function readLock(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** The owner a lock names (null: empty or not a lock — a torn write of a process that died then). */
function parseLock(text: string): { pid: number; start: string | null } | null {
  const m = /^(\d+)(?: (\S+))?\s*$/.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return pid > 0 ? { pid, start: m![2] ?? null } : null;
}
