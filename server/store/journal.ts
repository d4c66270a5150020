/**
 * The append-only journal: the store's source of durability.
 *
 * A journal file is a sequence of frames:
 *
 *   u32 LE length word | u32 LE CRC-32 of bytes [8, 16 + length) | u32 LE seq high | u32 LE seq low | payload
 *
 * A *plain* frame holds one entry: its payload is the entry's UTF-8 JSON, `seq` its sequence number.
 * A *packed* frame (top bit of the length word set; the low 31 bits are the payload's length) holds
 * the `n` entries of one group commit, `seq` being the first one's:
 *
 *   payload = u32 LE word | compressed ( u32 LE byte length | UTF-8 JSON ) × n
 *
 * where the word's low 31 bits are `n` and its top bit the codec: set, Brotli (written since
 * 2026-12-06); clear, raw DEFLATE (frames written before, still read).
 *
 * A flush of at least PACK_MIN_BYTES is written packed (when that saves a tenth or more): the entries
 * of one group commit repeat each other (the same run, nodes, columns, record shapes), so they shrink
 * 13–18× — measured on the 10-step chain's step entries at concurrency 64: 540 bytes an entry plain,
 * 46 bytes DEFLATEd at level 1 for 1.2–1.5 µs of CPU an entry (level 6: fewer bytes for twice the CPU;
 * one entry at a time: 321 bytes for 17–24 µs, hence plain frames below the threshold), 30 bytes with
 * Brotli at quality 1 for 0.7–1.0 µs (deflate.ts, `brotliIfWorth`): the journal's frames are Brotli.
 * Brotli reads small payloads back 3–4× slower (a record's steps in a segment: 92 µs against 27 µs
 * inflated), which matters for step segments and snapshots, read in the studio's everyday use: those
 * stay DEFLATE. The journal is read back only when the store opens. A packed frame is written, synced
 * and acknowledged as a whole, like the group it holds: a crash that tears it loses only entries
 * that were never acknowledged.
 *
 * Sequence numbers increase by one from entry to entry (and from file to file), so a frame cut short
 * by a crash, garbage, or a frame from nowhere ends the valid part of a file and is cut off on open.
 *
 * Group commit: every write is queued; one flush writes the queued entries with one write and one
 * fdatasync (blocking calls while the disk's syncs are fast, libuv's pool otherwise: sync-timing.ts),
 * hands them to `apply` (the caller updates its database in one transaction), then settles their
 * promises. Entries queued while a flush runs go to the next flush.
 */
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { crc32 } from './crc32.ts';
import { brotliIfWorth } from './deflate.ts';
import { SyncTiming } from './sync-timing.ts';
import { StoreWriteError, describeWriteFailure, type StoreWriteFailure } from './write-failure.ts';

export const FRAME_HEADER_BYTES = 16;
/** The length word's flag for a packed frame (see above). */
export const PACKED_FRAME = 0x8000_0000;
/** A flush whose entries hold at least this many characters is written as one packed frame. */
export const PACK_MIN_BYTES = 1024;

/**
 * CRC-32 of `buf[start, end)`: zlib's native one where Node has it (20.15+, 22+; same polynomial as
 * crc32.ts): 0.91 µs against 1.41 µs for the table-driven JavaScript on a 550-byte frame (measured here).
 */
const nativeCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
export const frameCrc: (buf: Uint8Array, start: number, end: number) => number = nativeCrc
  ? (buf, start, end) => nativeCrc(buf.subarray(start, end)) >>> 0
  : crc32;

/** Larger lengths can only come from a damaged header. */
export const MAX_PAYLOAD_BYTES = 0x7fff_ffff;
const TWO_POW_32 = 0x1_0000_0000;

export interface Frame {
  seq: number;
  payload: string;
}

/** A frame read at an offset: its first sequence number, where it ends, and the entries it holds. */
export interface FrameRead {
  seq: number;
  end: number;
  entries: string[];
}

/** A packed frame's word: its top bit says the entries are Brotli, not DEFLATE; the low 31 bits count them. */
const BROTLI_PACKED = 0x8000_0000;

