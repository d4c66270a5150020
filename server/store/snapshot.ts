/**
 * Snapshots: the whole database exported by sql.js, written to `<dir>/conveyor.db` atomically
 * (temporary file, fsync, rename, fsync of the directory). A crash at any point leaves either the
 * previous snapshot or the new one, never a partial file under the real name.
 *
 * Every byte is checked: the SQLite bytes are wrapped in a small container whose header holds their
 * length, the last journal entry they contain, their SHA-256 and a CRC-32 per 64 KiB chunk (to tell
 * where damage is), and a CRC-32 of the header itself:
 *
 *   "CVSNAP\0\x01" | u32 header length H | u32 chunk size | u64 data length | u64 last seq |
 *   32-byte SHA-256 of the data | u32 chunk count n | n × u32 CRC-32 | u32 CRC-32 of bytes [0, H - 4) | data
 *
 * (integers little-endian). A snapshot written before checksums existed (a raw SQLite file) is still
 * opened — it cannot be checked — and the store writes it again in the checked form at its next snapshot.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import { crc32 } from './crc32.ts';
import { fsyncDir } from './journal.ts';

export const SNAPSHOT_FILE = 'conveyor.db';
export const SNAPSHOT_TMP_FILE = 'conveyor.db.tmp';

const MAGIC = Buffer.from('CVSNAP\0\x01', 'latin1');
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const CHUNK_BYTES = 64 * 1024;
const FIXED_HEADER_BYTES = 68;
const TWO_POW_32 = 0x1_0000_0000;
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);

/** What a snapshot file holds, once checked. */
export type SnapshotCheck =
  | { state: 'ok'; bytes: Uint8Array; seq: number; fileBytes: number }
  /** A raw SQLite file written before snapshots had checksums: opened, not checkable. */
  | { state: 'legacy'; bytes: Uint8Array; fileBytes: number }
  | { state: 'damaged'; offset: number; reason: string; fileBytes: number; seq: number | null; bytes: Uint8Array | null };

/** Completes a header whose chunk CRCs are written: magic, sizes, seq, SHA-256, its own CRC. */
function fillHeader(h: Buffer, length: number, seq: number, sha: Buffer): Buffer {
  const headerBytes = h.length;
  MAGIC.copy(h, 0);
  h.writeUInt32LE(headerBytes, 8);
  h.writeUInt32LE(CHUNK_BYTES, 12);
  h.writeUInt32LE(Math.floor(length / TWO_POW_32), 16);
  h.writeUInt32LE(length % TWO_POW_32, 20);
  h.writeUInt32LE(Math.floor(seq / TWO_POW_32), 24);
  h.writeUInt32LE(seq % TWO_POW_32, 28);
  sha.copy(h, 32);
  h.writeUInt32LE((headerBytes - FIXED_HEADER_BYTES - 4) / 4, 64);
  h.writeUInt32LE(crc32(h, 0, headerBytes - 4), headerBytes - 4);
  return h;
}

/** Checks a snapshot file's content; never throws. */
export function checkSnapshot(file: Uint8Array): SnapshotCheck {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fileBytes = buf.length;
  const damaged = (offset: number, reason: string, seq: number | null = null, bytes: Uint8Array | null = null): SnapshotCheck => ({
    state: 'damaged',
    offset,
    reason,
    fileBytes,
    seq,
    bytes,
  });
  if (buf.length >= SQLITE_MAGIC.length && buf.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return { state: 'legacy', bytes: file, fileBytes };
  }
  if (buf.length < FIXED_HEADER_BYTES + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    return damaged(0, buf.length === 0 ? 'the file is empty' : 'the file does not start with a snapshot header');
  }
  const headerBytes = buf.readUInt32LE(8);
  const chunkBytes = buf.readUInt32LE(12);
  const chunks = buf.readUInt32LE(64);
  if (headerBytes !== FIXED_HEADER_BYTES + 4 * chunks + 4 || headerBytes > buf.length || chunkBytes === 0) {
    return damaged(8, 'its header is damaged (sizes do not agree)');
  }
  if (crc32(buf, 0, headerBytes - 4) !== buf.readUInt32LE(headerBytes - 4)) {
    return damaged(0, `its header (bytes 0–${headerBytes - 1}) fails its checksum`);
  }
  const length = buf.readUInt32LE(16) * TWO_POW_32 + buf.readUInt32LE(20);
  const seq = buf.readUInt32LE(24) * TWO_POW_32 + buf.readUInt32LE(28);
  const data = buf.subarray(headerBytes);
  if (data.length !== length) {
    return damaged(
      Math.min(buf.length, headerBytes + length),
      `it holds ${data.length} bytes of data where ${length} were written (${data.length < length ? 'cut short' : 'bytes added'})`,
      seq,
    );
  }
  const sha = createHash('sha256').update(data).digest();
  if (!sha.equals(buf.subarray(32, 64))) {
    // Locate the damage: the first chunk whose CRC differs.
    for (let i = 0; i < chunks; i++) {
      const start = i * chunkBytes;
      const end = Math.min(length, start + chunkBytes);
      if (crc32(data, start, end) !== buf.readUInt32LE(FIXED_HEADER_BYTES + 4 * i)) {
        return damaged(headerBytes + start, `bytes ${headerBytes + start}–${headerBytes + end - 1} fail their checksum`, seq, data);
      }
    }
    return damaged(headerBytes, 'its data fails its SHA-256 checksum', seq, data);
  }
  return { state: 'ok', bytes: data, seq, fileBytes };
}

