/**
 * Reads a run archive (layout.ts) on demand: the manifest and the index when opened (a few bytes per
 * record), then one positioned read per record, log page or event page asked for. Every frame is
 * checked against its CRC-32 as it is read; damage is thrown as `ArchiveDamage` (file, offset, what),
 * never served.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Json, TerminalStatus } from '../../../nodes/sdk/types.ts';
import type { RecordCheckpoint, RecordEventRow, RecordRow, RecordStatus, RecordSummary, RecordTiming, RejectRow, StatusCounts, StepRow, StepTimings, LogRow, Page } from '../types.ts';
import { ArchiveDamage, SegmentReader, type FrameRef } from './frames.ts';
import { ARCHIVES_DIR, CHUNK, decodeIndex, EVENTS, INDEX_FILE, LOGS, MANIFEST_FILE, RECORDS, REPORT, statusCode, statusOf, type ArchiveIndex, type ArchiveManifest } from './layout.ts';
import { eventFromArchive, logFromArchive, recordFromArchive, rejectFromArchive, stepFromArchive } from './rows-json.ts';

/** A record frame as parsed: its row, steps, events and checkpoint rows (raw arrays, JSON columns parsed). */
export interface RecordFrame {
  r: any[];
  s: any[][];
  e: any[][];
  t: any[][];
}

export function archiveDir(storeDir: string, name: string): string {
  return path.join(storeDir, ARCHIVES_DIR, name);
}

export class RunArchive {
  private readonly files: SegmentReader;
  private readonly contiguous: boolean;

  private constructor(
    readonly dir: string,
    readonly runId: string,
    readonly manifest: ArchiveManifest,
    readonly index: ArchiveIndex,
  ) {
    this.files = new SegmentReader(dir);
    // Records are numbered from 0 without gaps (createRun): then a record's index is its position.
    this.contiguous = index.length === 0 || (index.idx(0) === 0 && index.idx(index.length - 1) === index.length - 1);
  }

  /** Opens the archive in `dir`; `digest` is the manifest's SHA-256 the journal recorded for it. */
  static open(dir: string, runId: string, digest: string): RunArchive {
    const reader = new SegmentReader(dir);
    try {
      const manifestFile = path.join(dir, MANIFEST_FILE);
      if (!fs.existsSync(dir)) throw new ArchiveDamage(dir, 0, `the archive of run ${runId} is missing`);
      const payload = reader.readAt(MANIFEST_FILE, 0);
      if (createHash('sha256').update(fs.readFileSync(manifestFile)).digest('hex') !== digest) throw new ArchiveDamage(manifestFile, 0, 'the manifest is not the one the journal recorded for this archive');
      const manifest = JSON.parse(payload.toString('utf8')) as ArchiveManifest;
      let index: ArchiveIndex;
      try {
        index = decodeIndex(reader.readAt(INDEX_FILE, 0));
      } catch (err) {
        if (err instanceof ArchiveDamage) throw err;
        throw new ArchiveDamage(path.join(dir, INDEX_FILE), 0, `the index cannot be read (${(err as Error).message})`);
      }
      return new RunArchive(dir, runId, manifest, index);
    } finally {
      reader.close();
    }
  }

  close(): void {
    this.files.close();
  }

  private parse(prefix: string, ref: FrameRef): any {
    const payload = this.files.read(prefix, ref);
    try {
      return JSON.parse(payload.toString('utf8'));
    } catch {
      throw new ArchiveDamage(path.join(this.dir, `${prefix}-${String(ref.seg).padStart(4, '0')}.seg`), ref.offset, 'a frame passes its checksum but cannot be read');
    }
  }

