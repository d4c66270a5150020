/**
 * Checking a store's files: which journal damage is the harmless torn tail of a crash, which is
 * real damage (the store refuses to open: E_STORE_DAMAGED), and what the entries past damage held.
 * Used by the store's open, and by `conveyor store verify / repair / backup / restore`.
 * See docs/architecture.md, "Durable store".
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, PACKED_FRAME, frameCrc, journalFileName, listJournalFiles, readFrameAt } from './journal.ts';
import { META_JOURNAL_KEPT, META_LAST_SEQ } from './schema.sql.ts';
import { peekSnapshot, SNAPSHOT_FILE, type SnapshotCheck } from './snapshot.ts';

export interface OffsetFrame {
  seq: number;
  payload: string;
  /** Byte offset of the frame in its file (the entries of a packed frame share it). */
  offset: number;
}

export interface JournalFileScan {
  path: string;
  startSeq: number;
  size: number;
  /** The valid entries from the start of the file, in sequence. */
  frames: OffsetFrame[];
  /** Bytes from the start that hold them. */
  validLength: number;
  /** The last file's incomplete or garbled end with no valid frame after it: a write cut by a crash. */
  torn: { offset: number; bytes: number } | null;
  /** Anything else: the offset of the first bad byte, why, and the valid entries found after it. */
  damage: { offset: number; reason: string; after: OffsetFrame[] } | null;
}

/** Why the bytes at `off` are not the next frame (after `prevSeq`). */
function whyNotFrame(buf: Buffer, off: number, prevSeq: number): string {
  const left = buf.length - off;
  if (left < FRAME_HEADER_BYTES) return `an incomplete frame header (${left} byte${left === 1 ? '' : 's'})`;
  const word = buf.readUInt32LE(off);
  const len = word & MAX_PAYLOAD_BYTES;
  if (len === 0) return 'a frame header with an impossible length';
  if (len > left - FRAME_HEADER_BYTES) return `a frame of ${len} bytes of which only ${left - FRAME_HEADER_BYTES} are there`;
  if (frameCrc(buf, off + 8, off + FRAME_HEADER_BYTES + len) !== buf.readUInt32LE(off + 4)) return 'a frame that fails its checksum';
  const f = readFrameAt(buf, off);
  if (!f) return word >= PACKED_FRAME ? 'a packed frame whose entries cannot be unpacked' : 'a frame with sequence number 0';
  return `entry ${f.seq} where entry ${prevSeq + 1} should follow`;
}

/** Valid entries of `buf` from `off` while they continue in sequence. */
function framesFrom(buf: Buffer, off: number, prevSeq: number): { frames: OffsetFrame[]; end: number } {
  const frames: OffsetFrame[] = [];
  for (;;) {
    const f = readFrameAt(buf, off);
    if (!f || (prevSeq !== -1 && f.seq !== prevSeq + 1)) break;
    for (let i = 0; i < f.entries.length; i++) frames.push({ seq: f.seq + i, payload: f.entries[i], offset: off });
    prevSeq = f.seq + f.entries.length - 1;
    off = f.end;
  }
  return { frames, end: off };
}

/** The valid frames after damage at `from`: searched byte by byte for the next frame that holds. */
function framesAfter(buf: Buffer, from: number): OffsetFrame[] {
  const found: OffsetFrame[] = [];
  let off = from;
  while (off <= buf.length - FRAME_HEADER_BYTES) {
    const f = readFrameAt(buf, off);
    if (!f) {
      off++;
      continue;
    }
    const run = framesFrom(buf, off, -1);
    found.push(...run.frames);
    off = run.end === off ? off + 1 : run.end;
  }
  return found;
}

/**
 * Scans one journal file. `last`: the directory's last journal file, the only one whose end may be
 * torn by a crash (older files were complete and synced before the next one was started).
 */
export function scanJournal(file: { path: string; startSeq: number }, content: Uint8Array, last: boolean): JournalFileScan {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const { frames, end } = framesFrom(buf, 0, file.startSeq - 1);
  const scan: JournalFileScan = { path: file.path, startSeq: file.startSeq, size: buf.length, frames, validLength: end, torn: null, damage: null };
  if (end === buf.length) return scan;
  const reason = end === 0 && readFrameAt(buf, 0) ? `the file is named for entry ${file.startSeq} but starts with entry ${readFrameAt(buf, 0)!.seq}: entry ${file.startSeq} is missing` : whyNotFrame(buf, end, frames.at(-1)?.seq ?? file.startSeq - 1);
  // A frame that holds but breaks the sequence is itself among what follows the damage.
  const after = framesAfter(buf, readFrameAt(buf, end) ? end : end + 1);
  if (last && after.length === 0) scan.torn = { offset: end, bytes: buf.length - end };
  else scan.damage = { offset: end, reason, after };
  return scan;
}

