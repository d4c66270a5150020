/**
 * Steps of a run under way leave memory as its records finish: records that reached a final status
 * have their steps written to the run's step segments (`runs/<run>.steps/steps-NNNN.seg`, appended,
 * fsynced), then one journaled op ('P') per batch drops those steps from the database and records
 * where each record's frame is (`spilled_steps`, with the steps' durations for the run report). What a
 * run holds in memory is then its records and the steps of the records under way, not every step.
 *
 * A frame holds the steps of several records (up to FRAME_RECORDS records or FRAME_TEXT characters):
 * a JSON array of step rows, each starting with its record's index, so a record's steps are the rows
 * of its frame with its index — a frame written before (one record's rows) reads the same way. Why
 * shared: deflating costs about 10 µs a call before the first byte (zlib's set-up), and a record's
 * steps repeat those of the records beside it. Measured on finished records' rows (4,096 records,
 * three rounds): the 10-step chain 35.4 → 5.6 µs and 386 → 150 bytes a record with 16 a frame;
 * a trigger and one step 19.2 → 1.5 µs and 193 → 39 bytes.
 *
 * Crash safety: frames are durable before their op is written; a crash before the op leaves frames no
 * row names (harmless: the steps are still in the database, a later batch writes them again). Replaying
 * a 'P' reads no file. The step segments are read by `listSteps`, the run report and the run's archive
 * (which takes them over); they are removed once the run is archived or deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { TERMINAL_RECORD_STATUSES } from '../../contract/status.ts';
import { STEP_COLUMNS } from '../rows.ts';
import { fsyncDir } from '../journal.ts';
import type { SqlValue } from 'sql.js';
import type { Sql } from '../sql.ts';
import { DEFAULT_MAX_SEGMENT_BYTES, type FrameRef, SegmentReader, SegmentWriter } from './frames.ts';
import { ARCHIVES_DIR } from './layout.ts';
import { JSON_COLUMNS, rowJson } from './rows-json.ts';

/** spillSteps: run id, then per record [index, segment, offset, frame length, last seq, steps, durations (the batch's, in its first record; see `Durations`)]. */
export type SpillOp = ['P', string, Array<[number, number, number, number, number, number, string]>];

export const STEPS_PREFIX = 'steps';
const SPILL_SUFFIX = '.steps';
/** Finished records of one run that make a batch worth writing. */
export const SPILL_BATCH = 1000;
/** Records whose steps share a frame, at most; and the text a frame stops growing at (a record alone may pass it). */
export const FRAME_RECORDS = 16;
const FRAME_TEXT = 64 * 1024;
const TERMINAL = new Set<string>(TERMINAL_RECORD_STATUSES);

/** The folder of a run's step segments (under store/runs/). */
export function spillDirName(runId: string): string {
  return `${runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}${SPILL_SUFFIX}`;
}

export function isSpillDir(name: string): boolean {
  return name.endsWith(SPILL_SUFFIX);
}

/**
 * Durations of steps as the run report reads them: "node\x1fs|f\x1fms,ms,…" per node and status, \x1e
 * between (`stepTimings` in sqljs-reads-report.ts; one duration per part is the form rows written
 * before kept). Gathered over a whole batch and kept once, in the row of its first record: per record,
 * the node ids and statuses repeated at every step were a sixth of a finished 100,000-record run's
 * database (10 of 59 MB, docs/benchmarks.md), which a snapshot copies whole.
 */
class Durations {
  private readonly byNode = new Map<string, number[]>();
  /** Joined durations carried over as they were (rows of records spilled again). */
  private readonly carried: string[] = [];

  add(rows: unknown[][]): void {
    for (const r of rows) {
      const id = `${r[3] as string}\x1f${r[6] === 'success' ? 's' : 'f'}`;
      let list = this.byNode.get(id);
      if (!list) this.byNode.set(id, (list = []));
      list.push(Number(r[14]));
    }
  }

  carry(joined: string | undefined): void {
    if (joined) this.carried.push(joined);
  }

  joined(): string {
    const parts = [...this.carried];
    for (const [id, ms] of this.byNode) parts.push(`${id}\x1f${ms.join(',')}`);
    return parts.join('\x1e');
  }
}