/**
 * Writes `bytes` (whose `meta.last_seq` is `seq`) as the directory's snapshot; resolves once it is
 * durable. Takes the bytes: they are written to the temporary file at once, before this returns
 * (synchronously, hashed on the way), and their memory is released then — see `releaseBytes`. Only
 * the fsync and the rename wait. A failed write rejects (the bytes are released all the same).
 *
 * Why synchronously: the export is a whole copy of the database. Written in the background, under
 * load it lived for seconds while the journal went on growing the database (sql.js grows its file by
 * copying it whole too), so a 100,000-record run held the database up to four times at once (peak
 * "external" memory 343 MB for an 82 MB database). The price is the event loop: for an 86 MB
 * database the synchronous part (hashes and the write into the page cache) took 0.71–1.25 s wall,
 * 0.26–0.39 s CPU, where the hashes alone, already synchronous, took 0.29–0.59 s wall, 0.13–0.24 s CPU
 * (`bench/store-memory.ts snapshot-write 86`, six rounds, load 11–12 on 2 cores; one snapshot per
 * database-size of journal, about every 30 s at that size in a 100,000-record run).
 */
export async function writeSnapshot(dir: string, bytes: Uint8Array, seq: number): Promise<void> {
  const tmp = path.join(dir, SNAPSHOT_TMP_FILE);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w');
    try {
      writeContainerSync(fd, bytes, seq, tmp);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  } finally {
    releaseBytes(bytes);
  }
  try {
    await fsync(fd);
  } finally {
    await close(fd);
  }
  await fsp.rename(tmp, path.join(dir, SNAPSHOT_FILE));
  await fsyncDir(dir);
}

/** Writes the container (header, then data) to `fd`, hashing the data chunk by chunk as it goes. */
function writeContainerSync(fd: number, bytes: Uint8Array, seq: number, file: string): void {
  const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
  const headerBytes = FIXED_HEADER_BYTES + 4 * chunks + 4;
  const h = Buffer.alloc(headerBytes);
  const sha = createHash('sha256');
  // Slices of a few MiB keep each write reasonable and the data hot in the CPU cache for the hash.
  const slice = 128 * CHUNK_BYTES;
  for (let off = 0; off < bytes.length; off += slice) {
    const end = Math.min(bytes.length, off + slice);
    const part = bytes.subarray(off, end);
    sha.update(part);
    for (let c = off; c < end; c += CHUNK_BYTES) {
      h.writeUInt32LE(crc32(bytes, c, Math.min(end, c + CHUNK_BYTES)), FIXED_HEADER_BYTES + 4 * (c / CHUNK_BYTES));
    }
    writeAllSync(fd, part, headerBytes + off, file);
  }
  fillHeader(h, bytes.length, seq, sha.digest());
  writeAllSync(fd, h, 0, file);
}

function writeAllSync(fd: number, bytes: Uint8Array, at: number, file: string): void {
  for (let off = 0; off < bytes.length; ) {
    const n = fs.writeSync(fd, bytes, off, bytes.length - off, at + off);
    if (n <= 0) throw new Error(`Could not write the snapshot ${file}`);
    off += n;
  }
}

/**
 * Frees the memory of `bytes` now instead of at the garbage collector's next turn: their buffer is
 * transferred into a message that is never delivered, which detaches it (`bytes` is then empty) and
 * drops the memory with the message. V8 counts such memory as "external" and collects it late: the
 * copies of the database a run let go of stayed for seconds, side by side with the live one. A
 * buffer that cannot be transferred (a view of memory that is not its own) is left to the collector.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  // A shared buffer cannot be detached (and is not a copy of ours to free). Checked by its tag, not
  // instanceof: sql.js may make its arrays in another realm (Vitest's, for one).
  if (bytes.byteLength === 0 || Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') return;
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(null, [buffer as ArrayBuffer]);
  } catch {
    // Not transferable: it goes with the next collection.
  } finally {
    port1.close();
    port2.close();
  }
}

/**
 * The directory's snapshot, checked, or null when it has none. Removes a temporary file a crash
 * left behind (never a snapshot: the rename had not happened).
 */
export async function readSnapshotChecked(dir: string): Promise<SnapshotCheck | null> {
  await fsp.rm(path.join(dir, SNAPSHOT_TMP_FILE), { force: true });
  return peekSnapshot(dir);
}

/** Like `readSnapshotChecked`, changing nothing on disk. */
export async function peekSnapshot(dir: string): Promise<SnapshotCheck | null> {
  let file: Buffer;
  try {
    file = await fsp.readFile(path.join(dir, SNAPSHOT_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return checkSnapshot(file);
}
