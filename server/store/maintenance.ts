/**
 * Looking after a data folder's store: verify (changes nothing), repair (keeps what is intact,
 * moves damaged files aside, tells exactly what was lost, marks records whose unsafe steps may have
 * run as in doubt), backup (a consistent copy while the studio runs) and restore.
 * `conveyor store …` (server/cli/store-command.ts) prints what these return. See docs/operations.md.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { lockDataDir } from '../data-dir-lock.ts';
import { createRegistry } from '../../nodes/index.ts';
import { describeEntries, firstLost, inspectStore, listNumbers, lossLine, type LossSummary, type OffsetFrame, type StoreInspection } from './integrity.ts';
import { fsyncDir, journalFileName, listJournalFiles } from './journal.ts';
import { repairHooks, setAsideKeepingStart } from './repair-journal-file.ts';
import { clearPendingRepair, readPendingRepair, refuseCutRepair, savePendingRepair } from './repair-pending.ts';
import { peekSnapshot, salvageSnapshot, SNAPSHOT_FILE, SNAPSHOT_TMP_FILE } from './snapshot.ts';
import { openSqlJsStore } from './sqljs-store.ts';
import { loadSqlJs } from './sqljs.ts';
import type { RecordCheckpoint, RunStatus } from './types.ts';
import { tightenDataDir } from '../private-files.ts';
import { archiveFolders, checkArchives, copyArchives, copySpills, describeArchives, type ArchiveCheck } from './archive/check.ts';
import { ARCHIVES_DIR } from './archive/layout.ts';
import { spillDirName } from './archive/spill.ts';
import { lostStepsAudit } from './retention.ts';
import { checkDataFiles, dataFilesLossLine, dataFileDir, dataFileWord, describeDataFiles, isBad, lostFilesAudit, lostFilesLines, repairDataFiles, type DataFileCheck, type LostFile } from './data-files.ts';
import { checkSpills, describeSpills, lostStepsLines, repairSpills, spillLoss, spillLossLine, spillRefs, spillsHealthy, type LostSteps, type SpillCheck, type SpillRef } from './archive/spill-check.ts';
import { storeDirOf } from './store-dir.ts';

export const BACKUP_MANIFEST = 'conveyor-backup.json';
const LOCK_FILE = 'conveyor.lock';

export { storeDirOf };

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ------------------------------------------------------------------ verify

export interface VerifyResult {
  storeDir: string;
  /** No store in the folder yet (nothing stored). */
  empty: boolean;
  healthy: boolean;
  inspection: StoreInspection | null;
  /** Runs' step segments, every byte checked. */
  spills: SpillCheck[];
  /** Evidence files and uploads, every byte checked against the SHA-256 recorded with them. */
  files: DataFileCheck[];
  lines: string[];
}

/** Reports the state of a data folder's store; changes nothing (safe while the studio runs). */
export async function verifyStore(dataDir: string): Promise<VerifyResult> {
  const storeDir = storeDirOf(dataDir);
  const files = await checkDataFiles(path.resolve(dataDir));
  const filesOk = !files.some(isBad);
  if (!fs.existsSync(storeDir)) {
    // A data folder of the PostgreSQL store (or a new one) still holds its evidence and uploads.
    const lines = [`No store in ${storeDir}: the runs are stored elsewhere (PostgreSQL) or nothing is stored yet.`, ...describeDataFiles(files)];
    if (!filesOk) lines.push(dataFilesVerdict(files));
    return { storeDir, empty: true, healthy: filesOk, inspection: null, spills: [], files, lines };
  }
  let { ins, spills } = await spillState(storeDir);
  // A run archived or deleted while this ran (the studio may run) takes a folder the journal just
  // named: damage that is real is still there when looked at again.
  if (!spillsHealthy(spills)) ({ ins, spills } = await spillState(storeDir));
  const archives = checkArchives(storeDir);
  const damaged = archives.filter((a) => a.damage);
  const lines = [...inspectionLines(ins), ...describeArchives(archives), ...describeSpills(spills), ...describeDataFiles(files)];
  if (!filesOk) lines.push(dataFilesVerdict(files));
  const cutRepair = await refuseCutRepair(storeDir).then(() => null, (err: Error) => err.message);
  if (cutRepair) lines.push(`Damaged: ${cutRepair.replace(/^The store is damaged: /, '')}`);
  if (ins.damage) lines.push(...damageLines(ins));
  else if (cutRepair) {
    // said above
  } else if (damaged.length > 0 || !spillsHealthy(spills)) {
    const what = [...damaged.map((a) => `the archive of run ${a.runId ?? a.name}`), spillLossLine(spills)].filter((w) => w);
    lines.push(
      `Damaged: ${what.join(', ')}. The studio answers E_STORE_DAMAGED for what they hold. Restore a backup (conveyor store restore DIR) or keep what is intact with conveyor store repair (a damaged archive's run goes, damaged steps go; reported).`,
    );
  } else if (filesOk) lines.push(`Healthy: entries up to ${ins.lastSeq}.`);
  return { storeDir, empty: false, healthy: ins.damage === null && !cutRepair && damaged.length === 0 && spillsHealthy(spills) && filesOk, inspection: ins, spills, files, lines };
}

