/**
 * How `store repair` sets a damaged journal file aside and keeps its intact start, so that a crash
 * (kill -9, a power cut) at any point of the repair loses nothing: the whole file is first copied
 * into the aside folder and synced, and only then is the file replaced — atomically, by its intact
 * start written beside it and renamed over it — or removed when nothing before the damage is intact.
 * At every moment the store folder holds the damaged file or its intact start, never neither
 * (moving it aside first and writing the start back after left, when cut in between, a folder whose
 * intact entries were gone: the next repair, or open, went on without them).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './journal.ts';

/** For crash tests: `afterCopyAside` once the damaged file is safe in the aside folder, before the store folder changes; `afterCut` once its intact start replaced it; `afterSegments` once damaged step segments were rewritten (maintenance.ts). */
export const repairHooks: { afterCopyAside?: (file: string) => void | Promise<void>; afterCut?: (file: string) => void | Promise<void>; afterSegments?: () => void | Promise<void> } = {};

/** Copies `file` (whose bytes are `content`) into `asideDir`, then leaves only `content`'s first `intact` bytes in its place. */
export async function setAsideKeepingStart(file: string, content: Buffer, asideDir: string, intact: number): Promise<void> {
  await writeSynced(path.join(asideDir, path.basename(file)), content, 'wx');
  await fsyncDir(asideDir);
  await repairHooks.afterCopyAside?.(file);
  if (intact > 0) {
    const tmp = `${file}.repair`;
    await writeSynced(tmp, content.subarray(0, intact), 'w');
    await fsp.rename(tmp, file);
  } else {
    await fsp.rm(file);
  }
  await fsyncDir(path.dirname(file));
  await repairHooks.afterCut?.(file);
}

async function writeSynced(file: string, bytes: Uint8Array, flag: 'w' | 'wx'): Promise<void> {
  const fh = await fsp.open(file, flag, 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
