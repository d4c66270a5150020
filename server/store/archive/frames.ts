/**
 * Checked frames in segment files: the storage unit of run archives (see archive/writer.ts).
 *
 *   frame: u32 length word | u32 CRC-32 of the stored bytes | stored bytes        (little-endian)
 *
 * The length word's low 31 bits are the stored bytes' length; its top bit says they are the payload
 * deflated (raw DEFLATE, level 1). Writers deflate payloads of PACK_MIN_PAYLOAD bytes or more when
 * that saves a tenth: a record's steps repeat each other (each step's output is the one before it
 * plus a field or two), so a finished record of the 10-step chain takes about a fifth of its bytes.
 * Readers inflate; the checksum is over what is stored, so damage is found before inflating.
 *
 * A segment file holds frames back to back and never grows past `maxSegmentBytes` (256 MiB by
 * default): a long history never meets a platform file-size limit, and a frame is found by its
 * (segment, offset) and read with one positioned read of its length — never by reading a whole file.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { crc32 } from '../crc32.ts';
import { deflateIfWorth } from '../deflate.ts';

export const FRAME_HEAD = 8;
/** The length word's flag: the stored bytes are the payload deflated. */
const DEFLATED = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;
/** Payloads from this size on are deflated by writers (when that saves a tenth). */
export const PACK_MIN_PAYLOAD = 256;
export const DEFAULT_MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

/** Where a frame lies: segment number, byte offset in it, frame length (header included). */
export interface FrameRef {
  seg: number;
  offset: number;
  length: number;
}