/** The entries of a packed frame's payload, or null when it does not unpack to exactly what it says. */
function unpack(buf: Buffer, start: number, end: number): string[] | null {
  if (end - start < 4) return null;
  const word = buf.readUInt32LE(start);
  const n = word & MAX_PAYLOAD_BYTES;
  let data: Buffer;
  try {
    const packed = buf.subarray(start + 4, end);
    data = word >= BROTLI_PACKED ? zlib.brotliDecompressSync(packed) : zlib.inflateRawSync(packed);
  } catch {
    return null;
  }
  const entries: string[] = [];
  let off = 0;
  while (off < data.length) {
    if (data.length - off < 4) return null;
    const len = data.readUInt32LE(off);
    if (len > data.length - off - 4) return null;
    entries.push(data.toString('utf8', off + 4, off + 4 + len));
    off += 4 + len;
  }
  return n > 0 && entries.length === n ? entries : null;
}

/**
 * The frame starting at `off`, if it is complete, its CRC holds, its sequence number is not 0 and, when
 * packed, it unpacks to the entries it announces. Null otherwise.
 */
export function readFrameAt(buf: Buffer, off: number): FrameRead | null {
  if (buf.length - off < FRAME_HEADER_BYTES) return null;
  const word = buf.readUInt32LE(off);
  const len = word & MAX_PAYLOAD_BYTES;
  if (len === 0 || len > buf.length - off - FRAME_HEADER_BYTES) return null;
  const end = off + FRAME_HEADER_BYTES + len;
  if (frameCrc(buf, off + 8, end) !== buf.readUInt32LE(off + 4)) return null;
  const seq = buf.readUInt32LE(off + 8) * TWO_POW_32 + buf.readUInt32LE(off + 12);
  if (seq === 0) return null;
  if (word < PACKED_FRAME) return { seq, end, entries: [buf.toString('utf8', off + FRAME_HEADER_BYTES, end)] };
  const entries = unpack(buf, off + FRAME_HEADER_BYTES, end);
  return entries ? { seq, end, entries } : null;
}

export interface ScanResult {
  frames: Frame[];
  /** Bytes from the start of the file that hold complete, valid frames. */
  validLength: number;
}

/** Reads the valid entries of a journal file's content; stops at the first damaged or out-of-sequence frame. */
export function scanFrames(buf: Uint8Array): ScanResult {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: Frame[] = [];
  let off = 0;
  let prevSeq = -1;
  for (;;) {
    const f = readFrameAt(bytes, off);
    if (!f || (prevSeq !== -1 && f.seq !== prevSeq + 1)) break;
    for (let i = 0; i < f.entries.length; i++) frames.push({ seq: f.seq + i, payload: f.entries[i] });
    prevSeq = f.seq + f.entries.length - 1;
    off = f.end;
  }
  return { frames, validLength: off };
}

/** Encodes the entries of one flush into one reusable buffer (one allocation per flush at most). */
export class FrameEncoder {
  private scratch: Buffer = Buffer.allocUnsafe(1 << 20);

  /** The returned buffer is only valid until the next call. */
  encode(entries: ReadonlyArray<{ seq: number; payload: string }>): { buf: Buffer; length: number } {
    let chars = 0;
    for (const e of entries) chars += e.payload.length;
    const bound = entries.length * (FRAME_HEADER_BYTES + 4) + chars * 3;
    if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafe(Math.max(bound, this.scratch.length * 2));
    const out = (chars >= PACK_MIN_BYTES && entries.length > 0 && this.packed(entries)) || this.plain(entries);
    // A huge batch (a run with many records) should not pin its buffer forever.
    if (this.scratch.length > 16 << 20) this.scratch = Buffer.allocUnsafe(1 << 20);
    return out;
  }