// ------------------------------------------------------------------ what entries hold

export interface RunLoss {
  runId: string;
  /** The run itself was created in these entries (it is lost entirely). */
  created: boolean;
  /** Record indexes whose steps, status or checkpoint changed. */
  records: number[];
  steps: Array<{ record: number; seq: number; nodeId: string; nodeType: string; status: string; tokenId: number }>;
  /** Record checkpoints with an unsafe step marked in flight. */
  inFlight: Array<{ record: number; nodeId: string; tokenId: number }>;
  /** Run statuses set. */
  statuses: string[];
  logLines: number;
}

export interface LossSummary {
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Entries whose content could not be read (damaged bytes). */
  unreadable: number;
  flows: string[];
  runs: RunLoss[];
  nodeStateWrites: number;
}

/**
 * What journal entries held, decoded as far as they can be. `fromSeq`: the first entry lost (the one
 * where damage starts); the entries from it to the first readable one were in the damaged frame (one
 * entry, or a packed frame's several) and count as lost and unreadable.
 */
export function describeEntries(frames: ReadonlyArray<{ seq: number; payload: string }>, fromSeq?: number): LossSummary {
  const damaged = fromSeq === undefined ? 0 : frames.length > 0 ? Math.max(0, frames[0].seq - fromSeq) : 1;
  let unreadable = damaged;
  const runs = new Map<string, RunLoss>();
  const flows = new Set<string>();
  let nodeStateWrites = 0;
  const run = (id: unknown): RunLoss => {
    const key = String(id);
    let r = runs.get(key);
    if (!r) runs.set(key, (r = { runId: key, created: false, records: [], steps: [], inFlight: [], statuses: [], logLines: 0 }));
    return r;
  };
  const touch = (r: RunLoss, index: unknown) => {
    if (typeof index === 'number' && !r.records.includes(index)) r.records.push(index);
  };
  let first: number | null = null;
  let last: number | null = null;
  for (const f of frames) {
    first ??= f.seq;
    last = f.seq;
    let op: unknown[];
    try {
      op = JSON.parse(f.payload) as unknown[];
      if (!Array.isArray(op)) throw new Error('not an op');
    } catch {
      unreadable++;
      continue;
    }
    const p = op as [string, ...any[]]; // eslint-disable-line @typescript-eslint/no-explicit-any
    switch (p[0]) {
      case 'F':
      case 'D':
        flows.add(String(p[1]));
        break;
      case 'R': {
        const r = run(p[1]?.[0]);
        r.created = true;
        const n = Array.isArray(p[2]) ? p[2].length : 0;
        for (let i = 0; i < n; i++) touch(r, i);
        break;
      }
      case 'U': {
        const r = run(p[1]?.[0]);
        if (p[1]?.[1]) r.statuses.push(String(p[1][2]));
        break;
      }
      case 'S':
      case 's': {
        // 's': a step in journal format 2 (step-frame.ts), with the same columns where these are read.
        const s = p[1] as unknown[];
        const r = run(s?.[0]);
        touch(r, s?.[1]);
        r.steps.push({ record: Number(s?.[1]), seq: Number(s?.[2]), tokenId: Number(s?.[3]), nodeId: String(s?.[4]), nodeType: String(s?.[5]), status: String(s?.[7]) });
        if (Array.isArray(p[3])) nodeStateWrites += p[3].length;
        noteInFlight(r, p[2], p[0] === 's' ? p[6] : undefined, s?.[1]);
        break;
      }
      case 'C': {
        const r = run(p[1]?.[0]);
        touch(r, p[1]?.[1]);
        noteInFlight(r, p[1]);
        break;
      }
      case 'L':
        for (const row of (p[1] ?? []) as unknown[][]) run(row[0]).logLines++;
        break;
      case 'N':
        nodeStateWrites += Array.isArray(p[1]) ? p[1].length : 0;
        break;
      case 'X':
        nodeStateWrites++;
        break;
      case 'Z':
        // A run deletion (retention.ts): lost, the run comes back as it was.
        run(p[1]).statuses.push('deleted');
        break;
      case 'A':
        break; // an audit row alone (uploads cleaned up)
      default:
        unreadable++;
    }
  }
  for (const r of runs.values()) r.records.sort((a, b) => a - b);
  if (damaged > 0) {
    first = fromSeq!;
    last ??= fromSeq! + damaged - 1;
  }
  return { entries: frames.length + damaged, firstSeq: first, lastSeq: last, unreadable, flows: [...flows], runs: [...runs.values()], nodeStateWrites };
}