/** The verdict on damaged or missing evidence and uploads: served or read, they are refused. */
function dataFilesVerdict(files: DataFileCheck[]): string {
  return `Damaged: ${dataFilesLossLine(files)}. The studio refuses to serve or read them (E_EVIDENCE_DAMAGED, E_UPLOAD_DAMAGED, E_KEPT_FILE_DAMAGED); everything else is served. Restore a backup (conveyor store restore DIR) or move them aside with conveyor store repair (reported, never deleted).`;
}

/** The snapshot and each journal file. */
function inspectionLines(ins: StoreInspection): string[] {
  const lines = [`Store in ${ins.dir}`];
  const s = ins.snapshot;
  if (s.state === 'missing') lines.push(`  snapshot ${SNAPSHOT_FILE}: none`);
  else if (s.state === 'ok') lines.push(`  snapshot ${SNAPSHOT_FILE}: ok (${s.bytes} bytes, entries up to ${s.seq}, checksum verified)`);
  else if (s.state === 'legacy') lines.push(`  snapshot ${SNAPSHOT_FILE}: ok, older format without checksums (entries up to ${s.seq}); written again with checksums at the next snapshot`);
  else lines.push(`  snapshot ${SNAPSHOT_FILE}: DAMAGED at byte ${s.offset}: ${s.reason}`);
  for (const c of ins.covered) lines.push(`  journal ${path.basename(c)}: every entry is in the snapshot (removed at the next start)`);
  for (const f of ins.files) {
    const name = path.basename(f.path);
    const range = f.frames.length ? `entries ${f.frames[0].seq}–${f.frames.at(-1)!.seq}` : 'no entries';
    let line = `  journal ${name}: ${range} (${f.size} bytes)`;
    if (f.torn) line += `; torn tail of ${plural(f.torn.bytes, 'byte')} at byte ${f.torn.offset} (a write cut by a crash, never acknowledged: dropped at the next start)`;
    if (f.damage) line += `; DAMAGED at byte ${f.damage.offset}: ${f.damage.reason}`;
    lines.push(line);
  }
  return lines;
}

/** The verdict on snapshot or journal damage: the store refuses to open. */
function damageLines(ins: StoreInspection): string[] {
  const d = ins.damage!;
  const lines = [`Damaged: ${path.basename(d.file)} at byte ${d.offset}: ${d.reason}.`];
  if (d.lost) lines.push(`  ${d.lost}`);
  if (d.loss) lines.push(`  After it: ${lossLine(d.loss, 20)}.`);
  lines.push('The studio refuses to start on this folder (E_STORE_DAMAGED). Restore a backup (conveyor store restore DIR) or keep what is intact with conveyor store repair.');
  return lines;
}

// ------------------------------------------------------------------ repair

export interface InDoubtMark {
  runId: string;
  index: number;
  nodeId: string;
  /** in-flight: the step's in-flight mark is set again (its post-check, else review, decides on resume); review: sent to review with E_IN_DOUBT. */
  how: 'in-flight' | 'review';
}

export interface RepairResult {
  storeDir: string;
  changed: boolean;
  /** Where the damaged files went (null when nothing was changed). */
  asideDir: string | null;
  moved: string[];
  /** What the entries past the damage held. */
  loss: LossSummary | null;
  /** Runs that only the damaged snapshot held (best effort: read from it when it can be read). */
  snapshotRuns: string[] | null;
  inDoubt: InDoubtMark[];
  /** Runs whose archive was damaged: deleted from the store (their archive moved aside). */
  lostRuns: Array<{ runId: string; records: number; steps: number; reason: string }>;
  /** Records whose steps were in damaged step segments (the records stay, without those steps). */
  lostSteps: LostSteps[];
  /** Evidence files and uploads that were damaged or missing (moved aside, their record marked lost). */
  lostFiles: LostFile[];
  lines: string[];
}

async function missingArchiveCount(storeDir: string): Promise<number> {
  const store = await openSqlJsStore(storeDir, { onWarning: () => undefined, archiveAfterMs: null, missingArchives: 'allow', repairing: true });
  try {
    return store.missingArchives().length;
  } finally {
    await store.kill();
  }
}

/**
 * Opens the store accepting the archives just moved aside as missing, and deletes the runs that named
 * them (one journaled op each, with an audit row): the store then opens without them.
 */
async function dropLostArchivedRuns(storeDir: string, damaged: ArchiveCheck[], aside: string, now: Date): Promise<RepairResult['lostRuns']> {
  const lost: RepairResult['lostRuns'] = [];
  const store = await openSqlJsStore(storeDir, { onWarning: () => undefined, archiveAfterMs: null, missingArchives: 'allow', repairing: true });
  try {
    for (const m of store.missingArchives()) {
      const a = damaged.find((d) => d.name === m.ref.dir);
      const reason = a?.damage ? `${path.basename(a.damage.file)} at byte ${a.damage.offset}: ${a.damage.reason}` : 'its folder is missing';
      await store.deleteRun(m.runId, {
        force: true,
        audit: { at: now.toISOString(), actor: 'cli', action: 'run.delete', runId: m.runId, records: m.ref.records, bytes: m.ref.bytes, detail: { repair: reason, movedTo: path.join(aside, ARCHIVES_DIR, m.ref.dir) } },
      });
      lost.push({ runId: m.runId, records: m.ref.records, steps: m.ref.steps, reason });
    }
  } finally {
    await store.close();
  }
  return lost;
}