/** `hasRows`: whether record `idx` may have rows in the steps table (the others' steps were held, never inserted). */
export function applySpill(sql: Sql, key: number | null, archived: boolean, op: SpillOp, hasRows: (idx: number) => boolean): void {
  if (key === null) throw new Error(`there is no run ${JSON.stringify(op[1])}`);
  if (archived) throw new Error(`run ${op[1]} is archived: its steps are in its archive`);
  for (const [idx, seg, offset, length, lastSeq, steps, timings] of op[2]) {
    if (hasRows(idx)) sql.run(SQL_SPILL_DELETE, [key, idx, lastSeq]);
    sql.run(
      'INSERT OR REPLACE INTO spilled_steps (run_key, record_idx, seg, offset, length, last_seq, steps, timings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [key, idx, seg, offset, length, lastSeq, steps, timings],
    );
  }
}

/**
 * The spill's reads of steps in the database: the applier's held steps (ops.ts) are added to them, not
 * written first. The applier tells statements by their text: the comment keeps these apart from the
 * same query made by reads (which need the held steps written first).
 */
export const SQL_SPILL_STEPS_OF = `SELECT ${STEP_COLUMNS} FROM steps WHERE run_key = ? AND record_idx = ? ORDER BY seq /* spill */`;
export const SQL_SPILL_STEPS_IN = `SELECT ${STEP_COLUMNS} FROM steps WHERE run_key = ? AND record_idx BETWEEN ? AND ? ORDER BY record_idx, seq /* spill */`;
/** The 'P' op's delete of a record's spilled steps (the applier drops the held ones itself). */
export const SQL_SPILL_DELETE = 'DELETE FROM steps WHERE run_key = ? AND record_idx = ? AND seq <= ? /* spill */';

/** Finished records read together by a spill (see `readChunk`). */
const SPILL_READ_CHUNK = 200;

interface ChunkReads {
  status(idx: number): unknown;
  steps(idx: number): SqlValue[][];
  spilled(idx: number): SpilledRow | null;
}

/** Where a record's spilled steps are. */
interface SpilledRow {
  seg: number;
  offset: number;
  length: number;
  lastSeq: number;
  timings: string;
}

export class StepSpill {
  private readonly writers = new Map<string, SegmentWriter>();
  private readonly readers = new Map<string, SegmentReader>();
  private running: Promise<void> | null = null;
  /** The frame read last, parsed (frames never change once written; repair runs on a closed store). */
  private lastFrame: { id: string; rows: unknown[][] } | null = null;

  constructor(
    private readonly storeDir: string,
    private readonly sql: Sql,
    private readonly submit: (op: SpillOp) => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly maxSegmentBytes = DEFAULT_MAX_SEGMENT_BYTES,
    private readonly batchSize = SPILL_BATCH,
    /** The steps the applier holds for a record, not in the database yet (ops.ts, `Applier.held`), as step rows. */
    private readonly heldSteps: (key: number, idx: number) => SqlValue[][] = () => [],
  ) {}

  private dir(runId: string): string {
    return path.join(this.storeDir, ARCHIVES_DIR, spillDirName(runId));
  }

  private spilled(key: number, idx: number): SpilledRow | null {
    const r = this.sql.one('SELECT seg, offset, length, last_seq, timings FROM spilled_steps WHERE run_key = ? AND record_idx = ?', [key, idx]);
    return r ? { seg: r[0] as number, offset: r[1] as number, length: r[2] as number, lastSeq: r[3] as number, timings: r[4] as string } : null;
  }

  private reader(runId: string): SegmentReader {
    let r = this.readers.get(runId);
    if (!r) this.readers.set(runId, (r = new SegmentReader(this.dir(runId))));
    return r;
  }

  /** A record's spilled steps as parsed rows (empty when none were spilled). Throws ArchiveDamage. */
  stepRows(runId: string, key: number, idx: number): unknown[][] {
    const row = this.spilled(key, idx);
    return row ? this.rowsAt(runId, row, idx) : [];
  }