  private plain(entries: ReadonlyArray<{ seq: number; payload: string }>): { buf: Buffer; length: number } {
    const buf = this.scratch;
    let off = 0;
    for (const e of entries) {
      const len = buf.write(e.payload, off + FRAME_HEADER_BYTES, 'utf8');
      buf.writeUInt32LE(Math.floor(e.seq / TWO_POW_32), off + 8);
      buf.writeUInt32LE(e.seq % TWO_POW_32, off + 12);
      buf.writeUInt32LE(len, off);
      buf.writeUInt32LE(frameCrc(buf, off + 8, off + FRAME_HEADER_BYTES + len), off + 4);
      off += FRAME_HEADER_BYTES + len;
    }
    return { buf, length: off };
  }

  /** One packed frame, or null when deflating saves less than a tenth. */
  private packed(entries: ReadonlyArray<{ seq: number; payload: string }>): { buf: Buffer; length: number } | null {
    const raw = this.scratch;
    let off = 0;
    for (const e of entries) {
      const len = raw.write(e.payload, off + 4, 'utf8');
      raw.writeUInt32LE(len, off);
      off += 4 + len;
    }
    const compressed = brotliIfWorth(raw.subarray(0, off), 4);
    if (!compressed || 4 + compressed.length > MAX_PAYLOAD_BYTES || entries.length >= BROTLI_PACKED) return null;
    const len = 4 + compressed.length;
    const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + len);
    const seq = entries[0].seq;
    buf.writeUInt32LE(len + PACKED_FRAME, 0);
    buf.writeUInt32LE(Math.floor(seq / TWO_POW_32), 8);
    buf.writeUInt32LE(seq % TWO_POW_32, 12);
    buf.writeUInt32LE((entries.length + BROTLI_PACKED) >>> 0, FRAME_HEADER_BYTES);
    compressed.copy(buf, FRAME_HEADER_BYTES + 4);
    buf.writeUInt32LE(frameCrc(buf, 8, buf.length), 4);
    return { buf, length: buf.length };
  }
}

const FILE_RE = /^journal-(\d{16})\.log$/;

export function journalFileName(startSeq: number): string {
  return `journal-${String(startSeq).padStart(16, '0')}.log`;
}

/** Journal files of a directory, oldest first. */
export async function listJournalFiles(dir: string): Promise<Array<{ path: string; startSeq: number }>> {
  const names = await fsp.readdir(dir);
  return names
    .map((name) => ({ name, m: FILE_RE.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ path: path.join(dir, x.name), startSeq: Number(x.m[1]) }))
    .sort((a, b) => a.startSeq - b.startSeq);
}

/** fsync of a directory, so that a rename, create or unlink in it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Some platforms (Windows) cannot open or sync a directory; there is nothing more to do there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Test hook: consulted before each journal write and sync. A fault it returns is thrown as if the
 * operating system had failed (after writing `bytes` of the buffer first, for a short write).
 * Never set outside tests.
 */
export const journalFaults: {
  before: ((what: 'write' | 'sync', file: string) => { error: Error; bytes?: number } | null) | null;
  /** The free space the file system reports, when set (a disk still full after the failure). */
  freeBytes?: number | null;
  /** When set, the journal's writes and syncs are the blocking calls (true) or the pool's (false) whatever their timings (sync-timing.ts). */
  blocking?: boolean | null;
} = { before: null };

/** One journal file open for appending. */
export class JournalFile {
  /** Bytes known to be on disk: the size after the last successful sync (or open). */
  public syncedSize: number;

  /** The file's identity when opened (device, inode): `stillNamed` compares its path's against it. */
  private identity: { dev: number; ino: number } | null = null;

  /** How this file's syncs have been taking: whether its writes and syncs block the main thread (sync-timing.ts). */
  private readonly timing = new SyncTiming(() => journalFaults.blocking);

  private constructor(
    readonly path: string,
    readonly startSeq: number,
    private readonly fh: FileHandle,
    /** Bytes written (and, between flushes, synced). */
    public size: number,
    /**
     * What the entries written to the file amount to unpacked (characters and a frame header each):
     * when to snapshot is decided on this, not on the packed size, so that the entries a crash leaves
     * to replay stay as many as before packing (see sqljs-store.ts, maybeRotate).
     */
    public entryBytes = size,
  ) {
    this.syncedSize = size;
  }

