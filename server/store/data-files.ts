/**
 * The data folder's loose files and their checksums (file-sums.ts):
 * - evidence: DATA_DIR/evidence/<run>/<record>-<time>-<name>, its record `.<file>.sum` beside it;
 * - uploads: DATA_DIR/uploads/<id>, its record the upload's `<id>.json` (name, size, uploadedAt);
 * - kept files (chosen in node forms): DATA_DIR/kept-files/<sha256>, named by their checksum (kept-files.ts).
 * Checked when served or read (the evidence route, a run's upload) and by `conveyor store verify`;
 * `store repair` moves damaged ones aside and leaves the record saying so; backup and restore check
 * them. These files live on disk whichever store holds the runs (embedded or PostgreSQL).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { checkFile, isPartFile, readRecord, sumOf, writeFileAtomic, type FileState, type LostMark } from './file-sums.ts';
import type { AuditWrite } from './retention.ts';
import type { EvidenceStore } from './types.ts';
import { KEPT_FILE_ID, KEPT_FILES_DIR, keptFileMarkOf, sha256Of } from './kept-files.ts';
import { keptFileUses } from './kept-file-uses.ts';
import { storeDirOf } from './store-dir.ts';

export const EVIDENCE_DIR = 'evidence';
export const UPLOADS_DIR = 'uploads';
/** An upload's id: random lower-case letters and digits plus the file's extension. */
export const UPLOAD_ID = /^[a-z0-9]+\.(xlsx|ods|csv|tsv|txt)$/;
/** A run folder and an evidence file name as the evidence route accepts them. */
export const EVIDENCE_RUN = /^[A-Za-z0-9_-]+$/;
export const EVIDENCE_FILE = /^[A-Za-z0-9._-]+$/;

/** The checksum record of an evidence file: a dotfile beside it (never served: the route refuses dotfiles). */
export function evidenceRecordOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.sum`);
}

export function uploadRecordOf(file: string): string {
  return `${file}.json`;
}

/** The name an upload arrived with, from its record (`uploadRecordOf(file)`); its id when the record has none or cannot be read. */
export async function uploadName(file: string, id: string): Promise<string> {
  const meta = await readRecord(uploadRecordOf(file)).catch(() => null);
  const recorded = meta && 'value' in meta ? meta.value.name : undefined;
  return typeof recorded === 'string' && recorded ? recorded : id;
}

export type DataFileKind = 'evidence' | 'upload' | 'kept-file';

/** Where each kind lives in the data folder, and how messages name one and several. */
const KINDS: Record<DataFileKind, { dir: string; one: string; heading: string }> = {
  evidence: { dir: EVIDENCE_DIR, one: 'evidence file', heading: 'evidence' },
  upload: { dir: UPLOADS_DIR, one: 'uploaded file', heading: 'uploads' },
  'kept-file': { dir: KEPT_FILES_DIR, one: 'kept file', heading: 'kept files (chosen in node forms)' },
};

/** The folder of the data folder a kind lives in. */
export const dataFileDir = (kind: DataFileKind): string => KINDS[kind].dir;

/** "evidence file", "uploaded file", "kept file". */
export const dataFileWord = (kind: DataFileKind): string => KINDS[kind].one;

export interface DataFileCheck {
  kind: DataFileKind;
  /** `<run>/<file>` for evidence, the upload's id. */
  ref: string;
  file: string;
  record: string;
  state: FileState;
}

export const isBad = (c: DataFileCheck) => c.state.state === 'damaged' || c.state.state === 'missing';

/** Every evidence file and upload of the data folder, every byte read; changes nothing. */
export async function checkDataFiles(dataDir: string): Promise<DataFileCheck[]> {
  const checks: DataFileCheck[] = [];
  const evidenceRoot = path.join(dataDir, EVIDENCE_DIR);
  for (const run of (await names(evidenceRoot)).sort()) {
    if (!EVIDENCE_RUN.test(run) || !(await fsp.stat(path.join(evidenceRoot, run)).catch(() => null))?.isDirectory()) continue;
    checks.push(...(await checkRunEvidence(dataDir, run)));
  }
  const uploads = path.join(dataDir, UPLOADS_DIR);
  const inUploads = await names(uploads);
  const ids = new Set(inUploads.filter((n) => UPLOAD_ID.test(n)));
  for (const n of inUploads) if (n.endsWith('.json') && UPLOAD_ID.test(n.slice(0, -5))) ids.add(n.slice(0, -5));
  for (const id of [...ids].sort()) {
    const file = path.join(uploads, id);
    const state = await checkFile(file, uploadRecordOf(file));
    // The meta of an upload an older version wrote, without its file: nothing was recorded to miss.
    if (state.state === 'missing' && !state.sum) continue;
    checks.push({ kind: 'upload', ref: id, file, record: uploadRecordOf(file), state });
  }
  // Kept files carry no checksum record: their name is their SHA-256. Their record is only the mark
  // `store repair` leaves when one is gone (keptFileMarkOf).
  const kept = path.join(dataDir, KEPT_FILES_DIR);
  const onDisk = new Set<string>();
  for (const sha of (await names(kept)).filter((n) => KEPT_FILE_ID.test(n)).sort()) {
    const file = path.join(kept, sha);
    const bytes = await fsp.readFile(file).catch(() => null);
    if (!bytes) continue;
    onDisk.add(sha);
    const actual = sha256Of(bytes);
    const state: FileState = actual === sha ? { state: 'ok', sum: sumOf(bytes) } : { state: 'damaged', reason: `its bytes hash to ${actual.slice(0, 12)}…, not to the SHA-256 it is kept under`, sum: null };
    checks.push({ kind: 'kept-file', ref: sha, file, record: keptFileMarkOf(file), state });
  }
  // The ones a flow or a run names that the folder does not hold (the embedded store's only: the
  // PostgreSQL store keeps them in its database).
  const storeDir = storeDirOf(dataDir);
  const uses = (await fsp.stat(storeDir).catch(() => null))?.isDirectory() ? await keptFileUses(storeDir) : null;
  for (const [sha, where] of [...(uses ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (onDisk.has(sha)) continue;
    const file = path.join(kept, sha);
    const mark = keptFileMarkOf(file);
    const marked = await checkFile(file, mark);
    const state: FileState =
      marked.state === 'lost' ? marked : { state: 'missing', reason: `it is gone from ${KEPT_FILES_DIR}/, and ${where.join(', ')} names it: choose the file again in that step's form and save the flow`, sum: null };
    checks.push({ kind: 'kept-file', ref: sha, file, record: mark, state });
  }
  return checks;
}