  /** The rows of record `idx` in the frame at `ref` (a frame may hold other records' rows too). */
  private rowsAt(runId: string, ref: FrameRef, idx: number): unknown[][] {
    const id = `${runId}\u0000${ref.seg}:${ref.offset}`;
    let rows = this.lastFrame?.id === id ? this.lastFrame.rows : null;
    if (!rows) {
      rows = JSON.parse(this.reader(runId).read(STEPS_PREFIX, ref).toString('utf8')) as unknown[][];
      // Records sharing a frame are read one after another (the archive, a page of records): parsed once.
      this.lastFrame = { id, rows };
    }
    return rows.filter((r) => r[0] === idx);
  }

  /** The durations of every spilled step of a run (joined strings, see `durations`). */
  timings(key: number): string[] {
    return this.sql.all('SELECT timings FROM spilled_steps WHERE run_key = ? AND timings <> ?', [key, '']).map((r) => r[0] as string);
  }

  /** Steps and bytes spilled for a run (for its size). */
  size(key: number): { steps: number; bytes: number } {
    // Records sharing a frame name it each: its bytes counted once.
    const r = this.sql.one(
      'SELECT coalesce(sum(steps), 0), (SELECT coalesce(sum(length), 0) FROM (SELECT DISTINCT seg, offset, length FROM spilled_steps WHERE run_key = ?1)) FROM spilled_steps WHERE run_key = ?1',
      [key],
    );
    return { steps: Number(r?.[0] ?? 0), bytes: Number(r?.[1] ?? 0) };
  }

  /** Starts writing a batch when enough records finished (called after each group commit). */
  maybeSpill(finals: Map<number, number[]>): void {
    if (this.running) return;
    const batch = new Map<number, number[]>();
    for (const [key, idxs] of finals) {
      if (idxs.length >= this.batchSize) {
        batch.set(key, idxs.splice(0));
      }
    }
    if (batch.size === 0) return;
    this.running = this.spill(batch)
      .catch((err) => this.onError(err))
      .finally(() => {
        this.running = null;
      });
  }

  /** Waits for a batch under way. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async spill(batch: Map<number, number[]>): Promise<void> {
    for (const [key, idxs] of batch) {
      const run = this.sql.one('SELECT id FROM runs WHERE key = ? AND archive IS NULL', [key]);
      if (!run) continue;
      const runId = run[0] as string;
      const writer = this.writer(runId);
      const entries: SpillOp[2] = [];
      const durations = new Durations();
      idxs.sort((a, b) => a - b);
      const unique = idxs.filter((idx, i) => i === 0 || idx !== idxs[i - 1]);
      // Records whose rows go in the frame being made (their entries get its place once it is written).
      let texts: string[] = [];
      let waiting: SpillOp[2] = [];
      let size = 0;
      const write = () => {
        if (waiting.length === 0) return;
        const ref = writer.append(Buffer.from(`[${texts.join(',')}]`, 'utf8'));
        for (const e of waiting) {
          e[1] = ref.seg;
          e[2] = ref.offset;
          e[3] = ref.length;
          entries.push(e);
        }
        texts = [];
        waiting = [];
        size = 0;
      };
      for (let from = 0; from < unique.length; from += SPILL_READ_CHUNK) {
        const chunk = unique.slice(from, from + SPILL_READ_CHUNK);
        const read = this.readChunk(key, chunk);
        for (const idx of chunk) {
          if (!TERMINAL.has(read.status(idx) as string)) continue;
          const hot = read.steps(idx);
          if (hot.length === 0) continue;
          // A record spilled before (then retried): its earlier rows go with its new ones, in its new frame.
          const before = read.spilled(idx);
          const old = before ? this.rowsAt(runId, before, idx).map((r) => JSON.stringify(r)) : [];
          const text = [...old, ...hot.map((r) => rowJson(r, JSON_COLUMNS.step))].join(',');
          if (waiting.length > 0 && (waiting.length >= FRAME_RECORDS || size + text.length > FRAME_TEXT)) write();
          texts.push(text);
          size += text.length;
          durations.add(hot);
          // The row this one replaces may hold durations (its own, or its batch's): they stay.
          durations.carry(before?.timings);
          waiting.push([idx, 0, 0, 0, hot[hot.length - 1][1] as number, old.length + hot.length, '']);
        }
        await tick();
      }
      write();
      if (entries.length === 0) continue;
      entries[0][6] = durations.joined();
      if (writer.sync()) await fsyncDir(this.dir(runId));
      await this.submit(['P', runId, entries]);
    }
  }

  /**
   * What the spill reads of a chunk of finished records (sorted, distinct indexes): their statuses,
   * steps and earlier spills. Records finish roughly in order, so a chunk's indexes are mostly a
   * dense range: read as three range queries (three statements for up to 200 records instead of
   * three per record — sql.js pays per statement and per row it hands over; the per-record reads
   * were 30 % of a run of no-op steps' CPU). A sparse chunk (retried records, long-running ones)
   * is read record by record, as rows outside it would be read for nothing.
   */
  /** A record's steps in the database, then those the applier holds (later seqs: held since the last write). */
  private withHeld(key: number, idx: number, rows: SqlValue[][]): SqlValue[][] {
    const held = this.heldSteps(key, idx);
    return held.length === 0 ? rows : rows.concat(held);
  }