/** Writes the audit rows of the steps repair could not keep (one per run, 'steps.lost'; retention.ts). */
async function auditLostSteps(storeDir: string, lost: LostSteps[], refs: SpillRef[], aside: string, now: Date): Promise<void> {
  if (lost.length === 0) return;
  const frameBytes = new Map(refs.map((r) => [`${r.runId}\0${r.record}`, r.length]));
  const store = await openSqlJsStore(storeDir, { onWarning: () => undefined, archiveAfterMs: null, repairing: true });
  try {
    const runs = new Map<string, { flowId: string; flowName: string }>();
    for (const runId of new Set(lost.map((l) => l.runId))) {
      const run = await store.getRun(runId);
      if (run) runs.set(runId, { flowId: run.flowId, flowName: run.flowName });
    }
    const rows = lost.map((l) => ({ ...l, bytes: frameBytes.get(`${l.runId}\0${l.record}`) ?? 0 }));
    const where = { segments: (runId: string) => path.join(aside, ARCHIVES_DIR, spillDirName(runId)), report: path.join(aside, 'repair-report.txt') };
    for (const audit of lostStepsAudit(rows, runs, now.toISOString(), where)) await store.appendAudit(audit);
  } finally {
    await store.close();
  }
}

/**
 * Keeps what is intact (the snapshot and the journal up to the first damage), moves damaged files
 * into `store/damaged-<time>/` (never deletes), and marks records whose lost entries held an
 * in-flight mark or a step of an unsafe node as in doubt. Refused while the studio runs on the folder.
 */