/** Damage found while reading an archive file: the file, the byte offset and what is wrong. */
export class ArchiveDamage extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file} at byte ${offset}: ${reason}`);
  }
}

/** A frame holding `payload` as it is, or (`pack`) deflated when that saves a tenth or more. */
export function encodeFrame(payload: Buffer, pack = false): Buffer {
  let stored = payload;
  let flag = 0;
  const deflated = pack && payload.length >= PACK_MIN_PAYLOAD ? deflateIfWorth(payload) : null;
  if (deflated) {
    stored = deflated;
    flag = DEFLATED;
  }
  const out = Buffer.allocUnsafe(FRAME_HEAD + stored.length);
  out.writeUInt32LE(stored.length + flag, 0);
  out.writeUInt32LE(crc32(stored, 0, stored.length), 4);
  stored.copy(out, FRAME_HEAD);
  return out;
}

/** The payload of a frame's stored bytes (`word`: its length word), or why it cannot be had. */
function payloadOf(word: number, stored: Buffer): Buffer | { reason: string } {
  if (word < DEFLATED) return stored;
  try {
    return zlib.inflateRawSync(stored);
  } catch {
    return { reason: 'a deflated frame that cannot be inflated' };
  }
}

/**
 * The frame at `offset` of `buf` (a whole segment read into memory): its end and payload, or why the bytes there
 * are not a frame. `length` (header included) when a row names the frame. The same checks as
 * `SegmentReader.readAt`, for verify and repair, which read every byte of a segment.
 */
export function frameIn(buf: Buffer, offset: number, length?: number): { end: number; payload: Buffer } | { reason: string } {
  const left = buf.length - offset;
  if (left < FRAME_HEAD) return { reason: left <= 0 ? 'the file ends before the frame' : `the file ends inside a frame header (${left} of ${FRAME_HEAD} bytes)` };
  const word = buf.readUInt32LE(offset);
  const storedLength = word & LENGTH_MASK;
  if (length !== undefined && storedLength !== length - FRAME_HEAD) return { reason: `a frame length of ${storedLength} where ${length - FRAME_HEAD} was expected` };
  const end = offset + FRAME_HEAD + storedLength;
  if (end > buf.length) return { reason: `the file ends inside a frame (${left} of ${FRAME_HEAD + storedLength} bytes)` };
  if (crc32(buf, offset + FRAME_HEAD, end) !== buf.readUInt32LE(offset + 4)) return { reason: 'a frame fails its CRC-32 checksum' };
  const payload = payloadOf(word, buf.subarray(offset + FRAME_HEAD, end));
  return 'reason' in payload ? payload : { end, payload };
}

export function segmentName(prefix: string, seg: number): string {
  return `${prefix}-${String(seg).padStart(4, '0')}.seg`;
}

/**
 * Appends frames to `<dir>/<prefix>-NNNN.seg`, starting a new segment before one would pass the size
 * limit. Writes go through a buffer of 1 MiB; `close()` flushes and fsyncs every segment.
 */
export class SegmentWriter {
  private seg = -1;
  private fd: number | null = null;
  private size = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private hash: Hash | null = null;
  /** Names, sizes and SHA-256 of the segments written (the digest is set once a segment is closed). */
  readonly files: Array<{ name: string; bytes: number; sha256: string }> = [];

  /** A new segment file was created since the last `sync()` (the folder needs an fsync too). */
  private created = false;

  /** `firstSeg`: the number of the first segment to create (a writer that continues a folder starts past its files). */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly maxSegmentBytes = DEFAULT_MAX_SEGMENT_BYTES,
    firstSeg = 0,
  ) {
    this.seg = firstSeg - 1;
  }

  /** Appends one frame holding `payload`; returns where it lies. */
  append(payload: Buffer): FrameRef {
    const frame = encodeFrame(payload, true);
    if (this.fd === null || (this.size > 0 && this.size + frame.length > this.maxSegmentBytes)) this.roll();
    const ref = { seg: this.seg, offset: this.size, length: frame.length };
    this.pending.push(frame);
    this.hash!.update(frame);
    this.pendingBytes += frame.length;
    this.size += frame.length;
    this.files[this.files.length - 1].bytes = this.size;
    if (this.pendingBytes >= 1024 * 1024) this.flush();
    return ref;
  }

  private roll(): void {
    this.closeCurrent();
    this.seg++;
    const name = segmentName(this.prefix, this.seg);
    this.fd = fs.openSync(path.join(this.dir, name), 'wx');
    this.created = true;
    this.size = 0;
    this.hash = createHash('sha256');
    this.files.push({ name, bytes: 0, sha256: '' });
  }

  private flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    let at = 0;
    while (at < buf.length) at += fs.writeSync(this.fd, buf, at, buf.length - at);
    this.pending = [];
    this.pendingBytes = 0;
  }

  private closeCurrent(): void {
    if (this.fd === null) return;
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    this.files[this.files.length - 1].sha256 = this.hash!.digest('hex');
    this.hash = null;
  }

  /** Makes every frame appended so far durable (and the folder, when a segment was created); the writer stays open. */
  sync(): boolean {
    if (this.fd !== null) {
      this.flush();
      fs.fsyncSync(this.fd);
    }
    const created = this.created;
    this.created = false;
    return created;
  }

  close(): void {
    this.closeCurrent();
  }
}

/** Reads frames of one folder's segment files with positioned reads; file descriptors stay open until close(). */
export class SegmentReader {
  private readonly fds = new Map<string, number>();

  constructor(private readonly dir: string) {}

  private fd(name: string): number {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      try {
        fd = fs.openSync(path.join(this.dir, name), 'r');
      } catch (err) {
        throw new ArchiveDamage(path.join(this.dir, name), 0, `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      this.fds.set(name, fd);
    }
    return fd;
  }

  /** The payload of the frame at `ref` in segment `prefix`, checked against its CRC. */
  read(prefix: string, ref: FrameRef): Buffer {
    return this.readAt(segmentName(prefix, ref.seg), ref.offset, ref.length);
  }

  /** The payload of the frame at `offset` of file `name`; `length` (header included) when known. */
  readAt(name: string, offset: number, length?: number): Buffer {
    return this.frameAt(name, offset, length).payload;
  }

  private frameAt(name: string, offset: number, length?: number): { payload: Buffer; length: number } {
    const fd = this.fd(name);
    const file = path.join(this.dir, name);
    if (length === undefined) {
      const head = Buffer.alloc(FRAME_HEAD);
      if (fs.readSync(fd, head, 0, FRAME_HEAD, offset) < FRAME_HEAD) throw new ArchiveDamage(file, offset, 'the file ends inside a frame header');
      length = FRAME_HEAD + (head.readUInt32LE(0) & LENGTH_MASK);
    }
    const buf = Buffer.allocUnsafe(length);
    const n = fs.readSync(fd, buf, 0, length, offset);
    if (n < length) throw new ArchiveDamage(file, offset, `the file ends inside a frame (${n} of ${length} bytes)`);
    const word = buf.readUInt32LE(0);
    const storedLength = word & LENGTH_MASK;
    if (storedLength !== length - FRAME_HEAD) throw new ArchiveDamage(file, offset, `a frame length of ${storedLength} where ${length - FRAME_HEAD} was expected`);
    const stored = buf.subarray(FRAME_HEAD);
    if (crc32(stored, 0, stored.length) !== buf.readUInt32LE(4)) throw new ArchiveDamage(file, offset, 'a frame fails its CRC-32 checksum');
    const payload = payloadOf(word, stored);
    if ('reason' in payload) throw new ArchiveDamage(file, offset, payload.reason);
    return { payload, length };
  }

  /** Reads `name`'s frames in order from `start`, one positioned read per frame (for verify and restore). */
  *frames(name: string, start = 0): Generator<{ offset: number; payload: Buffer }> {
    const fd = this.fd(name);
    const size = fs.fstatSync(fd).size;
    let offset = start;
    while (offset < size) {
      const { payload, length } = this.frameAt(name, offset);
      yield { offset, payload };
      offset += length;
    }
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
