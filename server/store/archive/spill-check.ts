/**
 * Runs' step segments (archive/spill.ts) in `store verify` and `store repair` (maintenance.ts).
 *
 * Verify reads every byte of every step segment and tells apart:
 * - frames records name (their `spilled_steps` rows; records spilled together share a frame): damage
 *   there loses those records' steps, and the studio answers E_STORE_DAMAGED when they are read —
 *   reported by file, offset and record;
 * - bytes no record names: frames of a batch whose op never reached the journal, a frame replaced by a
 *   later one (a retried record), or the torn end of a write cut by a crash. Nothing reads them;
 *   damage there is reported but loses nothing.
 * Which frames are named comes from the snapshot's `spilled_steps` and the journal's 'P', 'H' and
 * 'Z' entries after it (read, not applied: verify changes nothing and opens no store).
 *
 * Repair copies a damaged segment into the aside folder, then replaces it (atomically, by rename) with
 * the same bytes where every damaged named frame becomes a frame of the same length holding no steps,
 * and damaged unnamed bytes a filler frame (or are cut, at the end): every other record's frame stays
 * at its offset, so no journal entry changes. It returns exactly which records' steps were lost.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { listNumbers, type StoreInspection } from '../integrity.ts';
import { fsyncDir } from '../journal.ts';
import type { SnapshotCheck } from '../snapshot.ts';
import type { Database } from 'sql.js';
import { readStoreFolder } from '../folder-entries.ts';
import { spillFolders } from './check.ts';
import { encodeFrame, FRAME_HEAD, frameIn, segmentName } from './frames.ts';
import { ARCHIVES_DIR } from './layout.ts';
import { spillDirName, STEPS_PREFIX } from './spill.ts';

/** Where a spilled record's steps are (a `spilled_steps` row, by run id). */
export interface SpillRef {
  runId: string;
  record: number;
  seg: number;
  offset: number;
  /** Frame length, header included. */
  length: number;
  /** The last step (seq) the frame holds, and how many it holds. */
  lastSeq: number;
  steps: number;
}

/** Bad bytes in a segment: [offset, end), why, and the records whose steps they held (none: unnamed). */
export interface SpillDamage {
  file: string;
  offset: number;
  end: number;
  reason: string;
  lost: SpillRef[];
}

export interface SpillCheck {
  /** Folder name under store/runs/. */
  name: string;
  runId: string | null;
  segments: number;
  bytes: number;
  /** Frames named by records. */
  named: number;
  /** Damage in frames records name (their steps are lost). */
  damaged: SpillDamage[];
  /** Bad bytes no record names: nothing lost (when `known`). */
  loose: SpillDamage[];
  /** Whether the named frames are known (false: the journal or snapshot is damaged). */
  known: boolean;
}

const SQL_SPILLED = 'SELECT ru.id, s.record_idx, s.seg, s.offset, s.length, s.last_seq, s.steps FROM spilled_steps s JOIN runs ru ON ru.key = s.run_key';
const SEGMENT = /^steps-(\d+)\.seg$/;
/** The run id at the start of a createRun entry: ["R",["<id>",… */
const RUN_ID = /^\["R",\[("(?:[^"\\]|\\.)*")/;

/**
 * Every spilled record's frame as the store would see it once opened, or null when the snapshot or
 * the journal is damaged (then which records a segment holds cannot be told).
 */
export async function spillRefs(snapshot: SnapshotCheck | null, ins: StoreInspection): Promise<SpillRef[] | null> {
  // run id -> record -> its frame (a later 'P' for a record replaces its frame, as INSERT OR REPLACE).
  const refs = new Map<string, Map<number, SpillRef>>();
  const put = (r: SpillRef) => {
    let run = refs.get(r.runId);
    if (!run) refs.set(r.runId, (run = new Map()));
    run.set(r.record, r);
  };
  const dropRun = (runId: string) => refs.delete(runId);
  // Runs that exist: a 'P' for a run deleted meanwhile is refused when applied (and names no frame).
  const runs = new Set<string>();
  const fromSnapshot = (db: Database) => {
    try {
      for (const v of db.exec('SELECT id FROM runs')[0]?.values ?? []) runs.add(String(v[0]));
      for (const v of db.exec(SQL_SPILLED)[0]?.values ?? []) {
        put({ runId: String(v[0]), record: Number(v[1]), seg: Number(v[2]), offset: Number(v[3]), length: Number(v[4]), lastSeq: Number(v[5]), steps: Number(v[6]) });
      }
    } catch {
      // A snapshot written before step segments existed has no spilled_steps table: nothing spilled.
    }
  };
  const entry = (payload: string) => {
    // Only these ops change spilled_steps: 'P' (spill), 'H' (archive), 'Z' (delete run); 'R' creates a run.
    const kind = payload.slice(0, 5);
    if (kind === '["R",') {
      // Only the run id, read from the start: the rest holds every record's data.
      const id = RUN_ID.exec(payload)?.[1];
      if (id) runs.add(JSON.parse(id) as string);
      return;
    }
    if (kind !== '["P",' && kind !== '["H",' && kind !== '["Z",') return;
    const op = JSON.parse(payload) as [string, string, unknown];
    if (op[0] === 'Z') runs.delete(op[1]);
    if (op[0] !== 'P') dropRun(op[1]);
    else if (runs.has(op[1])) for (const [record, seg, offset, length, lastSeq, steps] of op[2] as number[][]) put({ runId: op[1], record, seg, offset, length, lastSeq, steps });
  };
  if (!(await readStoreFolder(snapshot, ins, fromSnapshot, entry))) return null;
  return [...refs.values()].flatMap((run) => [...run.values()]);
}

/** `items` grouped by `key`, in order. */
function groupBy<K, T>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const list = out.get(key(item));
    if (list) list.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}