export async function repairStore(dataDir: string, opts: { now?: Date } = {}): Promise<RepairResult> {
  const storeDir = storeDirOf(dataDir);
  const unlock = lockDataDir(path.resolve(dataDir));
  try {
    const result: RepairResult = { storeDir, changed: false, asideDir: null, moved: [], loss: null, snapshotRuns: null, inDoubt: [], lostRuns: [], lostSteps: [], lostFiles: [], lines: [] };
    const files = await checkDataFiles(path.resolve(dataDir));
    const filesBad = files.some(isBad);
    if (!fs.existsSync(storeDir)) {
      if (filesBad) return await repairFilesOnly(result, files, path.resolve(dataDir), opts.now ?? new Date(), null);
      result.lines.push(`No store in ${storeDir}: nothing to repair.`);
      return result;
    }
    let ins = await inspectStore(storeDir);
    const damagedArchives = checkArchives(storeDir).filter((a) => a.damage);
    const spillsOk = spillsHealthy((await spillState(storeDir)).spills);
    // An archive folder that is gone altogether (deleted, moved) shows only once the store is read.
    const missing = !ins.damage && damagedArchives.length === 0 ? await missingArchiveCount(storeDir) : 0;
    // A repair cut short by a crash: its dropped entries are taken up again (in-doubt marks, the report).
    const pending = await readPendingRepair(storeDir);
    if (!ins.damage && damagedArchives.length === 0 && missing === 0 && spillsOk && !pending) {
      if (filesBad) return await repairFilesOnly(result, files, storeDir, opts.now ?? new Date(), ins.lastSeq);
      result.lines.push(`The store in ${storeDir} is healthy (entries up to ${ins.lastSeq}): nothing to repair.`);
      return result;
    }
    const journalDamaged = ins.damage !== null;
    const now = opts.now ?? new Date();
    const aside = path.join(storeDir, `damaged-${stamp(now)}`);
    await fsp.mkdir(aside, { recursive: true });
    result.asideDir = aside;
    result.changed = true;
    const lostFrames: OffsetFrame[] = [...(pending?.frames ?? [])];
    /** The first entry the journal's damage made lost (the damaged frame's entries count from it). */
    let firstLostSeq: number | undefined = pending?.firstLostSeq ?? undefined;
    const notes: string[] = [];
    const moveAside = async (file: string) => {
      await fsp.rename(file, path.join(aside, path.basename(file)));
      result.moved.push(path.basename(file));
    };

    for (let round = 0; ins.damage && round < 100; round++) {
      const d = ins.damage;
      if (d.file === path.join(storeDir, SNAPSHOT_FILE)) {
        // Nothing it holds can be trusted; name the runs it held when it can still be read.
        result.snapshotRuns = await runsInDamagedSnapshot(d.file);
        await moveAside(d.file);
        await fsp.rm(path.join(storeDir, SNAPSHOT_TMP_FILE), { force: true });
        notes.push(`The snapshot ${SNAPSHOT_FILE} was damaged (${d.reason}): everything it held is lost${result.snapshotRuns?.length ? ` (runs ${result.snapshotRuns.join(', ')})` : ''}.`);
      } else if (d.missing) {
        // Nothing to move aside: the store goes on from its snapshot, in a new empty journal.
        await fsp.writeFile(d.file, '', { flag: 'wx' });
        notes.push(`${d.reason[0].toUpperCase()}${d.reason.slice(1)}. What was written after the snapshot is lost; the store goes on from it.`);
      } else {
        const files = await listJournalFiles(storeDir);
        const at = files.findIndex((f) => f.path === d.file);
        const scan = ins.files.find((f) => f.path === d.file);
        // Entries that were never there (a gap) cannot be told; the ones from here on are set aside.
        if (d.offset === 0 && d.lost) notes.push(`${path.basename(d.file)}: ${d.reason}.`);
        else {
          const end = scan?.damage?.after[0]?.offset ?? scan?.size ?? d.offset;
          const entry = scan ? firstLost(scan) : 1;
          if (scan?.damage) firstLostSeq ??= entry;
          notes.push(`${path.basename(d.file)} is damaged at byte ${d.offset}: ${d.reason}. Bytes ${d.offset}–${Math.max(d.offset, end - 1)} (from entry ${entry} on) cannot be read and are lost.`);
        }
        if (scan) lostFrames.push(...(scan.damage?.after ?? (d.offset === 0 ? scan.frames : [])));
        for (const later of ins.files.filter((f) => f.startSeq > (scan?.startSeq ?? Infinity))) lostFrames.push(...later.frames, ...(later.damage?.after ?? []));
        await savePendingRepair(storeDir, { aside, frames: lostFrames, firstLostSeq: firstLostSeq ?? null, lostSteps: pending?.lostSteps ?? [] });
        // The whole original goes to the aside folder; the intact part stays in place.
        await setAsideKeepingStart(d.file, await fsp.readFile(d.file), aside, d.offset);
        result.moved.push(path.basename(d.file));
        for (const later of files.slice(at + 1)) await moveAside(later.path);
      }
      await fsyncDir(storeDir);
      ins = await inspectStore(storeDir);
    }
    if (ins.damage) throw new ConveyorError('E_STORE_DAMAGED', `The store in ${storeDir} could not be repaired: ${ins.damage.reason}.`, `Files moved so far are in ${aside}. Restore a backup with "npx conveyor store restore DIR".`, 500);
    // The store keeps no journal that starts past its snapshot without one: start one where it ends.
    if ((await listJournalFiles(storeDir)).length === 0 && ins.snapshot.state !== 'missing') {
      await fsp.writeFile(path.join(storeDir, journalFileName(ins.lastSeq + 1)), '');
    }

    // Damaged run archives: moved aside whole; their runs are deleted (with an audit row), reported.
    for (const a of damagedArchives) {
      await fsp.mkdir(path.join(aside, ARCHIVES_DIR), { recursive: true });
      await fsp.rename(path.join(storeDir, ARCHIVES_DIR, a.name), path.join(aside, ARCHIVES_DIR, a.name));
      result.moved.push(`${ARCHIVES_DIR}/${a.name}`);
    }
    if (damagedArchives.length > 0 || missing > 0) {
      if (damagedArchives.length > 0) await fsyncDir(path.join(storeDir, ARCHIVES_DIR));
      result.lostRuns = await dropLostArchivedRuns(storeDir, damagedArchives, aside, now);
      for (const r of result.lostRuns) {
        notes.push(`The archive of run ${r.runId} was damaged (${r.reason}): the run is lost, ${plural(r.records, 'record')} and ${plural(r.steps, 'step')} (its archive is in ${path.join(aside, ARCHIVES_DIR)}).`);
      }
    }

    // Damaged step segments, checked against the store as it is now (the journal repaired, lost runs gone).
    const spills = await spillState(storeDir);
    // Steps a repair cut short already dropped (its segments read healthy now) are reported and audited still.
    const lostSteps = [...(pending?.lostSteps ?? [])];
    if (!spillsHealthy(spills.spills) && spills.refs) {
      lostSteps.push(...spillLoss(spills.spills));
      await savePendingRepair(storeDir, { aside, frames: lostFrames, firstLostSeq: firstLostSeq ?? null, lostSteps });
      result.moved.push(...(await repairSpills(spills.spills, spills.refs, aside)).moved);
      await repairHooks.afterSegments?.();
    }
    if (lostSteps.length > 0) {
      result.lostSteps = lostSteps;
      notes.push(...lostStepsLines(lostSteps));
      await auditLostSteps(storeDir, lostSteps, spills.refs ?? [], aside, now);
      notes.push("Written to the audit trail: one 'steps.lost' entry per run (the Storage page, GET /api/audit).");
    }

    notes.push(...(await setFilesAside(result, files, aside, now)));

    // A repair taken up again meets the entries its first attempt saved once more: each counts once.
    const unique = [...new Map(lostFrames.map((f) => [f.seq, f])).values()].sort((a, b) => a.seq - b.seq);
    result.loss = describeEntries(unique, firstLostSeq);
    result.inDoubt = await markInDoubt(storeDir, result.loss, now);
    result.lines = repairLines(result, notes, ins.lastSeq, journalDamaged || pending !== null);
    await fsp.writeFile(path.join(aside, 'repair-report.txt'), result.lines.join('\n') + '\n');
    await clearPendingRepair(storeDir);
    return result;
  } finally {
    unlock();
  }
}

/**
 * Damaged or missing evidence and uploads into `aside` (never deleted); their records say they are
 * gone, and the store's audit trail too ('files.lost', when the data folder has an embedded store).
 */
