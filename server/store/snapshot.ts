/**
 * Snapshots: the whole database exported by sql.js, written to `<dir>/conveyor.db` atomically
 * (temporary file, fsync, rename, fsync of the directory). A crash at any point leaves either the
 * previous snapshot or the new one, never a partial file under the real name.
 *
 * Every byte is checked, and the bytes are deflated: the SQLite bytes are cut into 256 KiB chunks,
 * each stored deflated (raw DEFLATE, level 1) or as it is when that does not save a tenth, in a
 * container whose header holds the data's length, the last journal entry it contains, its SHA-256,
 * each chunk's stored length and CRC-32 (to tell *where* damage is, before inflating), and a CRC-32 of
 * the header itself:
 *
 *   "CVSNAP\0\x02" | u32 header length H | u32 chunk size | u64 data length | u64 last seq |
 *   32-byte SHA-256 of the data | u32 chunk count n | n × (u32 CRC-32 of the stored chunk, u32 stored
 *   length, top bit set when deflated) | u32 CRC-32 of bytes [0, H - 4) | stored chunks
 *
 * (integers little-endian). A database of a running 100,000-record run (78 MB: records, their log
 * lines and audit events, where their steps are) deflates 5.5× at level 1 for about 0.5 s of CPU
 * (level 3: 5.55× for 0.4 s); snapshots were most of what a long run wrote (about 510 of 596 bytes
 * per step at 100,000 records) — see docs/benchmarks.md.
 *
 * Older containers are still read: version 1 ("CVSNAP\0\x01": the data stored as it is, a CRC-32
 * per 64 KiB chunk) and a raw SQLite file written before snapshots had checksums (opened, not
 * checkable); the store writes the current form at its next snapshot.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import zlib from 'node:zlib';
import { crc32 } from './crc32.ts';
import { deflateIfWorth } from './deflate.ts';
import { fsyncDir } from './journal.ts';

export const SNAPSHOT_FILE = 'conveyor.db';
export const SNAPSHOT_TMP_FILE = 'conveyor.db.tmp';

const MAGIC_V1 = Buffer.from('CVSNAP\0\x01', 'latin1');
const MAGIC = Buffer.from('CVSNAP\0\x02', 'latin1');
/** The stored length's flag: the chunk is deflated. */
const DEFLATED = 0x8000_0000;
const STORED_MASK = 0x7fff_ffff;
/** Chunks of version 2: large enough that deflating one costs little more than its bytes. */
const CHUNK_V2 = 256 * 1024;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
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

/** Completes a header whose chunk entries are written: magic, sizes, seq, SHA-256, its own CRC. */
function fillHeader(h: Buffer, length: number, seq: number, sha: Buffer, chunks: number): Buffer {
  const headerBytes = h.length;
  MAGIC.copy(h, 0);
  h.writeUInt32LE(headerBytes, 8);
  h.writeUInt32LE(CHUNK_V2, 12);
  h.writeUInt32LE(Math.floor(length / TWO_POW_32), 16);
  h.writeUInt32LE(length % TWO_POW_32, 20);
  h.writeUInt32LE(Math.floor(seq / TWO_POW_32), 24);
  h.writeUInt32LE(seq % TWO_POW_32, 28);
  sha.copy(h, 32);
  h.writeUInt32LE(chunks, 64);
  h.writeUInt32LE(crc32(h, 0, headerBytes - 4), headerBytes - 4);
  return h;
}

type Damaged = (offset: number, reason: string, seq?: number | null, bytes?: Uint8Array | null) => SnapshotCheck;