  /** Position of record `index` in the index, or -1. */
  private position(index: number): number {
    if (this.contiguous) return index >= 0 && index < this.index.length ? index : -1;
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.index.idx(mid);
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  recordFrame(position: number): RecordFrame {
    return this.parse(RECORDS, this.index.record(position)) as RecordFrame;
  }

  private toRecord(f: RecordFrame): RecordRow {
    return whole(recordFromArchive(this.runId, f.r), f.t);
  }

  getRecord(index: number): RecordRow | null {
    const at = this.position(index);
    return at < 0 ? null : this.toRecord(this.recordFrame(at));
  }

  listRecords(status: RecordStatus | undefined, offset: number, limit: number): Page<RecordRow> {
    const items: RecordRow[] = [];
    if (status === undefined) {
      for (let at = offset; at < this.index.length && items.length < limit; at++) items.push(this.toRecord(this.recordFrame(at)));
      return { items, total: this.manifest.records };
    }
    const code = statusCode(status);
    let seen = 0;
    for (let at = 0; at < this.index.length && items.length < limit; at++) {
      if (this.index.status(at) !== code) continue;
      if (seen++ >= offset) items.push(this.toRecord(this.recordFrame(at)));
    }
    return { items, total: this.manifest.counts[status] ?? 0 };
  }

  /** Records not terminal (pending, running): none in a finished run, read anyway for the contract. */
  unfinished(): RecordRow[] {
    const out: RecordRow[] = [];
    for (let at = 0; at < this.index.length; at++) {
      const s = statusOf(this.index.status(at));
      if (s === 'pending' || s === 'running') out.push(this.toRecord(this.recordFrame(at)));
    }
    return out;
  }

  counts(): StatusCounts {
    return { ...this.manifest.counts };
  }

  listSteps(index: number): StepRow[] {
    const at = this.position(index);
    return at < 0 ? [] : this.recordFrame(at).s.map((r) => stepFromArchive(this.runId, r));
  }

  listRecordEvents(index: number): RecordEventRow[] {
    const at = this.position(index);
    return at < 0 ? [] : this.recordFrame(at).e.map((r) => eventFromArchive(this.runId, r));
  }

  listRunEvents(actor: 'engine' | 'operator' | undefined, offset: number, limit: number): Page<RecordEventRow> {
    if (!actor) return { items: this.paged(EVENTS, this.index.events, offset, limit).map((r) => eventFromArchive(this.runId, r)), total: this.manifest.events };
    // Filtered by actor: the pages are read in order (the trail of one run, a few frames per thousand events).
    const items: RecordEventRow[] = [];
    let total = 0;
    for (const ref of this.index.events) {
      for (const r of this.parse(EVENTS, ref) as any[][]) {
        if (r[4] !== actor) continue;
        if (total >= offset && items.length < limit) items.push(eventFromArchive(this.runId, r));
        total++;
      }
    }
    return { items, total };
  }

  listLogs(offset: number, limit: number): Page<LogRow> {
    return { items: this.paged(LOGS, this.index.logs, offset, limit).map((r) => logFromArchive(this.runId, r)), total: this.manifest.logs };
  }

  /** Rows [offset, offset + limit) of frames holding CHUNK rows each (the last one fewer). */
  private paged(prefix: string, refs: FrameRef[], offset: number, limit: number): any[][] {
    const out: any[][] = [];
    if (limit <= 0) return out;
    for (let chunk = Math.floor(offset / CHUNK); chunk < refs.length && out.length < limit; chunk++) {
      const rows = this.parse(prefix, refs[chunk]) as any[][];
      const from = chunk === Math.floor(offset / CHUNK) ? offset % CHUNK : 0;
      for (let i = from; i < rows.length && out.length < limit; i++) out.push(rows[i]);
    }
    return out;
  }

  stepTimings(): StepTimings[] {
    return this.parse(REPORT, this.index.report[0]) as StepTimings[];
  }

  recordTimings(): RecordTiming[] {
    return (this.parse(REPORT, this.index.report[1]) as any[][]).map((r) => ({
      index: r[0],
      status: r[1],
      startedAt: r[2] ?? null,
      endedAt: r[3] ?? null,
      errorCode: r[4] ?? null,
      settled: r[5] === true,
    }));
  }

  rejects(): RejectRow[] {
    return (this.parse(REPORT, this.index.report[2]) as any[][]).map((r) => rejectFromArchive(this.runId, r));
  }

  lastRecordStart(): string | null {
    return this.manifest.lastRecordStart;
  }

  /** Reads every record frame in order (the run's progress by group reads them all, as the database would). */
  recordSummaries(fields: string[]): RecordSummary[] {
    const out: RecordSummary[] = [];
    for (let at = 0; at < this.index.length; at++) {
      const f = this.recordFrame(at);
      const cp = f.r[6] as (RecordCheckpoint & { outcomeCounts?: Record<string, number> }) | null;
      const data = (f.r[2] ?? {}) as Record<string, Json>;
      out.push({
        index: f.r[0],
        status: f.r[1],
        outcomes: cp?.outcomes ? [...cp.outcomes, ...expandOutcomes(cp.outcomeCounts)] : null,
        fields: fields.map((name) => sqlJsonValue(data[name])),
      });
    }
    return out;
  }

  /** Every record frame, in order (a restore). */
  *records(): Generator<RecordFrame> {
    for (let at = 0; at < this.index.length; at++) yield this.recordFrame(at);
  }

  *logRows(): Generator<any[]> {
    for (const ref of this.index.logs) yield* this.parse(LOGS, ref) as any[][];
  }

  /**
   * Checks every byte: each file's size and SHA-256 against the manifest. Returns the first damage
   * found, or null.
   */
  verify(): ArchiveDamage | null {
    for (const f of this.manifest.files) {
      const file = path.join(this.dir, f.name);
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return new ArchiveDamage(file, 0, 'the file is missing');
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size !== f.bytes) return new ArchiveDamage(file, Math.min(size, f.bytes), `the file has ${size} bytes where ${f.bytes} were written`);
        const hash = createHash('sha256');
        const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
        for (let at = 0; at < size; ) {
          const n = fs.readSync(fd, buf, 0, buf.length, at);
          hash.update(buf.subarray(0, n));
          at += n;
        }
        if (hash.digest('hex') !== f.sha256) return this.locate(f.name) ?? new ArchiveDamage(file, 0, 'the file fails its SHA-256 checksum');
      } finally {
        fs.closeSync(fd);
      }
    }
    return null;
  }

  /** The first frame of a damaged file that fails its CRC (where the damage is). */
  private locate(name: string): ArchiveDamage | null {
    try {
      for (const _ of this.files.frames(name)) void _;
    } catch (err) {
      if (err instanceof ArchiveDamage) return err;
    }
    return null;
  }
}