async function setFilesAside(result: RepairResult, files: DataFileCheck[], aside: string, now: Date): Promise<string[]> {
  result.lostFiles = await repairDataFiles(files, aside, now);
  const lines = lostFilesLines(result.lostFiles);
  for (const l of result.lostFiles) result.moved.push(path.relative(aside, l.movedTo ?? path.join(aside, dataFileDir(l.kind), l.ref)) + (l.movedTo ? '' : ' (missing: marked lost)'));
  if (result.lostFiles.length === 0 || !fs.existsSync(result.storeDir)) return lines;
  const store = await openSqlJsStore(result.storeDir, { onWarning: () => undefined, archiveAfterMs: null, repairing: true });
  try {
    const runs = new Map<string, { flowId: string; flowName: string }>();
    for (const runId of new Set(result.lostFiles.filter((l) => l.kind === 'evidence').map((l) => l.ref.split('/')[0]))) {
      const run = await store.getRun(runId);
      if (run) runs.set(runId, { flowId: run.flowId, flowName: run.flowName });
    }
    for (const audit of lostFilesAudit(result.lostFiles, runs, now.toISOString())) await store.appendAudit(audit);
  } finally {
    await store.close();
  }
  return [...lines, "Written to the audit trail: one 'files.lost' entry per run whose evidence was lost, one for uploads (the Storage page, GET /api/audit)."];
}

/**
 * Only evidence or uploads are damaged: they go aside into `<under>/damaged-<time>/` (the store's
 * folder, or the data folder when the runs are in PostgreSQL); the store is not touched.
 */
async function repairFilesOnly(result: RepairResult, files: DataFileCheck[], under: string, now: Date, lastSeq: number | null): Promise<RepairResult> {
  const aside = path.join(under, `damaged-${stamp(now)}`);
  await fsp.mkdir(aside, { recursive: true });
  result.asideDir = aside;
  result.changed = true;
  const notes = await setFilesAside(result, files, aside, now);
  result.lines = [
    `Repaired the evidence and uploads of ${path.dirname(result.storeDir)}${lastSeq === null ? '' : ` (the store is healthy, entries up to ${lastSeq}: kept as it is, but for its audit trail)`}.`,
    ...notes,
    `Moved aside (not deleted) into ${aside}: ${result.moved.join(', ')}.`,
  ];
  await fsp.writeFile(path.join(aside, 'repair-report.txt'), result.lines.join('\n') + '\n');
  return result;
}

/** The snapshot and journal, and the step segments checked against the frames records name (refs null: the journal or snapshot is damaged). */
async function spillState(storeDir: string): Promise<{ ins: StoreInspection; spills: SpillCheck[]; refs: SpillRef[] | null }> {
  const snapshot = await peekSnapshot(storeDir);
  const ins = await inspectStore(storeDir, { snapshot });
  const refs = await spillRefs(snapshot, ins);
  return { ins, spills: checkSpills(storeDir, refs), refs };
}