  /** Creates (or empties) the file of a journal starting at `startSeq` and makes its name durable. */
  static async create(dir: string, startSeq: number): Promise<JournalFile> {
    const file = path.join(dir, journalFileName(startSeq));
    const fh = await fsp.open(file, 'w+');
    let identity: { dev: number; ino: number };
    try {
      await fh.sync();
      await fsyncDir(dir);
      identity = await identityOf(fh);
    } catch (err) {
      await fh.close();
      throw err;
    }
    const journal = new JournalFile(file, startSeq, fh, 0);
    journal.identity = identity;
    return journal;
  }

  /**
   * Opens an existing file to append after its first `validLength` bytes (a torn tail is cut off);
   * `entryBytes`: what its entries amount to unpacked (default: its length).
   */
  static async openAt(file: string, startSeq: number, validLength: number, entryBytes = validLength): Promise<JournalFile> {
    const fh = await fsp.open(file, 'r+');
    let identity: { dev: number; ino: number };
    try {
      const st = await fh.stat();
      identity = identityIn(st);
      if (st.size !== validLength) {
        await fh.truncate(validLength);
        await fh.sync();
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    const journal = new JournalFile(file, startSeq, fh, validLength, entryBytes);
    journal.identity = identity;
    return journal;
  }

  /**
   * Whether the file is still there under its name. A journal file deleted (or moved, or replaced)
   * while the store runs takes every write after it into a file nobody will read: the store is then
   * refused on its next open (its snapshot says a journal follows), and what was written since the
   * snapshot is lost unless a snapshot is written at once (sqljs-store.ts, `checkFiles`). An error
   * other than "no such file" is thrown.
   */
  async stillNamed(): Promise<boolean> {
    let st: { dev: number; ino: number };
    try {
      st = await fsp.stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw err;
    }
    return this.identity === null || (st.dev === this.identity.dev && st.ino === this.identity.ino);
  }

  /** Writes `buf[0, length)` at the end of the file (not yet synced). */
  async append(buf: Uint8Array, length: number): Promise<void> {
    let done = 0;
    const fault = journalFaults.before?.('write', this.path);
    if (fault) {
      const bytes = Math.min(length, Math.max(0, fault.bytes ?? 0));
      if (bytes > 0) await this.fh.write(buf, 0, bytes, this.size);
      throw fault.error;
    }
    const blocking = this.timing.blocking;
    while (done < length) {
      const bytesWritten = blocking ? fs.writeSync(this.fh.fd, buf, done, length - done, this.size + done) : (await this.fh.write(buf, done, length - done, this.size + done)).bytesWritten;
      if (bytesWritten <= 0) throw new Error(`Could not write to the journal ${this.path}`);
      done += bytesWritten;
    }
    this.size += length;
  }

  async sync(): Promise<void> {
    const fault = journalFaults.before?.('sync', this.path);
    if (fault) throw fault.error;
    const started = performance.now();
    if (this.timing.blocking) fs.fdatasyncSync(this.fh.fd);
    else await this.fh.datasync();
    this.timing.took(performance.now() - started);
    this.syncedSize = this.size;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /**
   * After a failed write or sync: a new handle on the same file, cut back to the last synced length
   * (what a failed write may have left after it was never acknowledged), as opening cuts a torn tail.
   */
  async reopen(): Promise<JournalFile> {
    await this.fh.close().catch(() => undefined);
    return JournalFile.openAt(this.path, this.startSeq, this.syncedSize, this.entryBytes);
  }
}

async function identityOf(fh: FileHandle): Promise<{ dev: number; ino: number }> {
  return identityIn(await fh.stat());
}

/** A file's identity (device, inode), from its stat. */
function identityIn(st: { dev: number; ino: number }): { dev: number; ino: number } {
  return { dev: st.dev, ino: st.ino };
}

/** Free space a full disk must have again before the journal reopens (besides twice the failed group). */
const MIN_FREE_BYTES_TO_REOPEN = 1 << 20;

/** Bytes free for this process on the file system holding `dir`, or null when it cannot be told. */
async function freeBytes(dir: string): Promise<number | null> {
  if (typeof journalFaults.freeBytes === 'number') return journalFaults.freeBytes;
  try {
    const st = await fsp.statfs(dir);
    return Number(st.bavail) * Number(st.bsize);
  } catch {
    return null;
  }
}

/** What applying one durable entry gave: the value its promise resolves with, or why it failed. */
export type ApplyOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface JournalEntry<Op> {
  seq: number;
  op: Op;
  payload: string;
}

interface Pending<Op> extends JournalEntry<Op> {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

export interface GroupCommitHooks<Op> {
  /** Applies entries that are now durable (synchronously, in order): one outcome per entry. */
  apply(entries: ReadonlyArray<JournalEntry<Op>>): ApplyOutcome[];
  /** Runs after each flush, before the next one starts (e.g. to switch to a new journal file). */
  afterFlush(): Promise<void>;
  /** Told when writes start failing (the failure) and when they work again (null). */
  onWriteState?(failure: StoreWriteFailure | null): void;
}

/** Queues writes and commits them in groups: one write + one fdatasync per flush. */
export class GroupCommitJournal<Op> {
  private queue: Pending<Op>[] = [];
  /** Tasks waiting to run between two flushes (`between`). */
  private tasks: Array<() => Promise<void>> = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private closedError: Error | null = null;
  private brokenError: Error | null = null;
  /** Set when the journal file could not be written or synced: `recover` may reopen it. */
  private writeFailed: StoreWriteFailure | null = null;
  /** Bytes of the group whose write failed: a full disk must have room for it again before reopening. */
  private failedBytes = 0;
  /** The last sequence number whose frame is synced (entries after it were never acknowledged). */
  private durableSeq: number;
  private recovering: Promise<void> | null = null;
  private readonly encoder = new FrameEncoder();

  constructor(
    private file: JournalFile,
    private nextSeq: number,
    private readonly hooks: GroupCommitHooks<Op>,
  ) {
    this.durableSeq = nextSeq - 1;
  }

  /**
   * Why writes fail because the journal could not be written, or null while they work. It stays set
   * after `recover` until a write is synced again: only a write tells that the disk takes writes.
   */
  get writeFailure(): StoreWriteFailure | null {
    return this.writeFailed;
  }

  /**
   * After a write failure: waits for the flush under way, reopens the journal file cut back to its
   * last synced length (frames of the failed group were never acknowledged: they go), and accepts
   * writes again, numbered after the last synced entry. The next write tells whether the disk takes
   * it (if not, the journal fails again; if so, `onWriteState(null)`). Throws the failure when the
   * file cannot be reopened, or when the journal stopped for another reason (only a restart then).
   */
  recover(): Promise<void> {
    this.recovering ??= (async () => {
      try {
        await this.idle();
        if (!this.brokenError) return;
        if (!this.writeFailed || this.closedError) throw this.brokenError;
        // A full disk: reopen only once the group that failed would fit, with room to spare, so that
        // Resume on a disk still full answers at once instead of starting steps that cannot commit.
        const full = this.writeFailed.osCode === 'ENOSPC' ? await freeBytes(path.dirname(this.file.path)) : null;
        const needed = Math.max(2 * this.failedBytes, MIN_FREE_BYTES_TO_REOPEN);
        if (full !== null && full < needed) {
          const err = Object.assign(new Error(`ENOSPC: ${full} bytes free, ${needed} needed to go on`), { code: 'ENOSPC' });
          throw new StoreWriteError(describeWriteFailure(path.dirname(this.file.path), err, this.writeFailed.since), err);
        }
        try {
          this.file = await this.file.reopen();
        } catch (err) {
          throw new StoreWriteError(describeWriteFailure(path.dirname(this.file.path), err, this.writeFailed.since), err);
        }
        this.nextSeq = this.durableSeq + 1;
        this.brokenError = null;
      } finally {
        this.recovering = null;
      }
    })();
    return this.recovering;
  }

  get currentFile(): JournalFile {
    return this.file;
  }

  /** Queues an entry; resolves with its apply outcome once it is fsynced and applied. */
  submit<R>(op: Op, payload: string): Promise<R> {
    const refused = this.brokenError ?? this.closedError;
    if (refused) return Promise.reject(refused);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ seq: this.nextSeq++, op, payload, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.run());
      }
    });
  }

