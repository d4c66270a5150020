/**
 * Checked frames in segment files: the storage unit of run archives (see archive/writer.ts).
 *
 *   frame: u32 payload length | u32 CRC-32 of the payload | payload          (little-endian)
 *
 * A segment file holds frames back to back and never grows past `maxSegmentBytes` (256 MiB by
 * default): a long history never meets a platform file-size limit, and a frame is found by its
 * (segment, offset) and read with one positioned read of its length — never by reading a whole file.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from '../crc32.ts';

export const FRAME_HEAD = 8;
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

export function encodeFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEAD + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload, 0, payload.length), 4);
  payload.copy(out, FRAME_HEAD);
  return out;
}

/**
 * The frame at `offset` of `buf` (a whole segment read into memory): its end, or why the bytes there
 * are not a frame. `length` (header included) when a row names the frame. The same checks as
 * `SegmentReader.readAt`, for verify and repair, which read every byte of a segment.
 */
export function frameIn(buf: Buffer, offset: number, length?: number): { end: number } | { reason: string } {
  const left = buf.length - offset;
  if (left < FRAME_HEAD) return { reason: left <= 0 ? 'the file ends before the frame' : `the file ends inside a frame header (${left} of ${FRAME_HEAD} bytes)` };
  const payloadLength = buf.readUInt32LE(offset);
  if (length !== undefined && payloadLength !== length - FRAME_HEAD) return { reason: `a frame length of ${payloadLength} where ${length - FRAME_HEAD} was expected` };
  const end = offset + FRAME_HEAD + payloadLength;
  if (end > buf.length) return { reason: `the file ends inside a frame (${left} of ${FRAME_HEAD + payloadLength} bytes)` };
  if (crc32(buf, offset + FRAME_HEAD, end) !== buf.readUInt32LE(offset + 4)) return { reason: 'a frame fails its CRC-32 checksum' };
  return { end };
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
    const frame = encodeFrame(payload);
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
    const fd = this.fd(name);
    const file = path.join(this.dir, name);
    let buf: Buffer;
    if (length === undefined) {
      const head = Buffer.alloc(FRAME_HEAD);
      if (fs.readSync(fd, head, 0, FRAME_HEAD, offset) < FRAME_HEAD) throw new ArchiveDamage(file, offset, 'the file ends inside a frame header');
      length = FRAME_HEAD + head.readUInt32LE(0);
    }
    buf = Buffer.allocUnsafe(length);
    const n = fs.readSync(fd, buf, 0, length, offset);
    if (n < length) throw new ArchiveDamage(file, offset, `the file ends inside a frame (${n} of ${length} bytes)`);
    const payloadLength = buf.readUInt32LE(0);
    if (payloadLength !== length - FRAME_HEAD) throw new ArchiveDamage(file, offset, `a frame length of ${payloadLength} where ${length - FRAME_HEAD} was expected`);
    const payload = buf.subarray(FRAME_HEAD);
    if (crc32(payload, 0, payload.length) !== buf.readUInt32LE(4)) throw new ArchiveDamage(file, offset, 'a frame fails its CRC-32 checksum');
    return payload;
  }

  /** Reads `name`'s frames in order from `start`, one positioned read per frame (for verify and restore). */
  *frames(name: string, start = 0): Generator<{ offset: number; payload: Buffer }> {
    const fd = this.fd(name);
    const size = fs.fstatSync(fd).size;
    let offset = start;
    while (offset < size) {
      const payload = this.readAt(name, offset);
      yield { offset, payload };
      offset += FRAME_HEAD + payload.length;
    }
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