async function runsInDamagedSnapshot(file: string): Promise<string[] | null> {
  try {
    const bytes = await salvageSnapshot(await fsp.readFile(file));
    if (!bytes) return null;
    const SQL = await loadSqlJs();
    const db = new SQL.Database(bytes);
    try {
      return (db.exec('SELECT id FROM runs ORDER BY key')[0]?.values ?? []).map((r) => String(r[0]));
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

const TERMINAL_RECORD = new Set(['success', 'failed', 'needs_review', 'skipped']);
const RESUMABLE_RUN: RunStatus[] = ['running', 'paused', 'stopped', 'interrupted', 'safe_stopped', 'pausing', 'stopping'];

/**
 * A record whose lost entries held an in-flight mark or a step of an unsafe node may have changed
 * things outside Conveyor that the store no longer knows about: it must not run that step again
 * blindly. When its checkpoint's token still stands at that step and the run can be resumed, the
 * in-flight mark is set again (on resume the step's post-check decides, else it goes to review with
 * E_IN_DOUBT — the engine's own rule); otherwise the record goes to review with E_IN_DOUBT now.
 */
async function markInDoubt(storeDir: string, loss: LossSummary, now: Date): Promise<InDoubtMark[]> {
  const registry = createRegistry();
  const marks: InDoubtMark[] = [];
  const candidates: Array<{ runId: string; index: number; nodeId: string; tokenId: number }> = [];
  for (const run of loss.runs) {
    if (run.created) continue; // the run itself is gone: reported, nothing to mark
    const seen = new Set<number>();
    const unsafe = [
      ...run.steps.filter((s) => registry.get(s.nodeType)?.effect === 'unsafe').map((s) => ({ index: s.record, nodeId: s.nodeId, tokenId: s.tokenId })),
      ...run.inFlight.map((f) => ({ index: f.record, nodeId: f.nodeId, tokenId: f.tokenId })),
    ];
    for (const u of unsafe) {
      if (seen.has(u.index)) continue;
      seen.add(u.index);
      candidates.push({ runId: run.runId, ...u });
    }
  }
  if (candidates.length === 0) return marks;
  const store = await openSqlJsStore(storeDir, { onWarning: () => undefined, repairing: true });
  try {
    for (const c of candidates) {
      const [run, record] = await Promise.all([store.getRun(c.runId), store.getRecord(c.runId, c.index)]);
      if (!run || !record) continue;
      const cp = record.checkpoint as RecordCheckpoint | null;
      const token = cp?.tokens.find((t) => t.id === c.tokenId && t.nodeId === c.nodeId);
      const note = `Store repair (${now.toISOString()}): entries of this record were lost to damage; a step that changes things outside Conveyor ("${c.nodeId}") may have run.`;
      if (cp && token && !TERMINAL_RECORD.has(record.status) && RESUMABLE_RUN.includes(run.status)) {
        const checkpoint: RecordCheckpoint = { ...cp, inFlight: { tokenId: token.id, nodeId: token.nodeId, attempt: (token.attempts ?? 0) + 1, startedAt: now.toISOString() } };
        await store.updateRecord({
          runId: c.runId,
          index: c.index,
          status: 'running',
          checkpoint,
          event: { at: now.toISOString(), from: record.status, to: 'running', actor: 'operator', action: 'in_doubt', note, data: { nodeId: c.nodeId, repair: true } },
        });
        marks.push({ runId: c.runId, index: c.index, nodeId: c.nodeId, how: 'in-flight' });
      } else {
        await store.updateRecord({
          runId: c.runId,
          index: c.index,
          status: 'needs_review',
          checkpoint: cp,
          error: {
            code: 'E_IN_DOUBT',
            message: `${note} It was not run again.`,
            hint: 'Check outside Conveyor whether it happened, then resolve the record, or retry it if it did not.',
            transient: false,
            nodeId: c.nodeId,
          },
          endedAt: now.toISOString(),
          event: { at: now.toISOString(), from: record.status, to: 'needs_review', actor: 'operator', action: 'in_doubt', note, data: { nodeId: c.nodeId, repair: true } },
        });
        marks.push({ runId: c.runId, index: c.index, nodeId: c.nodeId, how: 'review' });
      }
    }
  } finally {
    await store.close();
  }
  return marks;
}

function repairLines(r: RepairResult, notes: string[], lastSeq: number, journalDamaged = true): string[] {
  const lines = [`Repaired the store in ${r.storeDir}.`, ...notes];
  lines.push(`Moved aside (not deleted) into ${r.asideDir}: ${r.moved.join(', ')}.`);
  lines.push(`Kept: the snapshot and every entry up to ${lastSeq}${r.lostRuns.length ? ', and every other run archive' : ''}${r.lostSteps.length ? ', and every other record\'s steps' : ''}${r.lostFiles.length ? ', and every other evidence file and upload' : ''}.`);
  const loss = r.loss!;
  if (!journalDamaged) {
    // Only archives were damaged: the journal lost nothing.
  } else if (loss.entries === 0) lines.push('No intact entry was found after the damage: only the damaged bytes are lost.');
  else lines.push(`Lost: ${lossLine(loss, 1000)}.`);
  for (const run of loss.runs) {
    if (run.created) {
      lines.push(`  run ${run.runId}: lost entirely (it was created after the damage), ${plural(run.records.length, 'record')}.`);
    } else if (run.records.length || run.statuses.length) {
      lines.push(`  run ${run.runId}: ${run.records.length ? `records ${listNumbers(run.records, 1000)}` : 'no record'}${run.statuses.length ? `; its status ${run.statuses.at(-1)}` : ''}${run.logLines ? `; ${plural(run.logLines, 'log line')}` : ''}`);
    } else if (run.logLines) {
      lines.push(`  run ${run.runId}: ${plural(run.logLines, 'log line')}`);
    }
    for (const s of run.steps) lines.push(`    record ${s.record}, step ${s.seq}: ${s.nodeId} (${s.nodeType}), ${s.status}`);
  }
  if (loss.flows.length) lines.push(`  flows saved or deleted: ${loss.flows.join(', ')}`);
  if (loss.nodeStateWrites) lines.push(`  node state: ${plural(loss.nodeStateWrites, 'write')}`);
  if (r.snapshotRuns) lines.push(`  runs the damaged snapshot held: ${r.snapshotRuns.length ? r.snapshotRuns.join(', ') : 'none readable'}`);
  if (r.inDoubt.length) {
    lines.push('In doubt (a step that changes things outside Conveyor may have run; not run again blindly):');
    for (const m of r.inDoubt) {
      lines.push(
        `  run ${m.runId}, record ${m.index}, step ${m.nodeId}: ${m.how === 'in-flight' ? 'marked in flight (on resume its post-check decides, else it goes to review with E_IN_DOUBT)' : 'sent to review with E_IN_DOUBT'}`,
      );
    }
  }
  const lostRunsWithUnsafe = loss.runs.filter((run) => run.created && run.steps.length);
  for (const run of lostRunsWithUnsafe) lines.push(`  run ${run.runId} is gone: check outside Conveyor what its ${plural(run.steps.length, 'step')} did.`);
  return lines;
}

// ------------------------------------------------------------------ backup and restore

export interface BackupResult {
  target: string;
  lastSeq: number;
  files: string[];
  attempts: number;
  lines: string[];
}

/**
 * A consistent copy of the data folder into `target`, safe while the studio runs: the snapshot is
 * read through one open file (a rotation renames a new one in, never rewrites it), then each journal
 * file up to its length at that moment — exactly what a crash at that moment would leave, which the
 * store opens consistently. If a rotation removed a file meanwhile it starts again. The copy is
 * verified; the other files of the folder (vault, evidence, uploads) are copied as they are.
 */
export async function backupStore(
  dataDir: string,
  target: string,
  opts: {
    now?: Date;
    maxAttempts?: number;
    /** Tests: runs between reading the snapshot and the journal files. */
    afterSnapshotRead?: (attempt: number) => Promise<void>;
    /** Tests: runs between reading the journal files and copying the step segments. */
    afterJournalRead?: (attempt: number) => Promise<void>;
  } = {},
): Promise<BackupResult> {
  const source = storeDirOf(dataDir);
  const dest = path.resolve(target);
  if (!fs.existsSync(source)) throw new ConveyorError('E_BACKUP_FAILED', `There is no store in ${source} to back up.`, 'Check --data-dir (or DATA_DIR).', 2);
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) {
    throw new ConveyorError('E_BACKUP_TARGET', `The backup folder ${dest} is not empty.`, 'Name a new or empty folder: each backup goes into its own folder, e.g. backups/conveyor-2024-05-01.', 2);
  }
  if (dest === path.resolve(dataDir) || dest.startsWith(path.resolve(dataDir) + path.sep)) {
    throw new ConveyorError('E_BACKUP_TARGET', `The backup folder ${dest} is inside the data folder.`, 'Keep backups outside the data folder, ideally on another disk.', 2);
  }
  // A repair cut short: a copy would lack what it must still do (in-doubt marks), and open as healthy.
  await refuseCutRepair(source);
  const storeCopy = storeDirOf(dest);
  const maxAttempts = opts.maxAttempts ?? 20;
  let lastProblem = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await fsp.rm(storeCopy, { recursive: true, force: true });
    await fsp.mkdir(storeCopy, { recursive: true });
    const files: string[] = [];
    // Run archives first (a snapshot or journal copied after names only archives already there or
    // written later: those are copied after), then the snapshot and journal as a crash would leave them.
    const archives = await copyArchives(source, storeCopy);
    try {
      const snapshot = await readWhole(path.join(source, SNAPSHOT_FILE));
      await opts.afterSnapshotRead?.(attempt);
      const journals = await listJournalFiles(source);
      for (const j of journals) {
        const bytes = await readWhole(j.path);
        if (!bytes) throw Object.assign(new Error(`${path.basename(j.path)} was removed while it was copied`), { retry: true });
        await fsp.writeFile(path.join(storeCopy, path.basename(j.path)), bytes);
        files.push(path.basename(j.path));
      }
      if (snapshot) {
        await fsp.writeFile(path.join(storeCopy, SNAPSHOT_FILE), snapshot);
        files.push(SNAPSHOT_FILE);
      }
    } catch (err) {
      if ((err as { retry?: boolean }).retry) {
        lastProblem = (err as Error).message;
        continue;
      }
      throw err;
    }
    const ins = await inspectStore(storeCopy);
    if (ins.damage) {
      // The source itself is damaged: no retry will help.
      const src = await inspectStore(source);
      if (src.damage) {
        throw new ConveyorError('E_STORE_DAMAGED', `The store in ${source} is damaged (${path.basename(src.damage.file)} at byte ${src.damage.offset}: ${src.damage.reason}); no backup was taken.`, 'See "npx conveyor store verify"; restore an earlier backup or repair the store.', 500);
      }
      lastProblem = ins.damage.reason; // a rotation between the snapshot and the journal: try again
      continue;
    }
    // A write under way when its file was read is a torn tail in the copy: cut it, as an open would.
    for (const f of ins.files) if (f.torn) await fsp.truncate(path.join(storeCopy, path.basename(f.path)), f.validLength);
    await opts.afterJournalRead?.(attempt);
    archives.push(...(await copyArchives(source, storeCopy, archiveFolders(source).filter((n) => !archives.includes(n)))));
    await copySpills(source, storeCopy);
    // Every step frame the copied journal names is in the copy, unless the run was archived or deleted
    // after the journal was read (its folder gone from the source): then the copy is taken again.
    if (!spillsHealthy((await spillState(storeCopy)).spills)) {
      const src = (await spillState(source)).spills;
      if (!spillsHealthy(src)) {
        throw new ConveyorError('E_STORE_DAMAGED', `The store in ${source} is damaged (${spillLossLine(src)}); no backup was taken.`, 'See "npx conveyor store verify"; restore an earlier backup or repair the store.', 500);
      }
      lastProblem = 'a run was archived or deleted while its step segments were copied';
      continue;
    }
    // The copy opens like the studio would (every archive it names is there, with its recorded manifest).
    try {
      await (await openSqlJsStore(storeCopy, { onWarning: () => undefined, archiveAfterMs: null })).kill();
    } catch (err) {
      if (!(err instanceof ConveyorError && err.code === 'E_STORE_DAMAGED')) throw err;
      lastProblem = err.message; // an archive deleted between the copies: try again
      continue;
    }
    files.push(...archiveFolders(storeCopy).map((n) => `${ARCHIVES_DIR}/${n}`));
    await copyRest(path.resolve(dataDir), dest);
    await checkCopiedFiles(path.resolve(dataDir), dest);
    const now = opts.now ?? new Date();
    const manifest = { format: 1, createdAt: now.toISOString(), source: path.resolve(dataDir), lastSeq: ins.lastSeq, files };
    await fsp.writeFile(path.join(dest, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    // A backup holds all the run data: private to this user, like the data folder (0700/0600).
    tightenDataDir(dest, () => undefined);
    return {
      target: dest,
      lastSeq: ins.lastSeq,
      files,
      attempts: attempt,
      lines: [`Backup of ${path.resolve(dataDir)} written to ${dest}: the store up to entry ${ins.lastSeq} (${files.join(', ')}), verified, and the folder's other files (evidence and uploads checked against their SHA-256).`],
    };
  }
  throw new ConveyorError('E_BACKUP_FAILED', `No consistent copy of ${source} could be taken in ${maxAttempts} attempts (${lastProblem}).`, 'The store rotated its files during every attempt: try again, or stop the studio for the backup.', 500);
}

/** A file's content read through one open handle, up to its length when opened; null if it is gone. */
async function readWhole(file: string): Promise<Buffer | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/**
 * Every byte of the evidence and uploads copied into a backup, against their recorded SHA-256: a
 * damaged source refuses the backup (nothing is left in `dest`) — a restore of it would be refused.
 */
async function checkCopiedFiles(dataDir: string, dest: string): Promise<void> {
  const copied = await checkDataFiles(dest);
  if (!copied.some(isBad)) return;
  for (const name of await fsp.readdir(dest)) await fsp.rm(path.join(dest, name), { recursive: true, force: true });
  const source = (await checkDataFiles(dataDir)).find(isBad);
  if (source) {
    const s = source.state as { reason: string };
    throw new ConveyorError('E_STORE_DAMAGED', `The ${dataFileWord(source.kind)} ${source.ref} in ${dataDir} is ${source.state.state}: ${s.reason}; no backup was taken.`, 'See "npx conveyor store verify"; move the damaged files aside with "npx conveyor store repair" (studio stopped) and take the backup again.', 500);
  }
  const bad = copied.find(isBad)!;
  throw new ConveyorError('E_BACKUP_FAILED', `The copy of ${bad.ref} did not match the file it was copied from (it changed while it was copied); no backup was taken.`, 'Take the backup again.', 500);
}

/** The data folder's other files (vault, evidence, uploads…), not the store, the lock or set-aside data. */
async function copyRest(dataDir: string, dest: string): Promise<void> {
  for (const name of await fsp.readdir(dataDir)) {
    if (name === 'store' || name === LOCK_FILE || name.startsWith('replaced-')) continue;
    await fsp.cp(path.join(dataDir, name), path.join(dest, name), { recursive: true, preserveTimestamps: true });
  }
}

export interface RestoreResult {
  dataDir: string;
  asideDir: string | null;
  lastSeq: number;
  lines: string[];
}

/**
 * Puts a backup back: verifies it first, refuses while the studio runs on the folder, moves the
 * current data into `DATA_DIR/replaced-<time>/` (never deletes), then copies the backup in.
 */
export async function restoreStore(dataDir: string, backupDir: string, opts: { now?: Date } = {}): Promise<RestoreResult> {
  const src = path.resolve(backupDir);
  const dir = path.resolve(dataDir);
  if (!fs.existsSync(storeDirOf(src))) {
    throw new ConveyorError('E_BACKUP_INVALID', `${src} is not a Conveyor backup (it has no store folder).`, 'Name a folder written by "npx conveyor store backup DIR".', 2);
  }
  const ins = await inspectStore(storeDirOf(src));
  if (ins.damage) {
    throw new ConveyorError(
      'E_BACKUP_INVALID',
      `The backup in ${src} is damaged: ${path.basename(ins.damage.file)} at byte ${ins.damage.offset}: ${ins.damage.reason}. Nothing was restored.`,
      'Restore another (earlier) backup.',
      2,
    );
  }
  const badFile = (await checkDataFiles(src)).find(isBad);
  if (badFile) {
    const s = badFile.state as { reason: string };
    throw new ConveyorError('E_BACKUP_INVALID', `The backup in ${src} is damaged: the ${dataFileWord(badFile.kind)} ${badFile.ref} is ${badFile.state.state}: ${s.reason}. Nothing was restored.`, `See it with "npx conveyor store verify --data-dir ${src}"; restore another (earlier) backup.`, 2);
  }
  // Every byte of its run archives and step segments too: a restore never brings damage back.
  const archiveDamage = checkArchives(storeDirOf(src)).find((a) => a.damage)?.damage;
  const spills = (await spillState(storeDirOf(src))).spills;
  if (archiveDamage || !spillsHealthy(spills)) {
    const what = archiveDamage ? `${archiveDamage.file} at byte ${archiveDamage.offset}: ${archiveDamage.reason}` : spillLossLine(spills);
    throw new ConveyorError('E_BACKUP_INVALID', `The backup in ${src} is damaged: ${what}. Nothing was restored.`, `See it with "npx conveyor store verify --data-dir ${src}"; restore another (earlier) backup.`, 2);
  }
  await fsp.mkdir(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    const now = opts.now ?? new Date();
    const current = (await fsp.readdir(dir)).filter((n) => n !== LOCK_FILE && !n.startsWith('replaced-'));
    let aside: string | null = null;
    if (current.length > 0) {
      aside = path.join(dir, `replaced-${stamp(now)}`);
      await fsp.mkdir(aside);
      for (const name of current) await fsp.rename(path.join(dir, name), path.join(aside, name));
    }
    for (const name of await fsp.readdir(src)) {
      if (name === BACKUP_MANIFEST) continue;
      await fsp.cp(path.join(src, name), path.join(dir, name), { recursive: true, preserveTimestamps: true });
    }
    await fsyncDir(storeDirOf(dir));
    await fsyncDir(dir);
    // It opens (the same checks as the studio's start); closing writes its snapshot.
    const store = await openSqlJsStore(storeDirOf(dir), { onWarning: () => undefined });
    const lastSeq = store.stats().lastSeq;
    await store.close();
    const lines = [`Restored ${src} into ${dir}: the store up to entry ${lastSeq}.`];
    lines.push(aside ? `The data that was there is in ${aside} (nothing was deleted).` : 'The folder was empty.');
    return { dataDir: dir, asideDir: aside, lastSeq, lines };
  } finally {
    unlock();
  }
}
