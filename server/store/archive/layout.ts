/**
 * What a run archive holds and how its small files are encoded. A run archive is a folder
 * `store/runs/<name>/` (name: the run id and a unique suffix) that never changes once written:
 *
 * | file | holds |
 * | --- | --- |
 * | `records-NNNN.seg` | one frame per record: its row, its steps, its audit events and checkpoint rows |
 * | `logs-NNNN.seg` | the run log, 256 lines a frame, in order |
 * | `events-NNNN.seg` | the run's audit trail, 256 events a frame, in order (the run's event pages) |
 * | `report-0000.seg` | step durations per node, record timings, rejected rows (the run report) |
 * | `index.bin` | one frame: per record its index, status and frame position; the log, event and report frames' positions |
 * | `manifest.bin` | one frame of JSON: counts, sizes, and the SHA-256 of every other file |
 *
 * The journal's archive op names the folder and the SHA-256 of `manifest.bin`: the manifest checks
 * every other file, and every frame carries its own CRC-32 (checked at each read).
 */
import { RECORD_STATUSES, type RecordStatus, type StatusCounts } from '../../contract/status.ts';
import type { FrameRef } from './frames.ts';

export const ARCHIVES_DIR = 'runs';
export const MANIFEST_FILE = 'manifest.bin';
export const INDEX_FILE = 'index.bin';
export const RECORDS = 'records';
export const LOGS = 'logs';
export const EVENTS = 'events';
export const REPORT = 'report';
/** Lines per log frame and events per event frame: one page of the studio is one or two frames. */
export const CHUNK = 256;
export const ARCHIVE_FORMAT = 1;

/** Columns a record frame holds (the read columns, then what a restore needs to put the row back). */
export const ARCHIVE_RECORD_COLUMNS = 'idx, status, data, output, error, reason, checkpoint, started_at, ended_at, source_row, key, error_code';

export interface ArchiveManifest {
  format: number;
  runId: string;
  records: number;
  steps: number;
  logs: number;
  events: number;
  rejects: number;
  counts: StatusCounts;
  /** When the run's most recently started record started. */
  lastRecordStart: string | null;
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

/** What the journal's archive op (and the run row) say of an archive. */
export interface ArchiveRef {
  dir: string;
  digest: string;
  bytes: number;
  records: number;
  steps: number;
  counts: StatusCounts;
}

/**
 * The decoded index. Record entries stay in their bytes (15 per record) and are read on demand:
 * opening an archive of a million records costs one buffer, not a million objects.
 */
export class ArchiveIndex {
  constructor(
    private readonly buf: Buffer,
    private readonly base: number,
    readonly length: number,
    readonly logs: FrameRef[],
    readonly events: FrameRef[],
    /** Frames of report-0000.seg: step timings, record timings, rejects. */
    readonly report: FrameRef[],
  ) {}

  idx(i: number): number {
    return this.buf.readUInt32LE(this.base + i * ENTRY_BYTES);
  }

  /** The record's status, as its position in RECORD_STATUSES. */
  status(i: number): number {
    return this.buf.readUInt8(this.base + i * ENTRY_BYTES + 4);
  }

  record(i: number): FrameRef {
    return getRef(this.buf, this.base + i * ENTRY_BYTES + 5);
  }
}

/** What the writer gives `encodeIndex`. */
export interface IndexInput {
  idx: number[];
  status: number[];
  records: FrameRef[];
  logs: FrameRef[];
  events: FrameRef[];
  report: FrameRef[];
}

const MAGIC = 'CVARIDX1';
const REF_BYTES = 10;
const ENTRY_BYTES = 5 + REF_BYTES;

function putRef(b: Buffer, at: number, r: FrameRef): void {
  b.writeUInt16LE(r.seg, at);
  b.writeUInt32LE(r.offset, at + 2);
  b.writeUInt32LE(r.length, at + 6);
}

function getRef(b: Buffer, at: number): FrameRef {
  return { seg: b.readUInt16LE(at), offset: b.readUInt32LE(at + 2), length: b.readUInt32LE(at + 6) };
}

export function statusCode(status: string): number {
  const i = (RECORD_STATUSES as readonly string[]).indexOf(status);
  if (i < 0) throw new Error(`unknown record status ${JSON.stringify(status)}`);
  return i;
}

export function statusOf(code: number): RecordStatus {
  return RECORD_STATUSES[code];
}

/** magic | u32 n | n × (u32 idx, u8 status, ref) | then three lists (u32 count | refs): logs, events, report. */
export function encodeIndex(ix: IndexInput): Buffer {
  const n = ix.idx.length;
  const size = 8 + 4 + n * ENTRY_BYTES + 3 * 4 + (ix.logs.length + ix.events.length + ix.report.length) * REF_BYTES;
  const b = Buffer.alloc(size);
  b.write(MAGIC, 0, 'latin1');
  let at = 8;
  b.writeUInt32LE(n, at);
  at += 4;
  for (let i = 0; i < n; i++) {
    b.writeUInt32LE(ix.idx[i], at);
    b.writeUInt8(ix.status[i], at + 4);
    putRef(b, at + 5, ix.records[i]);
    at += ENTRY_BYTES;
  }
  for (const list of [ix.logs, ix.events, ix.report]) {
    b.writeUInt32LE(list.length, at);
    at += 4;
    for (const r of list) {
      putRef(b, at, r);
      at += REF_BYTES;
    }
  }
  return b;
}

export function decodeIndex(b: Buffer): ArchiveIndex {
  if (b.length < 12 || b.toString('latin1', 0, 8) !== MAGIC) throw new Error('not an archive index');
  const n = b.readUInt32LE(8);
  const base = 12;
  let at = base + n * ENTRY_BYTES;
  if (at > b.length) throw new Error('the index is shorter than its record count says');
  const lists: FrameRef[][] = [];
  for (let k = 0; k < 3; k++) {
    const count = b.readUInt32LE(at);
    at += 4;
    const list: FrameRef[] = [];
    for (let i = 0; i < count; i++, at += REF_BYTES) list.push(getRef(b, at));
    lists.push(list);
  }
  return new ArchiveIndex(b, base, n, lists[0], lists[1], lists[2]);
}
