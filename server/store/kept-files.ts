/**
 * Files chosen in node forms, kept by the embedded store as files of the data folder:
 * DATA_DIR/kept-files/<sha256>, named by the SHA-256 of their bytes — the name is the checksum, so
 * every read checks every byte, and the same file chosen in many flows (or run by many runs) is kept
 * once. Written in full, synced and renamed in, and the folder synced, before the flow or run that
 * names the file is written: a crash never leaves a flow naming a file that is not there. Outside
 * the store's folder on purpose: never loaded into the store's memory, backed up and verified with
 * the data folder's other files (data-files.ts).
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { writeFileAtomic } from './file-sums.ts';
import { fsyncDir } from './journal.ts';
import type { KeptFileHead } from './types.ts';

export const KEPT_FILES_DIR = 'kept-files';
export const KEPT_FILE_ID = /^[0-9a-f]{64}$/;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function keptFileDamaged(sha256: string, where: string, actual: string): ConveyorError {
  return new ConveyorError(
    'E_KEPT_FILE_DAMAGED',
    `The file kept as ${sha256.slice(0, 12)}… (${where}) is damaged: its bytes no longer match their SHA-256 (they hash to ${actual.slice(0, 12)}…).`,
    'Choose the file again in the step\'s form and save the flow (or restore the data folder from a backup); `npx conveyor store verify` lists every damaged file.',
    500,
  );
}

/**
 * Where `store repair` marks a kept file it moved aside or found gone (`.<sha256>.lost`, not a kept
 * file's name): verify then says it was moved aside instead of reporting it again, as an evidence
 * file's record says so. Choosing the same file again keeps it anew (`put` removes the mark).
 */
export function keptFileMarkOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.lost`);
}

/** The kept files of one data folder. */
export class KeptFilesOnDisk {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, KEPT_FILES_DIR);
  }

  async put(bytes: Buffer): Promise<string> {
    const sha = sha256Of(bytes);
    const file = path.join(this.dir, sha);
    // Kept already (the same file chosen again): its bytes checked, as any read would, and its time
    // renewed — retention deletes a file nothing names only once it has not been kept for a while.
    if ((await this.read(sha).catch(() => null)) !== null) {
      const now = new Date();
      await fsp.utimes(file, now, now).catch(() => undefined);
      return sha;
    }
    await fsp.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(file, bytes);
    // Kept anew after `store repair` marked it gone: the mark no longer says anything true.
    await fsp.rm(keptFileMarkOf(file), { force: true });
    await fsyncDir(this.dir);
    return sha;
  }

  async read(sha256: string): Promise<Buffer | null> {
    if (!KEPT_FILE_ID.test(sha256)) return null;
    const file = path.join(this.dir, sha256);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const actual = sha256Of(bytes);
    if (actual !== sha256) throw keptFileDamaged(sha256, file, actual);
    return bytes;
  }

  /** Every kept file (temporary files of an interrupted write are not kept files). */
  async list(): Promise<KeptFileHead[]> {
    const names = await fsp.readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const out: KeptFileHead[] = [];
    for (const name of names.filter((n) => KEPT_FILE_ID.test(n)).sort()) {
      const st = await fsp.stat(path.join(this.dir, name)).catch(() => null);
      if (st?.isFile()) out.push({ sha256: name, bytes: st.size, keptAt: st.mtime.toISOString() });
    }
    return out;
  }

  async delete(sha256: string): Promise<boolean> {
    if (!KEPT_FILE_ID.test(sha256)) return false;
    try {
      await fsp.rm(path.join(this.dir, sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
