/**
 * Snapshots: the whole database exported by sql.js, written to `<dir>/conveyor.db` atomically
 * (temporary file, fsync, rename, fsync of the directory). A crash at any point leaves either the
 * previous snapshot or the new one, never a partial file under the real name.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './journal.ts';

export const SNAPSHOT_FILE = 'conveyor.db';
export const SNAPSHOT_TMP_FILE = 'conveyor.db.tmp';

/** Writes `bytes` as the directory's snapshot; resolves once the new snapshot is durable. */
export async function writeSnapshot(dir: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(dir, SNAPSHOT_TMP_FILE);
  const fh = await fsp.open(tmp, 'w');
  try {
    // Chunks keep each write reasonable for the thread pool.
    const chunk = 8 << 20;
    for (let off = 0; off < bytes.length; ) {
      const { bytesWritten } = await fh.write(bytes, off, Math.min(chunk, bytes.length - off), off);
      if (bytesWritten <= 0) throw new Error(`Could not write the snapshot ${tmp}`);
      off += bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path.join(dir, SNAPSHOT_FILE));
  await fsyncDir(dir);
}

/** The directory's snapshot, or null when it has none. Removes a temporary file a crash left behind. */
export async function readSnapshot(dir: string): Promise<Uint8Array | null> {
  await fsp.rm(path.join(dir, SNAPSHOT_TMP_FILE), { force: true });
  try {
    return await fsp.readFile(path.join(dir, SNAPSHOT_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