/** Checks one segment's bytes (`buf`, empty for a missing file) against the frames records name in it. */
export function checkSegment(file: string, buf: Buffer, refs: SpillRef[], missing = false): { damaged: SpillDamage[]; loose: SpillDamage[] } {
  const sorted = [...refs].sort((a, b) => a.offset - b.offset || a.record - b.record);
  const damaged: SpillDamage[] = [];
  // Records sharing a frame (archive/spill.ts) name it each: checked once, its damage loses them all.
  for (const [offset, named] of groupBy(sorted, (r) => r.offset)) {
    const r = named[0];
    const f = frameIn(buf, offset, r.length);
    if ('reason' in f) damaged.push({ file, offset, end: offset + r.length, reason: missing ? 'the file is missing' : f.reason, lost: named });
  }
  // The bytes between named frames: frames no record names, each checked, up to the next named one.
  const loose: SpillDamage[] = [];
  let pos = 0;
  for (const r of [...sorted, null]) {
    const limit = r ? r.offset : buf.length;
    const part = buf.subarray(0, limit);
    while (pos < limit) {
      const f = frameIn(part, pos);
      if ('reason' in f) {
        const reason = r && f.reason.startsWith('the file ends') ? `a frame that runs into the frame of record ${r.record}` : f.reason;
        loose.push({ file, offset: pos, end: limit, reason, lost: [] });
        break;
      }
      pos = f.end;
    }
    if (r) pos = Math.max(pos, r.offset + r.length);
  }
  return { damaged, loose };
}

/** Reads every byte of every run's step segments; changes nothing. `refs` null: which records they hold is unknown. */
export function checkSpills(storeDir: string, refs: SpillRef[] | null): SpillCheck[] {
  const byFolder = groupBy(refs ?? [], (r) => spillDirName(r.runId));
  const names = new Set([...spillFolders(storeDir), ...byFolder.keys()]);
  const out: SpillCheck[] = [];
  for (const name of [...names].sort()) {
    const dir = path.join(storeDir, ARCHIVES_DIR, name);
    const named = byFolder.get(name) ?? [];
    const check: SpillCheck = { name, runId: named[0]?.runId ?? null, segments: 0, bytes: 0, named: named.length, damaged: [], loose: [], known: refs !== null };
    const bySeg = groupBy(named, (r) => r.seg);
    const segs = new Set(bySeg.keys());
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const m = SEGMENT.exec(f);
      if (m) segs.add(Number(m[1]));
    }
    for (const seg of [...segs].sort((a, b) => a - b)) {
      const file = path.join(dir, segmentName(STEPS_PREFIX, seg));
      const missing = !fs.existsSync(file);
      const buf = missing ? Buffer.alloc(0) : fs.readFileSync(file);
      const found = checkSegment(file, buf, bySeg.get(seg) ?? [], missing);
      check.segments++;
      check.bytes += buf.length;
      check.damaged.push(...found.damaged);
      check.loose.push(...found.loose);
    }
    out.push(check);
  }
  return out;
}

/** The records whose steps damage took, per run: "run r (records 0, 4: 6 steps)". */
export function spillLossLine(checks: SpillCheck[]): string {
  return checks
    .filter((c) => c.damaged.length > 0)
    .map((c) => {
      const lost = c.damaged.flatMap((d) => d.lost);
      const steps = lost.reduce((n, r) => n + r.steps, 0);
      return `the step segments of run ${c.runId ?? c.name} (record${lost.length === 1 ? '' : 's'} ${listNumbers(lost.map((r) => r.record).sort((a, b) => a - b))}: ${steps} step${steps === 1 ? '' : 's'})`;
    })
    .join(', ');
}

export function spillsHealthy(checks: SpillCheck[]): boolean {
  return checks.every((c) => c.damaged.length === 0 && (c.known || c.loose.length === 0));
}