/** A record whose checkpoint is kept as a header and rows gets its whole checkpoint back (as sqljs-store's `whole`). */
function whole(record: RecordRow, rows: any[][]): RecordRow {
  const cp = record.checkpoint as (RecordCheckpoint & { tokenRows?: boolean; outcomeCounts?: Record<string, number> }) | null;
  if (!cp?.tokenRows) return record;
  const tokens: RecordCheckpoint['tokens'] = [];
  const groups: RecordCheckpoint['groups'] = [];
  for (const [kind, , , value] of rows) (kind === 't' ? tokens : groups).push(value);
  const { tokenRows: _rows, outcomeCounts, ...header } = cp;
  return { ...record, checkpoint: { ...header, tokens, groups, outcomes: [...header.outcomes, ...expandOutcomes(outcomeCounts)] } };
}

/** Path outcomes kept as counts as the list they stand for. */
export function expandOutcomes(counts: Record<string, number> | undefined): TerminalStatus[] {
  const out: TerminalStatus[] = [];
  if (!counts) return out;
  for (const status of ['success', 'failed', 'needs_review', 'skipped'] as const) for (let i = 0; i < (counts[status] ?? 0); i++) out.push(status);
  return out;
}

/** What SQLite's json_extract answers for a value: objects and arrays as JSON text, booleans as 0/1. */
function sqlJsonValue(v: Json | undefined): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}
