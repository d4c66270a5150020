/** A data folder whose finished runs' steps are in step segments, one of them damaged (spill-damage*.test.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { openSqlJsStore, type SqlJsStore, type SqlJsStoreOptions } from '../../../server/store/sqljs-store.ts';
import { verifyStore } from '../../../server/store/maintenance.ts';
import { frameIn } from '../../../server/store/archive/frames.ts';
import { tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';

export const RECORDS = 30;

export const openSpilling = (storeDir: string, options: SqlJsStoreOptions = {}) =>
  openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {}, ...options });

/** A frame of a step segment: where it lies and the records whose rows it holds (sorted; none: a frame repair emptied). */
export interface SegmentFrame {
  offset: number;
  length: number;
  records: number[];
}

/** Every frame of a step segment, read from its bytes: the records of each are those its rows start with. */
export function segmentFrames(file: string): SegmentFrame[] {
  const buf = fs.readFileSync(file);
  const out: SegmentFrame[] = [];
  for (let at = 0; at < buf.length; ) {
    const f = frameIn(buf, at);
    if ('reason' in f) throw new Error(`${file} at ${at}: ${f.reason}`);
    const rows = JSON.parse(f.payload.toString('utf8')) as unknown[][];
    out.push({ offset: at, length: f.end - at, records: [...new Set(rows.map((r) => r[0] as number))].sort((a, b) => a - b) });
    at = f.end;
  }
  return out;
}

/** Where each spilled record's steps are, as the store's `spilled_steps` rows name them (record -> frame). */
export function spilledRefs(store: SqlJsStore, runId: string): Map<number, { seg: number; offset: number; length: number; steps: number }> {
  const sql = (store as unknown as { sql: { all(q: string, p: unknown[]): unknown[][] } }).sql;
  const rows = sql.all('SELECT s.record_idx, s.seg, s.offset, s.length, s.steps FROM spilled_steps s JOIN runs r ON r.key = s.run_key WHERE r.id = ? ORDER BY s.record_idx', [runId]);
  return new Map(rows.map((r) => [Number(r[0]), { seg: Number(r[1]), offset: Number(r[2]), length: Number(r[3]), steps: Number(r[4]) }]));
}

/** A frame's key in `recordsByFrame`: "seg:offset:length". */
export const frameKey = (r: { seg: number; offset: number; length: number }): string => `${r.seg}:${r.offset}:${r.length}`;

/** The records each frame is named by (key `frameKey`), from `spilledRefs`. */
export function recordsByFrame(refs: ReturnType<typeof spilledRefs>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [record, r] of refs) {
    const key = frameKey(r);
    const list = out.get(key);
    if (list) list.push(record);
    else out.set(key, [record]);
  }
  return out;
}

export interface DamagedFolder {
  dataDir: string;
  storeDir: string;
  /** The damaged segment, the offset and length of the damaged frame and the records whose steps it holds (sorted, more than one). */
  segment: string;
  offset: number;
  length: number;
  records: number[];
  /** The first run's records whose steps are in other frames (sorted). */
  others: number[];
  /** What every read of each run answered before the damage. */
  reads: Map<string, Awaited<ReturnType<typeof everything>>>;
}

/**
 * Runs `runs` (30 records each, 3 steps a record) finished with their steps spilled; one byte flipped
 * in the middle of the first run's first step segment. The frame it falls in is shared by several
 * records (read from its rows before the damage, and checked against what the store's rows name);
 * `store verify` names that one frame, and exactly those records as lost.
 */
export async function damagedSpillFolder(runs = ['run-a']): Promise<DamagedFolder> {
  const dataDir = tempDir();
  const storeDir = path.join(dataDir, 'store');
  const store = await openSpilling(storeDir);
  for (const id of runs) await finishedRun(store, id, RECORDS);
  await settle(store);
  const again = await openSpilling(storeDir);
  const reads = new Map<string, Awaited<ReturnType<typeof everything>>>();
  for (const id of runs) reads.set(id, await everything(again, id, RECORDS));
  // What the damaged folder is compared with: each record's own 3 steps (not another's rows of its frame).
  for (const [id, r] of reads) {
    r.records.forEach((rec, i) => {
      const got = JSON.stringify(rec.steps.map((s) => [s.runId, s.recordIndex, s.seq]));
      if (got !== JSON.stringify([1, 2, 3].map((seq) => [id, i, seq]))) throw new Error(`run ${id} record ${i} reads steps ${got}`);
    });
  }
  const named = recordsByFrame(spilledRefs(again, runs[0]));
  await again.close();

  const segment = path.join(storeDir, 'runs', `${runs[0]}.steps`, 'steps-0000.seg');
  const bytes = fs.readFileSync(segment);
  const at = Math.floor(bytes.length / 2);
  const frame = segmentFrames(segment).find((f) => f.offset <= at && at < f.offset + f.length)!;
  // The records whose rows the frame holds are exactly those whose rows name it, and more than one.
  if (JSON.stringify(named.get(`0:${frame.offset}:${frame.length}`)) !== JSON.stringify(frame.records) || frame.records.length < 2) {
    throw new Error(`expected a frame shared by several records at byte ${frame.offset}: its rows are of records ${frame.records}, the store names it for ${named.get(`0:${frame.offset}:${frame.length}`)}`);
  }
  bytes[at] ^= 0x10;
  fs.writeFileSync(segment, bytes);
  const damage = (await verifyStore(dataDir)).spills.flatMap((s) => s.damaged);
  const lost = damage[0]?.lost.map((r) => r.record);
  if (damage.length !== 1 || damage[0].offset !== frame.offset || damage[0].end !== frame.offset + frame.length || JSON.stringify(lost) !== JSON.stringify(frame.records)) {
    throw new Error(`expected one damaged frame at byte ${frame.offset} losing records ${frame.records}, verify found ${damage.length}: ${JSON.stringify(damage.map((d) => [d.offset, d.end, d.lost.map((r) => r.record)]))}`);
  }
  const others = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !frame.records.includes(i));
  return { dataDir, storeDir, segment, offset: frame.offset, length: frame.length, records: frame.records, others, reads };
}

/** Waits for the step batches under way (they start after group commits), then closes. */
async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.close();
}