  private readChunk(key: number, idxs: number[]): ChunkReads {
    const lo = idxs[0];
    const hi = idxs[idxs.length - 1];
    if (hi - lo + 1 > idxs.length * 2) {
      return {
        status: (idx) => this.sql.one('SELECT status FROM records WHERE run_key = ? AND idx = ?', [key, idx])?.[0],
        steps: (idx) => this.withHeld(key, idx, this.sql.all(SQL_SPILL_STEPS_OF, [key, idx])),
        spilled: (idx) => this.spilled(key, idx),
      };
    }
    const statuses = new Map<number, unknown>();
    for (const r of this.sql.all('SELECT idx, status FROM records WHERE run_key = ? AND idx BETWEEN ? AND ?', [key, lo, hi])) statuses.set(r[0] as number, r[1]);
    const steps = new Map<number, SqlValue[][]>();
    // STEP_COLUMNS starts with record_idx, seq: rows come grouped by record, in step order.
    for (const r of this.sql.all(SQL_SPILL_STEPS_IN, [key, lo, hi])) {
      const idx = r[0] as number;
      let list = steps.get(idx);
      if (!list) steps.set(idx, (list = []));
      list.push(r);
    }
    const spilled = new Map<number, SpilledRow>();
    for (const r of this.sql.all('SELECT record_idx, seg, offset, length, last_seq, timings FROM spilled_steps WHERE run_key = ? AND record_idx BETWEEN ? AND ?', [key, lo, hi])) {
      spilled.set(r[0] as number, { seg: r[1] as number, offset: r[2] as number, length: r[3] as number, lastSeq: r[4] as number, timings: r[5] as string });
    }
    return { status: (idx) => statuses.get(idx), steps: (idx) => this.withHeld(key, idx, steps.get(idx) ?? []), spilled: (idx) => spilled.get(idx) ?? null };
  }

  private writer(runId: string): SegmentWriter {
    let w = this.writers.get(runId);
    if (!w) {
      const dir = this.dir(runId);
      fs.mkdirSync(dir, { recursive: true });
      // After a restart a run's writer continues in a new segment (the last one may end in a torn frame).
      let next = 0;
      for (const name of fs.readdirSync(dir)) {
        const m = /^steps-(\d+)\.seg$/.exec(name);
        if (m) next = Math.max(next, Number(m[1]) + 1);
      }
      w = new SegmentWriter(dir, STEPS_PREFIX, this.maxSegmentBytes, next);
      this.writers.set(runId, w);
    }
    return w;
  }

  /** The run's step segments are no longer named (archived or deleted): closed and removed. */
  drop(runId: string): void {
    this.lastFrame = null;
    this.writers.get(runId)?.close();
    this.writers.delete(runId);
    this.readers.get(runId)?.close();
    this.readers.delete(runId);
    fs.rmSync(this.dir(runId), { recursive: true, force: true });
  }

  /** Runs that have spilled steps (their folders are in use). */
  runsWithSpill(): string[] {
    return this.sql.all('SELECT DISTINCT ru.id FROM spilled_steps s JOIN runs ru ON ru.key = s.run_key', []).map((r) => r[0] as string);
  }

  close(): void {
    this.lastFrame = null;
    for (const w of this.writers.values()) w.close();
    for (const r of this.readers.values()) r.close();
    this.writers.clear();
    this.readers.clear();
  }
}