/** Verify's lines for the step segments. */
export function describeSpills(checks: SpillCheck[]): string[] {
  if (checks.length === 0) return [];
  const segments = checks.reduce((n, c) => n + c.segments, 0);
  const bytes = checks.reduce((n, c) => n + c.bytes, 0);
  const named = checks.reduce((n, c) => n + c.named, 0);
  const known = checks.every((c) => c.known);
  const lines = [
    `  step segments (${ARCHIVES_DIR}/*.steps/): ${checks.length} run${checks.length === 1 ? '' : 's'}, ${segments} segment${segments === 1 ? '' : 's'}, ${bytes} bytes, every byte checked${known ? `; ${named} records' steps in them` : '; which records they hold cannot be told while the snapshot or journal is damaged'}`,
  ];
  for (const c of checks) {
    const who = c.runId ? `step segments of run ${c.runId}` : `step segments in ${ARCHIVES_DIR}/${c.name}`;
    for (const d of c.damaged) {
      const lost = d.lost.map((r) => `record ${r.record}, ${r.steps} step${r.steps === 1 ? '' : 's'} (up to step ${r.lastSeq})`).join('; ');
      lines.push(`  ${who}: DAMAGED: ${path.basename(d.file)} at byte ${d.offset}: ${d.reason}: ${lost} cannot be read`);
    }
    for (const d of c.loose) {
      const where = `${path.basename(d.file)} bytes ${d.offset}–${d.end - 1}`;
      lines.push(
        c.known
          ? `  ${who}: ${where} belong to no record (${d.reason.startsWith('the file ends') ? 'the end of a write cut by a crash, never committed' : d.reason}): nothing is lost`
          : `  ${who}: DAMAGED: ${where}: ${d.reason}`,
      );
    }
  }
  return lines;
}

/** A record whose steps repair could not keep. */
export interface LostSteps {
  runId: string;
  record: number;
  steps: number;
  lastSeq: number;
  file: string;
  offset: number;
  reason: string;
}

/** A frame of exactly `length` bytes (header included) whose payload is `text` padded with spaces. */
function paddedFrame(text: string, length: number): Buffer {
  return encodeFrame(Buffer.from(text.padEnd(length - FRAME_HEAD, ' '), 'utf8'));
}

/**
 * Repairs every segment with damaged named frames (see the file comment); the originals are copied
 * into `aside/runs/<folder>/` first. Returns the records whose steps were lost and the files moved.
 */
/** The records whose steps a repair of these segments loses (known before it changes anything). */
export function spillLoss(checks: SpillCheck[]): LostSteps[] {
  return checks.flatMap((c) => c.damaged.flatMap((d) => d.lost.map((r) => ({ runId: r.runId, record: r.record, steps: r.steps, lastSeq: r.lastSeq, file: d.file, offset: d.offset, reason: d.reason }))));
}

export async function repairSpills(checks: SpillCheck[], refs: SpillRef[], aside: string): Promise<{ lost: LostSteps[]; moved: string[] }> {
  const lost = spillLoss(checks);
  const moved: string[] = [];
  for (const c of checks) {
    const files = [...new Set(c.damaged.map((d) => d.file))];
    for (const file of files) {
      const damaged = c.damaged.filter((d) => d.file === file);
      const orig = fs.existsSync(file) ? await fsp.readFile(file) : null;
      if (orig) {
        const to = path.join(aside, ARCHIVES_DIR, c.name, path.basename(file));
        await fsp.mkdir(path.dirname(to), { recursive: true });
        await fsp.copyFile(file, to);
        moved.push(`${ARCHIVES_DIR}/${c.name}/${path.basename(file)}`);
      }
      const buf = Buffer.alloc(Math.max(orig?.length ?? 0, ...damaged.map((d) => d.end)));
      orig?.copy(buf);
      for (const d of damaged) {
        // The record keeps a frame at its offset, holding no steps: its row stays valid, nothing else moves.
        paddedFrame('[]', d.end - d.offset).copy(buf, d.offset);
      }
      const seg = Number(SEGMENT.exec(path.basename(file))?.[1]);
      let end = buf.length;
      for (const l of checkSegment(file, buf, refs.filter((r) => r.runId === c.runId && r.seg === seg)).loose) {
        if (l.end === buf.length) end = l.offset;
        else if (l.end - l.offset >= FRAME_HEAD) paddedFrame('', l.end - l.offset).copy(buf, l.offset);
      }
      const tmp = `${file}.repair`;
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const fh = await fsp.open(tmp, 'w');
      try {
        await fh.writeFile(buf.subarray(0, end));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, file);
      await fsyncDir(path.dirname(file));
    }
  }
  return { lost, moved };
}

/** Repair's lines for the steps lost in step segments. */
export function lostStepsLines(lost: LostSteps[]): string[] {
  const lines: string[] = [];
  for (const runId of [...new Set(lost.map((l) => l.runId))]) {
    const mine = lost.filter((l) => l.runId === runId);
    const steps = mine.reduce((n, l) => n + l.steps, 0);
    lines.push(`The step segments of run ${runId} were damaged: the steps of ${mine.length} record${mine.length === 1 ? '' : 's'} are lost (${steps} step${steps === 1 ? '' : 's'}); the records keep their status and data and read with no steps (a finished record whose output was its last step's data loses that output with it).`);
    for (const l of mine) lines.push(`  run ${runId}, record ${l.record}: ${l.steps} step${l.steps === 1 ? '' : 's'} (up to step ${l.lastSeq}), ${path.basename(l.file)} at byte ${l.offset}: ${l.reason}`);
  }
  return lines;
}