/** Checks a snapshot file's content; never throws. */
export function checkSnapshot(file: Uint8Array): SnapshotCheck {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fileBytes = buf.length;
  const damaged: Damaged = (offset, reason, seq = null, bytes = null) => ({ state: 'damaged', offset, reason, fileBytes, seq, bytes });
  if (buf.length >= SQLITE_MAGIC.length && buf.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return { state: 'legacy', bytes: file, fileBytes };
  }
  const v1 = buf.length >= MAGIC_V1.length && buf.subarray(0, MAGIC_V1.length).equals(MAGIC_V1);
  if (buf.length < FIXED_HEADER_BYTES + 4 || (!v1 && !buf.subarray(0, MAGIC.length).equals(MAGIC))) {
    return damaged(0, buf.length === 0 ? 'the file is empty' : 'the file does not start with a snapshot header');
  }
  const headerBytes = buf.readUInt32LE(8);
  const chunkBytes = buf.readUInt32LE(12);
  const chunks = buf.readUInt32LE(64);
  if (headerBytes !== FIXED_HEADER_BYTES + (v1 ? 4 : 8) * chunks + 4 || headerBytes > buf.length || chunkBytes === 0) {
    return damaged(8, 'its header is damaged (sizes do not agree)');
  }
  if (crc32(buf, 0, headerBytes - 4) !== buf.readUInt32LE(headerBytes - 4)) {
    return damaged(0, `its header (bytes 0–${headerBytes - 1}) fails its checksum`);
  }
  const length = buf.readUInt32LE(16) * TWO_POW_32 + buf.readUInt32LE(20);
  const seq = buf.readUInt32LE(24) * TWO_POW_32 + buf.readUInt32LE(28);
  if (Math.ceil(length / chunkBytes) !== chunks) return damaged(8, 'its header is damaged (sizes do not agree)');
  const sha = buf.subarray(32, 64);
  return v1 ? checkV1(buf, headerBytes, chunkBytes, chunks, length, seq, sha, damaged) : checkV2(buf, headerBytes, chunkBytes, chunks, length, seq, sha, damaged);
}