  /**
   * Runs `task` between two flushes: no flush runs while it does, and entries queued meanwhile wait
   * for the next one. What `afterFlush` may do (switching to a new file) can be done from here when
   * no write is coming (sqljs-store.ts, a journal file deleted while the store is idle).
   */
  between<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(() => task().then(resolve, reject));
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.run());
      }
    });
  }

  /**
   * Refuses every write from now on as a failed write would (`writeFailure` says why; `recover` may
   * reopen the file): for a failure met outside a write, such as the store's folder gone.
   */
  stopWrites(err: unknown): Error {
    return this.fail(err, true);
  }

  /** Replaces the file new frames go to (only from `afterFlush` or `between`, when nothing is being written). */
  switchFile(file: JournalFile): JournalFile {
    const old = this.file;
    this.file = file;
    return old;
  }

  /** Refuses new writes from now on; resolves once every queued write is settled. */
  async close(reason: Error): Promise<void> {
    this.closedError ??= reason;
    await this.idle();
  }

  /** Drops every queued write (rejecting it) and refuses new ones: what a crash would do. */
  abandon(reason: Error): void {
    this.closedError ??= reason;
    this.brokenError ??= reason;
    const dropped = this.queue;
    this.queue = [];
    for (const e of dropped) e.reject(reason);
  }

  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.tasks.length > 0) {
        if (this.tasks.length > 0) {
          for (const task of this.tasks.splice(0)) await task();
          continue;
        }
        const batch = this.queue;
        this.queue = [];
        await this.flush(batch);
        if (this.brokenError) break;
        try {
          await this.hooks.afterFlush();
        } catch (err) {
          this.fail(err);
          break;
        }
        // Let the writers whose promises just resolved queue their next write: bigger groups.
        if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      // Tasks left by a failure still run: they do not write entries.
      while (this.tasks.length > 0) for (const task of this.tasks.splice(0)) await task();
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async flush(batch: Pending<Op>[]): Promise<void> {
    if (this.brokenError) {
      for (const e of batch) e.reject(this.brokenError);
      return;
    }
    try {
      const { buf, length } = this.encoder.encode(batch);
      this.failedBytes = length;
      await this.file.append(buf, length);
      await this.file.sync();
      for (const e of batch) this.file.entryBytes += FRAME_HEADER_BYTES + e.payload.length;
    } catch (err) {
      for (const e of batch) e.reject(this.fail(err, true));
      return;
    }
    this.durableSeq = batch[batch.length - 1].seq;
    if (this.writeFailed) {
      // The disk takes writes again.
      this.writeFailed = null;
      this.hooks.onWriteState?.(null);
    }
    let outcomes: ApplyOutcome[];
    try {
      outcomes = this.hooks.apply(batch);
    } catch (err) {
      for (const e of batch) e.reject(this.fail(err));
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i];
      if (o.ok) batch[i].resolve(o.value);
      else batch[i].reject(o.error);
    }
  }

  /**
   * After a failed write the file's tail is unknown: refuse every write until `recover` reopens the
   * file (a write or sync that failed: `io`) or the process reopens the store (anything else).
   */
  private fail(err: unknown, io = false): Error {
    if (!this.brokenError) {
      if (io) {
        this.writeFailed = describeWriteFailure(path.dirname(this.file.path), err, this.writeFailed?.since);
        this.brokenError = new StoreWriteError(this.writeFailed, err);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.brokenError = new StoreWriteError(
          {
            code: 'E_STORE_WRITE',
            message: `The store stopped accepting writes after a journal failure (${message}).`,
            hint: 'Restart the server: the store reopens from what is on disk, and interrupted runs resume from their last committed step.',
            osCode: null,
            since: new Date().toISOString(),
          },
          err,
        );
      }
      const dropped = this.queue;
      this.queue = [];
      for (const e of dropped) e.reject(this.brokenError);
      if (this.writeFailed) this.hooks.onWriteState?.(this.writeFailed);
    }
    return this.brokenError;
  }
}