/**
 * `raw`: an 's' entry's checkpoint written last, as a value (step-frame.ts); `stepRecord`: its step's
 * record index. A checkpoint there may also be a `[before, after]` template around the step's data,
 * which the in-flight step does not depend on.
 */
function noteInFlight(r: RunLoss, update: unknown, raw?: unknown, stepRecord?: unknown): void {
  const u = update as unknown[] | undefined;
  if (!Array.isArray(u)) return;
  const c = u[3];
  const template = Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && typeof c[1] === 'string';
  if (typeof c !== 'string' && !template && !(c === 1 && raw)) return;
  try {
    type Cp = { inFlight?: { tokenId: number; nodeId: string } | null };
    const cp = (c === 1 ? raw : JSON.parse(template ? `${c[0]}null${c[1]}` : (c as string))) as Cp;
    // An 's' entry's record index is null when it is its step's.
    const record = Number(u[1] ?? stepRecord);
    if (cp?.inFlight) r.inFlight.push({ record, nodeId: cp.inFlight.nodeId, tokenId: cp.inFlight.tokenId });
  } catch {
    /* an unreadable checkpoint tells nothing more */
  }
}

/** One line: "12 entries (41–52): run run_a (records 0, 3; 5 steps; status completed), flow f1". */
export function lossLine(loss: LossSummary, maxRuns = 5): string {
  const range = loss.firstSeq !== null ? ` (entries ${loss.firstSeq}–${loss.lastSeq})` : '';
  const parts: string[] = [];
  for (const r of loss.runs.slice(0, maxRuns)) {
    const bits: string[] = [];
    if (r.created) bits.push('the whole run');
    else if (r.records.length) bits.push(`record${r.records.length === 1 ? '' : 's'} ${listNumbers(r.records)}`);
    if (r.steps.length) bits.push(`${r.steps.length} step${r.steps.length === 1 ? '' : 's'}`);
    if (r.statuses.length) bits.push(`status ${r.statuses.at(-1)}`);
    if (r.logLines && !bits.length) bits.push(`${r.logLines} log line${r.logLines === 1 ? '' : 's'}`);
    parts.push(`run ${r.runId}${bits.length ? ` (${bits.join('; ')})` : ''}`);
  }
  if (loss.runs.length > maxRuns) parts.push(`${loss.runs.length - maxRuns} more run${loss.runs.length - maxRuns === 1 ? '' : 's'}`);
  if (loss.flows.length) parts.push(`flow${loss.flows.length === 1 ? '' : 's'} ${loss.flows.join(', ')}`);
  if (loss.unreadable) parts.push(`${loss.unreadable} unreadable`);
  const n = loss.entries;
  return `${n} committed entr${n === 1 ? 'y' : 'ies'}${range}${parts.length ? ': ' + parts.join(', ') : ''}`;
}

export function listNumbers(ns: number[], max = 20): string {
  const shown = ns.slice(0, max).join(', ');
  return ns.length > max ? `${shown} and ${ns.length - max} more` : shown;
}

// ------------------------------------------------------------------ the damage error

export interface StoreDamage {
  /** The file with damage (absolute path). */
  file: string;
  offset: number;
  reason: string;
  /** What opening past the damage would lose (null when not known, e.g. a damaged snapshot). */
  loss: LossSummary | null;
  /** Said instead of the loss line when set. */
  lost?: string;
  /** The file is not there at all: the journal that continued the snapshot (`missingJournal`). */
  missing?: boolean;
}

/**
 * The journal file continuing a snapshot (holding entry `snapshotSeq + 1` on) is gone: what was
 * written after the snapshot cannot be told, so it is named as lost from there on.
 */
export function missingJournal(dir: string, snapshotSeq: number): StoreDamage {
  const file = path.join(dir, journalFileName(snapshotSeq + 1));
  return {
    file,
    offset: 0,
    reason: `no journal file continues the snapshot ${SNAPSHOT_FILE} (entries up to ${snapshotSeq}): ${path.basename(file)}, or the journal file holding entry ${snapshotSeq + 1}, was deleted or moved`,
    loss: null,
    lost: `Opening it would serve the store as it was at the snapshot: whatever was written after entry ${snapshotSeq} would be lost.`,
    missing: true,
  };
}

