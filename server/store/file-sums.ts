/**
 * Checksums of the data folder's loose files (evidence, uploads): the SHA-256 and length recorded
 * when a file is written, checked when it is served or read and by `conveyor store verify`.
 *
 * SHA-256 rather than the journal's CRC-32: an operator can check a file by hand (`sha256sum`),
 * and the cost is small for files read whole and rarely (a screenshot when a record's page opens
 * it, an upload when a run starts). Measured with bench/file-sums.ts on this machine (200 MB,
 * 3 interleaved rounds, load average 21-22 on 2 cores): SHA-256 132-147 ms CPU in memory, the JS
 * CRC-32 of crc32.ts 154-229 ms, zlib.crc32 (Node >= 20.15 only) 36-47 ms; checking a 200 MB
 * upload from disk (checkFile: stat, read, hash) 285-595 ms CPU, 0.4-1.0 s wall — what a run
 * over the largest upload allowed pays once at its start (at that rate a 100 KB screenshot: ~0.2 ms).
 *
 * The record lives next to the file (a sidecar, or the upload's `.json`), written by rename after
 * the file itself is complete and synced: a crash in between leaves a file without a record —
 * reported "unchecked", never "damaged" — and a record names only bytes that reached the disk.
 * See docs/architecture.md, "Durable store" (Evidence and uploads).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export const SUM_ALGORITHM = 'sha256';

/** What was written: recorded with the file. */
export interface FileSum {
  algorithm: typeof SUM_ALGORITHM;
  bytes: number;
  sha256: string;
}

/** Left in the record by `store repair` when the file was moved aside (damaged or missing). */
export interface LostMark {
  at: string;
  reason: string;
  /** Where the damaged file went (null: it was missing, nothing to move). */
  movedTo: string | null;
}

export type FileState =
  /** Its bytes are the ones recorded. */
  | { state: 'ok'; sum: FileSum }
  /** Written before checksums (or its record never written: a crash between the two): served as it is. */
  | { state: 'unchecked'; bytes: number }
  /** Bytes differ from the record (changed, cut short, grown), or the record itself cannot be read. */
  | { state: 'damaged'; reason: string; sum: FileSum | null }
  /** The record says it was written; the file is gone. */
  | { state: 'missing'; reason: string; sum: FileSum | null }
  /** `store repair` moved it aside: gone, and known to be. */
  | { state: 'lost'; lost: LostMark; sum: FileSum | null };

export function sumOf(content: Uint8Array | string): FileSum {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { algorithm: SUM_ALGORITHM, bytes: buf.byteLength, sha256: createHash('sha256').update(buf).digest('hex') };
}

/** A streaming SHA-256 (for a file of any size: an upload may be 200 MB). */
export function sumHasher(): { update(chunk: Uint8Array): void; done(): FileSum } {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    update(chunk) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    },
    done: () => ({ algorithm: SUM_ALGORITHM, bytes, sha256: hash.digest('hex') }),
  };
}

export async function sumOfFile(file: string): Promise<FileSum> {
  const h = sumHasher();
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.done();
}

/** The checksum fields of a record (a sidecar or an upload's meta), if it holds them. */
export function sumIn(record: unknown): FileSum | null {
  const r = record as Partial<FileSum> | null;
  if (!r || r.algorithm !== SUM_ALGORITHM || typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256) || !Number.isSafeInteger(r.bytes)) return null;
  return { algorithm: SUM_ALGORITHM, bytes: r.bytes!, sha256: r.sha256 };
}

export function lostIn(record: unknown): LostMark | null {
  const l = (record as { lost?: Partial<LostMark> } | null)?.lost;
  if (!l || typeof l.at !== 'string' || typeof l.reason !== 'string') return null;
  return { at: l.at, reason: l.reason, movedTo: typeof l.movedTo === 'string' ? l.movedTo : null };
}

const ABSENT = new Set(['ENOENT', 'ENAMETOOLONG', 'ENOTDIR']);

/** The record at `recordFile`: absent (null), or parsed (unreadable when its JSON is broken). */
export async function readRecord(recordFile: string): Promise<{ value: Record<string, unknown> } | { unreadable: true } | null> {
  let text: string;
  try {
    text = await fsp.readFile(recordFile, 'utf8');
  } catch (err) {
    // A name too long for the file system, or under a file instead of a folder, names nothing there.
    if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { unreadable: true };
    return { value: value as Record<string, unknown> };
  } catch {
    return { unreadable: true };
  }
}

/**
 * The state of `file` against its record at `recordFile`. A record without checksum fields is an
 * older version's (an upload's meta before checksums): the file is unchecked.
 */
export async function checkFile(file: string, recordFile: string): Promise<FileState> {
  const rec = await readRecord(recordFile);
  const st = await fsp.stat(file).catch(() => null);
  if (rec && 'unreadable' in rec) {
    return { state: 'damaged', reason: `its checksum record ${path.basename(recordFile)} cannot be read`, sum: null };
  }
  const sum = rec ? sumIn(rec.value) : null;
  const lost = rec ? lostIn(rec.value) : null;
  if (lost) return { state: 'lost', lost, sum };
  if (!st?.isFile()) {
    return { state: 'missing', reason: sum ? `it was written (${sum.bytes} bytes) but the file is gone` : 'the file is gone', sum };
  }
  if (!sum) return { state: 'unchecked', bytes: st.size };
  if (st.size !== sum.bytes) {
    const how = st.size < sum.bytes ? 'cut short' : 'grown';
    return { state: 'damaged', reason: `it holds ${st.size} bytes where ${sum.bytes} were written (${how})`, sum };
  }
  const now = await sumOfFile(file);
  if (now.sha256 !== sum.sha256 || now.bytes !== sum.bytes) return { state: 'damaged', reason: 'its bytes do not match the SHA-256 recorded when it was written', sum };
  return { state: 'ok', sum };
}

/** Writes `content` to `file` through a temporary name in the same folder, synced, then renamed in. */
export async function writeFileAtomic(file: string, content: Uint8Array | string, tmpDir = path.dirname(file)): Promise<void> {
  const tmp = path.join(tmpDir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.part`);
  const fh = await fsp.open(tmp, 'wx');
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** A temporary file `writeFileAtomic` left behind (a crash before its rename): never data. */
export const isPartFile = (name: string) => name.startsWith('.') && name.endsWith('.part');
