import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConveyorError } from './errors.ts';

/**
 * One process owns a data directory at a time: two writers on one journal would corrupt it.
 * A lock left by a process that died (kill -9) is taken over.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'conveyor.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) {
        throw new ConveyorError('E_DATA_DIR_BUSY', `The data directory ${dir} is in use by another Conveyor process (pid ${owner}).`, 'Stop that process, or point this one at another directory with DATA_DIR or --data-dir.', 409);
      }
      unlinkSync(file);
    }
  }
  throw new ConveyorError('E_DATA_DIR_BUSY', `Could not lock the data directory ${dir}.`, 'Check that the directory is writable.', 409);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