/** Every evidence file of one run, every byte read, and the ones whose record says they were written but are gone. */
export async function checkRunEvidence(dataDir: string, run: string): Promise<DataFileCheck[]> {
  const checks: DataFileCheck[] = [];
  const folder = path.join(dataDir, EVIDENCE_DIR, run);
  const inFolder = await names(folder);
  const files = new Set(inFolder.filter((n) => !n.startsWith('.')));
  // A record whose file is gone names it: `.<file>.sum`.
  for (const n of inFolder) if (n.startsWith('.') && n.endsWith('.sum') && !isPartFile(n)) files.add(n.slice(1, -4));
  for (const name of [...files].sort()) {
    const file = path.join(folder, name);
    checks.push({ kind: 'evidence', ref: `${run}/${name}`, file, record: evidenceRecordOf(file), state: await checkFile(file, evidenceRecordOf(file)) });
  }
  return checks;
}

async function names(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => [] as string[]);
}

/** "run r1, record 3" from an evidence reference `<run>/<record>-<time>-<name>`. */
function evidenceOwner(ref: string): string {
  const [run, file] = ref.split('/');
  const record = /^(\d+)-/.exec(file ?? '')?.[1];
  return record === undefined ? `run ${run}` : `run ${run}, record ${record}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What `store verify` prints about evidence and uploads: counts, then each file that is not ok. */
export function describeDataFiles(checks: DataFileCheck[]): string[] {
  const lines: string[] = [];
  for (const kind of Object.keys(KINDS) as DataFileKind[]) {
    const of = checks.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    const count = (s: FileState['state']) => of.filter((c) => c.state.state === s).length;
    const parts = [`${count('ok')} checked ok`];
    if (count('unchecked')) parts.push(`${count('unchecked')} unchecked (written before checksums: served as they are)`);
    if (count('damaged')) parts.push(`${count('damaged')} DAMAGED`);
    if (count('missing')) parts.push(`${count('missing')} MISSING`);
    if (count('lost')) parts.push(`${count('lost')} moved aside by an earlier repair`);
    lines.push(`  ${KINDS[kind].heading}: ${plural(of.length, 'file')}, ${parts.join(', ')}`);
    for (const c of of) {
      const s = c.state;
      const who = c.kind === 'evidence' ? ` (${evidenceOwner(c.ref)})` : '';
      if (s.state === 'damaged') lines.push(`    ${c.kind} ${c.ref}${who}: DAMAGED: ${s.reason}`);
      else if (s.state === 'missing') lines.push(`    ${c.kind} ${c.ref}${who}: MISSING: ${s.reason}`);
      else if (s.state === 'lost') lines.push(`    ${c.kind} ${c.ref}${who}: moved aside by store repair on ${s.lost.at} (${s.lost.reason})`);
    }
  }
  return lines;
}

/** "2 evidence files and 1 uploaded file" (damaged or missing), or '' when none. */
export function dataFilesLossLine(checks: DataFileCheck[]): string {
  const bad = checks.filter(isBad);
  return (Object.keys(KINDS) as DataFileKind[])
    .map((kind) => {
      const n = bad.filter((c) => c.kind === kind).length;
      return n ? plural(n, KINDS[kind].one) : '';
    })
    .filter((w) => w)
    .join(' and ');
}

export interface LostFile {
  kind: DataFileKind;
  ref: string;
  state: 'damaged' | 'missing';
  reason: string;
  /** Where the file (and its record) went; null when there was no file to move. */
  movedTo: string | null;
  /** Its length when written (0 when not known). */
  bytes: number;
}

/**
 * Moves every damaged evidence file and upload into `aside` (`evidence/<run>/…`, `uploads/…`, with
 * its record), never deleting, and writes its record again saying it is gone (`lost`): serving it
 * then answers that it was moved aside, and verify no longer reports it. Missing ones get the mark.
 */
export async function repairDataFiles(checks: DataFileCheck[], aside: string, now: Date): Promise<LostFile[]> {
  const lost: LostFile[] = [];
  for (const c of checks) {
    const s = c.state;
    if (s.state !== 'damaged' && s.state !== 'missing') continue;
    const dest = path.join(aside, KINDS[c.kind].dir, c.ref);
    let movedTo: string | null = null;
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    if (await exists(c.file)) {
      await fsp.rename(c.file, dest);
      movedTo = dest;
    }
    const rec = await readRecord(c.record);
    if (rec) await fsp.copyFile(c.record, path.join(path.dirname(dest), path.basename(c.record)));
    const mark: LostMark = { at: now.toISOString(), reason: `${s.state}: ${s.reason}`, movedTo };
    const kept = rec && 'value' in rec ? rec.value : {};
    // A kept file's mark may be the first thing written in a folder that is gone altogether.
    await fsp.mkdir(path.dirname(c.record), { recursive: true });
    await writeFileAtomic(c.record, JSON.stringify({ ...kept, ...(s.sum ?? {}), lost: mark }));
    lost.push({ kind: c.kind, ref: c.ref, state: s.state, reason: s.reason, movedTo, bytes: s.sum?.bytes ?? 0 });
  }
  return lost;
}

async function exists(file: string): Promise<boolean> {
  return (await fsp.stat(file).catch(() => null))?.isFile() ?? false;
}

/**
 * The audit rows of a repair's lost files ('files.lost', actor cli): one per run whose evidence was
 * lost, one (run null) for uploads. `runs` names the runs the store still holds.
 */
export function lostFilesAudit(lost: LostFile[], runs: Map<string, { flowId: string; flowName: string }>, at: string): AuditWrite[] {
  const groups = new Map<string | null, LostFile[]>();
  for (const l of lost) {
    const key = l.kind === 'evidence' ? l.ref.split('/')[0] : null;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return [...groups].map(([runId, files]) => ({
    at,
    actor: 'cli' as const,
    action: 'files.lost' as const,
    runId,
    flowId: runId ? (runs.get(runId)?.flowId ?? null) : null,
    flowName: runId ? (runs.get(runId)?.flowName ?? null) : null,
    records: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    detail: { repair: files.some((f) => f.kind === 'kept-file') ? 'damaged evidence, uploads or kept files' : 'damaged evidence or uploads', files: files.map(({ kind, ref, state, reason, movedTo }) => ({ kind, ref, state, reason, movedTo })) },
  }));
}

/** What `store repair` prints about them. */
export function lostFilesLines(lost: LostFile[]): string[] {
  return lost.map((l) => {
    const what = l.kind === 'evidence' ? `Evidence ${l.ref} (${evidenceOwner(l.ref)})` : l.kind === 'upload' ? `Upload ${l.ref}` : `Kept file ${l.ref.slice(0, 12)}…`;
    const where = l.movedTo ? `moved to ${l.movedTo}` : 'nothing to move';
    const after =
      l.kind === 'evidence'
        ? 'the record keeps its steps; opening the file answers that it is gone'
        : l.kind === 'upload'
          ? 'runs that read it keep their records; a new run needs the file uploaded again'
          : 'a flow that names it needs the file chosen again in its step\'s form';
    return `${what} was ${l.state} (${l.reason}): lost, ${where}; ${after}.`;
  });
}

/**
 * Removes a run's evidence folder: renamed into DATA_DIR/tmp first (emptied at start), then deleted,
 * so a stop midway never leaves records whose files are gone (verify would call them missing).
 */
export async function removeEvidenceFolder(dataDir: string, runId: string): Promise<void> {
  const tmp = path.join(dataDir, 'tmp');
  const doomed = path.join(tmp, `evidence-${runId}-${Date.now().toString(36)}`);
  await fsp.mkdir(tmp, { recursive: true });
  try {
    await fsp.rename(path.join(dataDir, EVIDENCE_DIR, runId), doomed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fsp.rm(doomed, { recursive: true, force: true });
}

// ------------------------------------------------------------------ serving

const REPAIR_HINT =
  'Run "npx conveyor store verify" to see every damaged file, then restore a backup ("npx conveyor store restore DIR") or move the damaged files aside with "npx conveyor store repair" (studio stopped; nothing is deleted).';

/**
 * What keeps a file from being served or copied whole, with why; null when nothing does: its bytes are
 * the ones recorded, it was written before checksums, or its record names no file (an upload an older
 * version cleaned up).
 */
export function fileProblem(s: FileState): { state: 'damaged' | 'missing' | 'lost'; reason: string } | null {
  if (s.state === 'ok' || s.state === 'unchecked' || (s.state === 'missing' && !s.sum)) return null;
  if (s.state === 'lost') return { state: 'lost', reason: `moved aside by store repair on ${s.lost.at} (${s.lost.reason})` };
  return { state: s.state, reason: s.reason };
}

/**
 * The evidence among `refs` (`<run>/<file>`, as steps name it) that the evidence route would refuse:
 * damaged, missing or moved aside by store repair, each with the message it would answer. Every byte
 * of each file is read (a record's screenshots: ~0.2 ms per 100 KB). A reference the route would not
 * serve at all is left out (the route answers it "not found"). Evidence the store keeps itself
 * (PostgreSQL) is checked there, every byte too.
 */
export async function evidenceProblems(dataDir: string, refs: readonly string[], store?: Pick<EvidenceStore, 'readEvidence'>): Promise<Array<{ ref: string; state: 'damaged' | 'missing' | 'lost'; message: string }>> {
  const out: Array<{ ref: string; state: 'damaged' | 'missing' | 'lost'; message: string }> = [];
  for (const ref of new Set(refs)) {
    const [run, file, ...more] = ref.split('/');
    if (more.length || !run || !file || !EVIDENCE_RUN.test(run) || !EVIDENCE_FILE.test(file) || file.startsWith('.')) continue;
    const full = path.join(dataDir, EVIDENCE_DIR, run, file);
    const state = await checkFile(full, evidenceRecordOf(full));
    const problem = fileProblem(state);
    if (problem) out.push({ ref, state: problem.state, message: dataFileError('evidence', ref, state as Exclude<FileState, { state: 'ok' | 'unchecked' }>).message });
    else if (store?.readEvidence) {
      await store.readEvidence(ref).catch((err: unknown) => {
        if (err instanceof ConveyorError && err.code === 'E_EVIDENCE_DAMAGED') out.push({ ref, state: 'damaged', message: err.message });
        else throw err;
      });
    }
  }
  return out;
}

/** The refusal to serve (or read) a file that is not the one written; names the file, never its bytes. */
export function dataFileError(kind: 'evidence' | 'upload', ref: string, s: Exclude<FileState, { state: 'ok' } | { state: 'unchecked' }>, name?: string): ConveyorError {
  const code = kind === 'evidence' ? 'E_EVIDENCE_DAMAGED' : 'E_UPLOAD_DAMAGED';
  const what = kind === 'evidence' ? `The evidence file "${ref}"` : `The uploaded file ${name && name !== ref ? `"${name}" (${ref})` : `"${ref}"`}`;
  const details = { file: ref, state: s.state };
  if (s.state === 'lost') {
    const folder = s.lost.movedTo?.split(path.sep).find((p) => p.startsWith('damaged-'));
    const where = folder ? ` into store/${folder}/` : '';
    const hint = kind === 'evidence' ? 'The record and its steps are intact; the original file is only in a backup taken before the damage.' : 'Upload the file again and start the run with the id it answers.';
    return new ConveyorError(code, `${what} is gone: store repair moved it aside${where} on ${s.lost.at} (${s.lost.reason}).`, hint, 410, { ...details, reason: s.lost.reason });
  }
  const verb = s.state === 'damaged' ? 'is damaged' : 'is missing';
  const refused = kind === 'evidence' ? 'It was not served.' : 'No run read it.';
  const hint = kind === 'evidence' ? REPAIR_HINT : `Upload the file again and use the new id. ${REPAIR_HINT}`;
  return new ConveyorError(code, `${what} ${verb}: ${s.reason}. ${refused}`, hint, 500, { ...details, reason: s.reason });
}