/** Whether the last journal file of a directory continues its snapshot (see META_JOURNAL_KEPT). */
function continuesSnapshot(files: JournalFileScan[], snapshotSeq: number, lastSeq: number): boolean {
  const last = files.at(-1);
  return last !== undefined && ((last.frames.at(-1)?.seq ?? 0) > snapshotSeq || last.startSeq === lastSeq + 1);
}

/** The data folder a store directory belongs to (the store lives in DATA_DIR/store). */
export function dataDirOf(storeDir: string): string {
  return path.basename(storeDir) === 'store' ? path.dirname(storeDir) : storeDir;
}

export function storeDamagedError(storeDir: string, d: StoreDamage): ConveyorError {
  const lost = d.lost ?? (d.loss ? `Opening it would lose ${lossLine(d.loss)}.` : '');
  const dataDir = dataDirOf(storeDir);
  return new ConveyorError(
    'E_STORE_DAMAGED',
    `The store is damaged: ${d.file} at byte ${d.offset}: ${d.reason}. ${lost} It was not opened and nothing was changed.`.replace(/\s+/g, ' ').trim(),
    `See the state with "npx conveyor store verify --data-dir ${dataDir}". Then restore a backup ("npx conveyor store restore BACKUP_DIR --data-dir ${dataDir}"), or keep what is intact with "npx conveyor store repair --data-dir ${dataDir}" (damaged files are moved aside, never deleted).`,
    500,
    { file: d.file, offset: d.offset, reason: d.reason, loss: d.loss },
  );
}

// ------------------------------------------------------------------ the whole directory

export interface StoreInspection {
  dir: string;
  snapshot: { state: 'missing' } | { state: 'ok'; seq: number; bytes: number } | { state: 'legacy'; seq: number; bytes: number } | { state: 'damaged'; offset: number; reason: string; bytes: number };
  /** Files entirely covered by the snapshot (left by a crash before their removal): not scanned. */
  covered: string[];
  files: JournalFileScan[];
  /** The first problem that makes the store refuse to open, or null. */
  damage: StoreDamage | null;
  /** Last entry the store would hold once opened (or up to the damage). */
  lastSeq: number;
}

/** The snapshot's last entry: from the checked header, or read from a legacy SQLite file. */
async function legacySnapshotSeq(bytes: Uint8Array): Promise<number> {
  return Number((await snapshotMeta(bytes, META_LAST_SEQ)) ?? 0);
}