/** Version 1: the data stored as it is after the header, a CRC-32 per chunk. */
function checkV1(buf: Buffer, headerBytes: number, chunkBytes: number, chunks: number, length: number, seq: number, sha: Buffer, damaged: Damaged): SnapshotCheck {
  const data = buf.subarray(headerBytes);
  if (data.length !== length) {
    return damaged(
      Math.min(buf.length, headerBytes + length),
      `it holds ${data.length} bytes of data where ${length} were written (${data.length < length ? 'cut short' : 'bytes added'})`,
      seq,
    );
  }
  if (!createHash('sha256').update(data).digest().equals(sha)) {
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
  return { state: 'ok', bytes: data, seq, fileBytes: buf.length };
}

/**
 * Version 2: stored chunks, each checked against its CRC-32 before it is inflated. A damaged chunk
 * is left as zeros in the data returned with the damage (what is readable of a damaged snapshot is
 * read by `store repair` to name the runs it held).
 */
function checkV2(buf: Buffer, headerBytes: number, chunkBytes: number, chunks: number, length: number, seq: number, sha: Buffer, damaged: Damaged): SnapshotCheck {
  let stored = 0;
  for (let i = 0; i < chunks; i++) stored += buf.readUInt32LE(FIXED_HEADER_BYTES + 8 * i + 4) & STORED_MASK;
  if (buf.length - headerBytes !== stored) {
    const held = buf.length - headerBytes;
    return damaged(Math.min(buf.length, headerBytes + stored), `it holds ${held} bytes of data where ${stored} were written (${held < stored ? 'cut short' : 'bytes added'})`, seq);
  }
  const data = Buffer.alloc(length);
  let first: { offset: number; reason: string } | null = null;
  let at = headerBytes;
  for (let i = 0; i < chunks; i++) {
    const word = buf.readUInt32LE(FIXED_HEADER_BYTES + 8 * i + 4);
    const end = at + (word & STORED_MASK);
    const want = Math.min(chunkBytes, length - i * chunkBytes);
    // A chunk that fails its checksum is still read as far as it goes (into the damaged snapshot's
    // data, for `store repair` to name what it held); its reason is the checksum.
    let reason: string | null = crc32(buf, at, end) !== buf.readUInt32LE(FIXED_HEADER_BYTES + 8 * i) ? `bytes ${at}–${end - 1} fail their checksum` : null;
    if (word < DEFLATED) {
      buf.copy(data, i * chunkBytes, at, Math.min(end, at + want));
      if (end - at !== want) reason ??= `bytes ${at}–${end - 1} hold ${end - at} bytes where ${want} were written`;
    } else {
      try {
        const n = zlib.inflateRawSync(buf.subarray(at, end)).copy(data, i * chunkBytes, 0, want);
        if (n !== want) reason ??= `bytes ${at}–${end - 1} inflate to ${n} bytes where ${want} were written`;
      } catch {
        reason ??= `bytes ${at}–${end - 1} cannot be inflated`;
      }
    }
    if (reason && !first) first = { offset: at, reason };
    at = end;
  }
  if (first) return damaged(first.offset, first.reason, seq, data);
  if (!createHash('sha256').update(data).digest().equals(sha)) return damaged(headerBytes, 'its data fails its SHA-256 checksum', seq, data);
  return { state: 'ok', bytes: data, seq, fileBytes: buf.length };
}

/**
 * What can still be read of a damaged snapshot (for `store repair` to name the runs it held): its
 * data with each damaged deflated chunk inflated as far as it goes (the stream API hands out what
 * it inflated before the bad bytes; the synchronous one throws it all away), the rest zeros.
 */
export async function salvageSnapshot(file: Uint8Array): Promise<Uint8Array | null> {
  const check = checkSnapshot(file);
  if (!check.bytes) return null;
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (check.state !== 'damaged' || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return check.bytes;
  const data = Buffer.from(check.bytes);
  const headerBytes = buf.readUInt32LE(8);
  const chunkBytes = buf.readUInt32LE(12);
  let at = headerBytes;
  for (let i = 0; i < buf.readUInt32LE(64); i++) {
    const word = buf.readUInt32LE(FIXED_HEADER_BYTES + 8 * i + 4);
    const end = Math.min(buf.length, at + (word & STORED_MASK));
    if (word >= DEFLATED && crc32(buf, at, end) !== buf.readUInt32LE(FIXED_HEADER_BYTES + 8 * i)) {
      const part = await inflatePartly(buf.subarray(at, end));
      part.copy(data, i * chunkBytes, 0, Math.min(part.length, chunkBytes, data.length - i * chunkBytes));
    }
    at = end;
  }
  return data;
}

/** The bytes a raw DEFLATE stream inflates to before it fails (all of them when it does not). */
function inflatePartly(stored: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const inflate = zlib.createInflateRaw();
    inflate.on('data', (b: Buffer) => parts.push(b));
    inflate.on('error', () => resolve(Buffer.concat(parts)));
    inflate.on('end', () => resolve(Buffer.concat(parts)));
    inflate.end(stored);
  });
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
 * database-size of journal, about every 30 s at that size in a 100,000-record run). Deflating the
 * chunks on the way (version 2) added 0.1–0.2 s of CPU for a 74 MB database and wrote 13.5 MB instead
 * of 74: held 447–620 ms CPU, 1.4–1.7 s wall, against 282–460 ms CPU, 1.0–1.8 s wall for version 1
 * (the database of a 100,000-record run written three times each way, interleaved, load 14–15);
 * reading it back costs about the same CPU either way (0.56–0.58 s against 0.41–0.53 s).
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

/**
 * Writes the container (header, then the stored chunks) to `fd`, hashing and deflating the data chunk
 * by chunk as it goes; the header, which holds every chunk's stored length, is written last, at 0.
 */
function writeContainerSync(fd: number, bytes: Uint8Array, seq: number, file: string): void {
  const chunks = Math.ceil(bytes.length / CHUNK_V2);
  const headerBytes = FIXED_HEADER_BYTES + 8 * chunks + 4;
  const h = Buffer.alloc(headerBytes);
  const sha = createHash('sha256');
  let at = headerBytes;
  for (let i = 0; i < chunks; i++) {
    const chunk = bytes.subarray(i * CHUNK_V2, Math.min(bytes.length, (i + 1) * CHUNK_V2));
    sha.update(chunk);
    const deflated = deflateIfWorth(chunk);
    const packed = deflated !== null;
    const stored = deflated ?? chunk;
    h.writeUInt32LE(crc32(stored, 0, stored.length), FIXED_HEADER_BYTES + 8 * i);
    h.writeUInt32LE(stored.length + (packed ? DEFLATED : 0), FIXED_HEADER_BYTES + 8 * i + 4);
    writeAllSync(fd, stored, at, file);
    at += stored.length;
  }
  fillHeader(h, bytes.length, seq, sha.digest(), chunks);
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