/** A value of a snapshot's `meta` table (null when it has none or cannot be read). */
async function snapshotMeta(bytes: Uint8Array, key: string): Promise<string | null> {
  const { loadSqlJs } = await import('./sqljs.ts');
  const SQL = await loadSqlJs();
  const db = new SQL.Database(bytes);
  try {
    const row = db.exec('SELECT value FROM meta WHERE key = ?', [key])[0]?.values[0];
    return row ? String(row[0]) : null;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/**
 * Everything about a store directory, changing nothing: the snapshot's checksum, every journal
 * file's frames, torn tail and damage, and what damage would lose.
 */
export async function inspectStore(dir: string, opts: { snapshot?: SnapshotCheck | null } = {}): Promise<StoreInspection> {
  const snap = opts.snapshot !== undefined ? opts.snapshot : await peekSnapshot(dir);
  const snapshotFile = path.join(dir, SNAPSHOT_FILE);
  let snapshot: StoreInspection['snapshot'];
  let snapshotSeq = 0;
  let damage: StoreDamage | null = null;
  if (!snap) snapshot = { state: 'missing' };
  else if (snap.state === 'ok') {
    snapshot = { state: 'ok', seq: snap.seq, bytes: snap.fileBytes };
    snapshotSeq = snap.seq;
  } else if (snap.state === 'legacy') {
    snapshotSeq = await legacySnapshotSeq(snap.bytes);
    snapshot = { state: 'legacy', seq: snapshotSeq, bytes: snap.fileBytes };
  } else {
    snapshot = { state: 'damaged', offset: snap.offset, reason: snap.reason, bytes: snap.fileBytes };
    snapshotSeq = snap.seq ?? 0;
    damage = { file: snapshotFile, offset: snap.offset, reason: snap.reason, loss: null, lost: 'Opening it would serve damaged data (runs, records or steps).' };
  }

  const all = await listJournalFiles(dir);
  const covered: string[] = [];
  const files: JournalFileScan[] = [];
  let lastSeq = snapshotSeq;
  for (let i = 0; i < all.length; i++) {
    const f = all[i];
    const next = all[i + 1];
    // Every entry of this file is in the snapshot: a crash came before its removal.
    if (next && next.startSeq - 1 <= snapshotSeq && snap) {
      covered.push(f.path);
      continue;
    }
    const scan = scanJournal(f, await fsp.readFile(f.path), !next);
    files.push(scan);
    if (damage) continue;
    const gap = sequenceGap(f, lastSeq, snap !== null, scan.frames.length > 0 || !next);
    if (gap) {
      damage = gap;
      continue;
    }
    // An entry whose checksum holds but that cannot be read ends the readable part there.
    const unreadable = scan.frames.findIndex((fr) => fr.seq > lastSeq && !readable(fr.payload));
    if (unreadable >= 0) {
      const fr = scan.frames[unreadable];
      scan.damage = { offset: fr.offset, reason: `entry ${fr.seq} passes its checksum but cannot be read`, after: [...scan.frames.slice(unreadable), ...(scan.damage?.after ?? [])] };
      scan.frames = scan.frames.slice(0, unreadable);
      scan.validLength = fr.offset;
      scan.torn = null;
    }
    if (scan.damage) {
      damage = { file: f.path, offset: scan.damage.offset, reason: scan.damage.reason, loss: lossAfter(files, f.path) };
      continue;
    }
    lastSeq = Math.max(lastSeq, scan.frames.at(-1)?.seq ?? lastSeq);
  }
  // Loss past journal damage counts the later files too (scanned after the damage was found).
  if (damage?.loss) damage.loss = lossAfter(files, damage.file);
  if (!damage && snap?.state === 'ok' && !continuesSnapshot(files, snapshotSeq, lastSeq) && (await snapshotMeta(snap.bytes, META_JOURNAL_KEPT)) === '1') {
    damage = missingJournal(dir, snapshotSeq);
  }
  return { dir, snapshot, covered, files, damage, lastSeq };
}

/**
 * Entries between what came before (up to `lastSeq`) and a journal file are nowhere: a lost file,
 * or a missing snapshot. `matters`: the file holds entries, or is the last one.
 */
export function sequenceGap(f: { path: string; startSeq: number }, lastSeq: number, hasSnapshot: boolean, matters: boolean): StoreDamage | null {
  if (f.startSeq <= lastSeq + 1 || !matters) return null;
  const missing = lastSeq + 1 === f.startSeq - 1 ? `entry ${lastSeq + 1} is missing` : `entries ${lastSeq + 1}–${f.startSeq - 1} are missing`;
  const reason =
    !hasSnapshot && lastSeq === 0
      ? `the journal starts at entry ${f.startSeq} but there is no snapshot (${SNAPSHOT_FILE}) holding the entries before it: ${missing} (was ${SNAPSHOT_FILE} deleted or moved?)`
      : `the journal continues at entry ${f.startSeq} but ${missing}`;
  return { file: f.path, offset: 0, reason, loss: null, lost: `Opening it would serve what follows without ${missing.replace(/ (is|are) missing$/, '')}.` };
}

function readable(payload: string): boolean {
  try {
    const op = JSON.parse(payload) as unknown;
    return Array.isArray(op) && typeof op[0] === 'string';
  } catch {
    return false;
  }
}

/** What the entries after the damage in `file` (and every later file) held. */
export function lossAfter(files: JournalFileScan[], file: string): LossSummary {
  const i = files.findIndex((f) => f.path === file);
  const frames: OffsetFrame[] = [];
  if (i < 0) return describeEntries(frames);
  frames.push(...(files[i].damage?.after ?? []));
  for (const later of files.slice(i + 1)) frames.push(...later.frames, ...(later.damage?.after ?? []));
  return describeEntries(frames, firstLost(files[i]));
}

// ------------------------------------------------------------------ opening

export interface ReplayPlan {
  lastSeq: number;
  /** Files still needed (their entries are not all in the snapshot), oldest first; the last one is appended to. */
  /** `entryBytes`: what the file's valid entries amount to unpacked (JournalFile.entryBytes). */
  kept: Array<{ path: string; startSeq: number; validLength: number; entryBytes: number; torn: boolean }>;
  /** Files whose entries are all in the snapshot: removed once the store is open. */
  covered: string[];
}

/**
 * Reads the journal files after a snapshot holding entries up to `snapshotSeq` and hands every entry
 * after it to `apply`, in order, a few thousand at a time. Changes nothing on disk: the caller
 * removes covered files and cuts a torn tail once everything was read. Any damage other than the
 * last file's torn tail throws E_STORE_DAMAGED (naming the file, the offset and what would be lost);
 * a torn tail is reported through `warn` with what was dropped.
 */
export async function replayJournal(
  dir: string,
  snapshot: { present: boolean; seq: number },
  apply: (entries: Array<{ seq: number; op: unknown }>) => void,
  warn: (message: string) => void,
): Promise<ReplayPlan> {
  const all = await listJournalFiles(dir);
  const plan: ReplayPlan = { lastSeq: snapshot.seq, kept: [], covered: [] };
  let pending: Array<{ seq: number; op: unknown }> = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length > 0) apply(pending);
    pending = [];
    pendingBytes = 0;
  };
  for (let i = 0; i < all.length; i++) {
    const f = all[i];
    const next = all[i + 1];
    if (next && next.startSeq - 1 <= snapshot.seq && snapshot.present) {
      plan.covered.push(f.path);
      continue;
    }
    const scan = scanJournal(f, await fsp.readFile(f.path), !next);
    const gap = sequenceGap(f, plan.lastSeq, snapshot.present, scan.frames.length > 0 || !next);
    if (gap) throw storeDamagedError(dir, gap);
    if (scan.damage) throw storeDamagedError(dir, { file: f.path, offset: scan.damage.offset, reason: scan.damage.reason, loss: await lossFrom(all.slice(i + 1), [...scan.damage.after], firstLost(scan)) });
    for (let k = 0; k < scan.frames.length; k++) {
      const frame = scan.frames[k];
      if (frame.seq <= plan.lastSeq) continue;
      let op: unknown;
      try {
        op = JSON.parse(frame.payload);
        if (!Array.isArray(op) || typeof op[0] !== 'string') throw new Error('not an entry');
      } catch {
        throw storeDamagedError(dir, {
          file: f.path,
          offset: frame.offset,
          reason: `entry ${frame.seq} passes its checksum but cannot be read`,
          loss: await lossFrom(all.slice(i + 1), scan.frames.slice(k)),
        });
      }
      pending.push({ seq: frame.seq, op });
      pendingBytes += frame.payload.length;
      plan.lastSeq = frame.seq;
      if (pending.length >= 4096 || pendingBytes >= 16 << 20) flush();
    }
    flush();
    if (scan.torn) {
      warn(`Dropped the torn end of the journal ${f.path}: ${scan.torn.bytes} byte${scan.torn.bytes === 1 ? '' : 's'} at offset ${scan.torn.offset} (${tornWhat(scan)}), a write cut short by a crash and never acknowledged. Every entry before it (up to entry ${plan.lastSeq}) is kept.`);
    }
    const fileLastSeq = scan.frames.at(-1)?.seq ?? 0;
    if (fileLastSeq > snapshot.seq || (!next && f.startSeq === plan.lastSeq + 1)) {
      const entryBytes = scan.frames.reduce((n, e) => n + FRAME_HEADER_BYTES + e.payload.length, 0);
      plan.kept.push({ path: f.path, startSeq: f.startSeq, validLength: scan.validLength, entryBytes, torn: scan.torn !== null });
    } else {
      plan.covered.push(f.path);
    }
  }
  return plan;
}

/** "an incomplete entry 58" / "1 incomplete entry" for a torn tail. */
function tornWhat(scan: JournalFileScan): string {
  return `entries from ${firstLost(scan)} on, incomplete`;
}

/** The entry where a scan's valid part ends: the first one damage makes lost. */
export function firstLost(scan: JournalFileScan): number {
  return (scan.frames.at(-1)?.seq ?? scan.startSeq - 1) + 1;
}

/** What `frames` and every frame of `later` files held (`fromSeq`: the first entry lost, see describeEntries). */
async function lossFrom(later: Array<{ path: string; startSeq: number }>, frames: OffsetFrame[], fromSeq?: number): Promise<LossSummary> {
  const all = [...frames];
  for (let j = 0; j < later.length; j++) {
    const s = scanJournal(later[j], await fsp.readFile(later[j].path), j === later.length - 1);
    all.push(...s.frames, ...(s.damage?.after ?? []));
  }
  return describeEntries(all, fromSeq);
}
