/**
 * Retention: how much space runs take, deleting or archiving finished runs (with their evidence and
 * uploaded input), cleaning up unused uploads, and the audit trail of all of it.
 * Used by the REST API (server/http/storage-routes.ts), the CLI (`conveyor runs`, `conveyor storage`)
 * and the studio's periodic sweep. See docs/operations.md, "Retention".
 */
import { createWriteStream } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { Engine } from '../engine/engine.ts';
import { withEntryStep } from '../engine/entry-step.ts';
import { ConveyorError } from '../errors.ts';
import { buildReport } from '../report/build-report.ts';
import { reportToXlsx } from '../report/report-xlsx.ts';
import { activeRunError, ACTIVE_RUN_STATUSES, runInReviewError, type AuditActor, type RunHead } from '../store/retention.ts';
import type { RunStatus, Store } from '../store/types.ts';
import { checkRunEvidence, evidenceRecordOf, fileProblem, removeEvidenceFolder, UPLOAD_ID, uploadName, uploadRecordOf } from '../store/data-files.ts';
import { checkFile, isPartFile, sumOf, sumOfFile, type FileState } from '../store/file-sums.ts';
import { KEPT_FILES_DIR } from '../store/kept-files.ts';
import type { CleanupResult, RunSpace, StorageTotals, PruneCandidate, PruneResult } from '../contract/wire/storage.ts';
import { storeDirOf } from '../store/store-dir.ts';
export type { CleanupResult, RunSpace, StorageTotals, PruneCandidate, PruneResult };

/** An upload no run names is deleted once older than this (default 24 h; CONVEYOR_UPLOAD_GRACE_HOURS). */
export const DEFAULT_UPLOAD_GRACE_MS = 24 * 3600_000;
/** How often the studio sweeps unused uploads (default hourly). */
export const DEFAULT_SWEEP_INTERVAL_MS = 3600_000;
/** Statuses `prune` takes when none is named: runs that ended. */
export const DEFAULT_PRUNE_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'stopped'];
/** How long the size of an executing run is reused before it is measured again. */
const ACTIVE_SIZE_MS = 30_000;
const DAY_MS = 86_400_000;

export interface DeleteOptions {
  actor: AuditActor;
  /** Delete even with records in review (they leave the queue for good). */
  force?: boolean;
  /** Archive first: true for DATA_DIR/archive, or a folder. */
  archive?: boolean | string;
}

export interface DeletedRun {
  id: string;
  flowName: string;
  status: string;
  records: number;
  bytes: number;
  /** The archive folder written before the deletion. */
  archive: string | null;
  /** The uploaded input file deleted with the run (no other run named it). */
  uploadDeleted: string | null;
  /**
   * Files the archive could not take whole (evidence or the input whose bytes no longer match the
   * SHA-256 recorded when they were written, or that were gone), as named in its run.json.
   */
  damaged?: ArchivedFileProblem[];
}

/** A loose file of a run that did not reach its archive whole (`archiveRun`). */
export interface ArchivedFileProblem {
  /** Its place in the archive: `evidence/<file>` or `input/<name>`. */
  file: string;
  state: 'damaged' | 'missing' | 'lost';
  reason: string;
}

export interface PruneOptions {
  olderThanDays: number;
  status?: RunStatus[];
  archive?: boolean | string;
  dryRun?: boolean;
  force?: boolean;
  actor: AuditActor;
  /** For tests: the current time. */
  now?: number;
}

export interface RetentionOptions {
  store: Store;
  dataDir: string;
  /** The engine of this process: a run it is executing is never deleted. */
  engine?: Engine;
  uploadGraceMs?: number;
}

export class Retention {
  private readonly store: Store;
  private readonly dataDir: string;
  private readonly engine?: Engine;
  readonly uploadGraceMs: number;
  /** Sizes of runs that ended, keyed by run id and valid while status and end stay the same. */
  private readonly sizes = new Map<string, { stamp: string; at: number; storeBytes: number; evidenceBytes: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  constructor(opts: RetentionOptions) {
    this.store = opts.store;
    this.dataDir = opts.dataDir;
    this.engine = opts.engine;
    this.uploadGraceMs = opts.uploadGraceMs ?? graceFromEnv();
  }

  get archiveDir(): string {
    return path.join(this.dataDir, 'archive');
  }

  // ------------------------------------------------------------ sizes

  private async space(run: RunHead): Promise<RunSpace> {
    const stamp = `${run.status}|${run.endedAt ?? ''}`;
    const active = (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status);
    let cached = this.sizes.get(run.id);
    // A run that ended keeps its size until its status or end changes; an executing one is measured
    // again at most every ACTIVE_SIZE_MS (measuring a big run reads all its rows).
    const stale = !cached || cached.stamp !== stamp || (active && Date.now() - cached.at > ACTIVE_SIZE_MS);
    if (stale) {
      const size = await this.store.runStoreSize(run.id);
      // Evidence files of the data folder, and those the store keeps itself (PostgreSQL).
      const evidenceBytes = (await folderBytes(path.join(this.dataDir, 'evidence', run.id))) + ((await this.store.evidenceBytes?.(run.id)) ?? 0);
      cached = { stamp, at: Date.now(), storeBytes: size?.bytes ?? 0, evidenceBytes };
      this.sizes.set(run.id, cached);
    }
    cached = cached!;
    const uploadBytes = run.upload && UPLOAD_ID.test(run.upload) ? await fileBytes(path.join(this.dataDir, 'uploads', run.upload)) : 0;
    return {
      id: run.id,
      flowId: run.flowId,
      flowName: run.flowName,
      status: this.statusOf(run),
      recordCount: run.recordCount,
      createdAt: run.createdAt,
      endedAt: run.endedAt,
      storeBytes: cached.storeBytes,
      evidenceBytes: cached.evidenceBytes,
      uploadBytes,
      upload: run.upload,
      bytes: cached.storeBytes + cached.evidenceBytes + uploadBytes,
    };
  }

  /** The engine's view first: a run it executes is active whatever the store says. */
  private statusOf(run: RunHead): string {
    return this.engine?.isActive(run.id) && !(ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status) ? 'running' : run.status;
  }

  /** Every run with its size, biggest first (sort 'size') or oldest first ('age'), a page of them, and the totals. */
  async storage(q: { sort?: 'size' | 'age'; offset?: number; limit?: number } = {}): Promise<{ totals: StorageTotals; total: number; items: RunSpace[] }> {
    const heads = await this.store.listRunHeads();
    const all: RunSpace[] = [];
    for (const h of heads) all.push(await this.space(h));
    const live = new Set(heads.map((h) => h.id));
    for (const id of this.sizes.keys()) if (!live.has(id)) this.sizes.delete(id);
    if ((q.sort ?? 'size') === 'size') all.sort((a, b) => b.bytes - a.bytes || cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id));
    else all.sort((a, b) => cmp(a.endedAt ?? a.createdAt, b.endedAt ?? b.createdAt) || cmp(a.id, b.id));
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 50;
    const totals: StorageTotals = {
      runs: all.length,
      runBytes: all.reduce((n, r) => n + r.storeBytes + r.evidenceBytes, 0) + uploadBytesOnce(all),
      disk: {
        // PostgreSQL: the database's size on its server (the data folder holds none of it).
        store: (await this.store.databaseBytes?.()) ?? (await folderBytes(storeDirOf(this.dataDir))),
        evidence: await folderBytes(path.join(this.dataDir, 'evidence')),
        uploads: await folderBytes(path.join(this.dataDir, 'uploads')),
        archive: await folderBytes(this.archiveDir),
      },
      database: await this.databaseShare(),
      keptFiles: keptFilesTotal(await this.store.listKeptFiles()),
    };
    return { totals, total: all.length, items: all.slice(offset, offset + limit) };
  }

  /** PostgreSQL: the evidence and shared uploads inside the database's size (StorageTotals.database). */
  private async databaseShare(): Promise<StorageTotals['database']> {
    if (!this.store.databaseBytes) return null;
    const uploads = (await this.store.sharedUploads?.()) ?? [];
    return { evidence: (await this.store.allEvidenceBytes?.()) ?? 0, uploads: uploads.reduce((n, u) => n + u.size, 0) };
  }

  // ------------------------------------------------------------ delete

  /** Refuses (coded) what must not be deleted: an unknown run, an executing run, records in review without force. */
  private async check(runId: string, force: boolean): Promise<RunHead> {
    const run = await this.store.getRun(runId);
    const head: RunHead | null = run && {
      id: run.id,
      flowId: run.flowId,
      flowName: run.flowName,
      status: run.status,
      recordCount: run.recordCount,
      createdAt: run.createdAt,
      endedAt: run.endedAt,
      upload: typeof run.settings?.upload === 'string' ? run.settings.upload : null,
    };
    if (!head) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the Storage page to find it.', 404);
    if (this.engine?.isActive(runId) || (ACTIVE_RUN_STATUSES as readonly string[]).includes(head.status)) throw activeRunError(runId, this.statusOf(head));
    if (!force) {
      const n = await this.store.reviewCount(runId);
      if (n > 0) throw runInReviewError(runId, n);
    }
    return head;
  }

  async deleteRun(runId: string, opts: DeleteOptions): Promise<DeletedRun> {
    const head = await this.check(runId, opts.force ?? false);
    return this.remove(head, opts);
  }

  private async remove(head: RunHead, opts: DeleteOptions): Promise<DeletedRun> {
    const runId = head.id;
    const space = await this.space(head);
    // Log lines still buffered for the run are written before it goes (none may name it after).
    await this.engine?.flushLogs();
    const archived = opts.archive ? await this.archiveRun(head, opts.archive === true ? this.archiveDir : path.resolve(opts.archive)) : null;
    const archive = archived?.dir ?? null;
    const damaged = archived?.damaged ?? [];
    let records: number;
    try {
      ({ records } = await this.store.deleteRun(runId, {
        force: opts.force ?? false,
        audit: {
          at: new Date().toISOString(),
          actor: opts.actor,
          action: archive ? 'run.archive' : 'run.delete',
          runId,
          flowId: head.flowId,
          flowName: head.flowName,
          records: head.recordCount,
          bytes: space.bytes,
          detail: {
            status: head.status,
            storeBytes: space.storeBytes,
            evidenceBytes: space.evidenceBytes,
            uploadBytes: space.uploadBytes,
            upload: head.upload,
            archive,
            forced: opts.force ?? false,
            ...(damaged.length ? { damaged: damaged.map((d) => ({ ...d })) } : {}),
          },
        },
      }));
    } catch (err) {
      // The store's own guard (the same checks, applied with the op) refused it: its coded error.
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof ConveyorError) throw cause;
      throw err;
    }
    this.sizes.delete(runId);
    await removeEvidenceFolder(this.dataDir, runId);
    let uploadDeleted: string | null = null;
    if (head.upload && UPLOAD_ID.test(head.upload) && (await this.store.runsUsingUpload(head.upload, runId)) === 0) {
      const file = path.join(this.dataDir, 'uploads', head.upload);
      if (await fileBytes(file)) uploadDeleted = head.upload;
      // Shared with the other studios of the database (PostgreSQL): deleted there too.
      if (await this.store.deleteSharedUpload?.(head.upload)) uploadDeleted = head.upload;
      // Its checksum record first: a stop in between leaves an unchecked file, never a "missing" one.
      await rm(`${file}.json`, { force: true });
      await rm(file, { force: true });
    }
    return { id: runId, flowName: head.flowName, status: head.status, records, bytes: space.bytes, archive, uploadDeleted, ...(damaged.length ? { damaged } : {}) };
  }

  // ------------------------------------------------------------ prune

  async prune(opts: PruneOptions): Promise<PruneResult> {
    if (!Number.isFinite(opts.olderThanDays) || opts.olderThanDays < 0) {
      throw new ConveyorError('E_PRUNE_INVALID', `olderThanDays must be a number of days, 0 or more (got ${String(opts.olderThanDays)}).`, 'Give the age in days, e.g. { "olderThanDays": 30 } or --older-than 30d.', 400);
    }
    const statuses = [...new Set(opts.status && opts.status.length > 0 ? opts.status : DEFAULT_PRUNE_STATUSES)];
    const active = statuses.filter((s) => (ACTIVE_RUN_STATUSES as readonly string[]).includes(s));
    if (active.length > 0) {
      throw new ConveyorError('E_PRUNE_INVALID', `Runs that are ${active.join(' or ')} are executing and cannot be pruned.`, `Name statuses of runs that ended: ${DEFAULT_PRUNE_STATUSES.join(', ')}, safe_stopped, paused or interrupted.`, 400);
    }
    const now = opts.now ?? Date.now();
    const cutoff = new Date(now - opts.olderThanDays * DAY_MS).toISOString();
    const heads = (await this.store.listRunHeads()).filter((h) => statuses.includes(h.status as RunStatus) && (h.endedAt ?? h.createdAt) < cutoff);
    const result: PruneResult = { dryRun: opts.dryRun ?? false, cutoff, statuses, runs: [], bytes: 0, skipped: [], archive: opts.archive ? (opts.archive === true ? this.archiveDir : path.resolve(opts.archive)) : null };
    for (const head of heads) {
      const space = await this.space(head);
      const candidate: PruneCandidate = { id: head.id, flowName: head.flowName, status: head.status, createdAt: head.createdAt, endedAt: head.endedAt, records: head.recordCount, bytes: space.bytes };
      try {
        await this.check(head.id, opts.force ?? false);
        if (!result.dryRun) await this.remove(head, { actor: opts.actor, force: opts.force, archive: opts.archive });
        result.runs.push(candidate);
        result.bytes += candidate.bytes;
      } catch (err) {
        // A run whose archive cannot be read (E_STORE_DAMAGED: nothing of it was deleted) is kept and
        // named; the other runs are still pruned. Other failures (the disk, the archive folder) stop.
        if (!(err instanceof ConveyorError) || (err.status >= 500 && err.code !== 'E_STORE_DAMAGED')) throw err;
        result.skipped.push({ ...candidate, code: err.code, reason: err.message });
      }
    }
    return result;
  }

  // ------------------------------------------------------------ archive

  /**
   * Writes the run into `<dir>/<runId>/` (another name when taken): run.json, records.jsonl, steps.jsonl,
   * events.jsonl, logs.jsonl, rejects.jsonl, report.xlsx, evidence/ and input/ (its uploaded file).
   * Written into a `.partial` folder renamed at the end: a folder with the run's name is complete.
   *
   * The archive is what is left of the run once it is deleted, so the loose files it takes are checked
   * first, every byte (file-sums.ts): the input goes in with its SHA-256 (`input/<name>.sha256`, as
   * `sha256sum -c` reads it; evidence keeps its `.sum` records). A file whose bytes no longer match, or
   * that is gone, is named in run.json (`damaged`), in the answer and in the audit row; a damaged
   * input's bytes go in as `input/<name>.damaged`, never as the input itself.
   */
  async archiveRun(head: RunHead, dir: string): Promise<{ dir: string; damaged: ArchivedFileProblem[] }> {
    const runId = head.id;
    const run = await this.store.getRun(runId);
    if (!run) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id.', 404);
    let target = path.join(dir, runId);
    for (let n = 2; await exists(target); n++) target = path.join(dir, `${runId}-${n}`);
    const part = `${target}.partial`;
    try {
      await mkdir(dir, { recursive: true });
      await rm(part, { recursive: true, force: true });
      await mkdir(part, { recursive: true });
    } catch (err) {
      throw archiveError(dir, err);
    }
    try {
      const [counts, stepCounts] = await Promise.all([this.store.countRecords(runId), this.store.stepCounts(runId)]);
      const records = jsonLines(path.join(part, 'records.jsonl'));
      const steps = jsonLines(path.join(part, 'steps.jsonl'));
      // Each record's steps as its page shows them: its trigger's step first, counted but not stored (entry-step.ts).
      const trigger = this.engine?.entryTrigger(run) ?? null;
      for (let offset = 0; ; offset += 1000) {
        const page = await this.store.listRecords(runId, { offset, limit: 1000 });
        for (const r of page.items) {
          await records.write(r);
          for (const s of withEntryStep(await this.store.listSteps(runId, r.index), r, trigger)) await steps.write(s);
        }
        if (page.items.length < 1000) break;
      }
      await records.close();
      await steps.close();
      const events = jsonLines(path.join(part, 'events.jsonl'));
      for (let offset = 0; ; offset += 1000) {
        const page = await this.store.listRunEvents(runId, { offset, limit: 1000 });
        for (const e of page.items) await events.write(e);
        if (page.items.length < 1000) break;
      }
      await events.close();
      const logs = jsonLines(path.join(part, 'logs.jsonl'));
      for (let offset = 0; ; offset += 1000) {
        const page = await this.store.listLogs(runId, { offset, limit: 1000 });
        for (const l of page.items) await logs.write(l);
        if (page.items.length < 1000) break;
      }
      await logs.close();
      const rejects = jsonLines(path.join(part, 'rejects.jsonl'));
      for (const r of await this.store.listRejects(runId)) await rejects.write(r);
      await rejects.close();
      await writeFile(path.join(part, 'report.xlsx'), await reportToXlsx(this.store, await buildReport(this.store, runId)));
      const damaged: ArchivedFileProblem[] = [];
      const evidence = path.join(this.dataDir, 'evidence', runId);
      if (await exists(evidence)) {
        // Every file of the run's evidence, and those its records say were written but are gone.
        for (const c of await checkRunEvidence(this.dataDir, runId)) {
          const problem = problemOf(`evidence/${path.basename(c.file)}`, c.state);
          if (problem) damaged.push(problem);
        }
        await cp(evidence, path.join(part, 'evidence'), { recursive: true });
      }
      // Evidence the store keeps itself (PostgreSQL): checked as it is read, written with its checksum record.
      const kept = (await this.store.runEvidence?.(runId)) ?? [];
      if (kept.length > 0) await mkdir(path.join(part, 'evidence'), { recursive: true });
      for (const e of kept) {
        const name = path.basename(e.ref);
        const sum = sumOf(e.bytes);
        if (sum.sha256 !== e.sha256) {
          // Damaged in the database: kept aside and named, never passed off as the evidence.
          damaged.push({ file: `evidence/${name}`, state: 'damaged', reason: `its bytes no longer match the SHA-256 kept when it was written` });
          await writeFile(path.join(part, 'evidence', `${name}.damaged`), e.bytes);
          continue;
        }
        const to = path.join(part, 'evidence', name);
        await writeFile(to, e.bytes);
        await writeFile(evidenceRecordOf(to), JSON.stringify(sum));
      }
      let input: { file: string; bytes: number; sha256: string; checked: boolean } | null = null;
      if (head.upload && UPLOAD_ID.test(head.upload)) {
        const file = path.join(this.dataDir, 'uploads', head.upload);
        const name = path.basename(await uploadName(file, head.upload));
        const state = await checkFile(file, uploadRecordOf(file));
        const problem = problemOf(`input/${name}`, state);
        if (problem) damaged.push(problem);
        if (await exists(file)) {
          await mkdir(path.join(part, 'input'), { recursive: true });
          const to = path.join(part, 'input', problem ? `${name}.damaged` : name);
          await copyFile(file, to);
          if (!problem) {
            // The bytes copied, summed again: the archive's own copy is what its checksum names.
            const copied = await sumOfFile(to);
            if (state.state === 'ok' && copied.sha256 !== state.sum.sha256) throw new Error(`the copy of ${name} in the archive does not match the upload`);
            await writeFile(`${to}.sha256`, `${copied.sha256}  ${name}\n`);
            input = { file: `input/${name}`, bytes: copied.bytes, sha256: copied.sha256, checked: state.state === 'ok' };
          }
        }
      }
      await writeFile(
        path.join(part, 'run.json'),
        JSON.stringify({ archivedAt: new Date().toISOString(), run, counts, stepCounts, files: ARCHIVE_FILES, input, damaged }, null, 2),
      );
      await rename(part, target);
      return { dir: target, damaged };
    } catch (err) {
      await rm(part, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof ConveyorError) throw err;
      throw archiveError(dir, err);
    }
  }

  // ------------------------------------------------------------ uploads

  /**
   * Deletes uploads no run names that are older than the grace period (and interrupted `.part` files),
   * files chosen in node forms that no saved flow and no run's flow copy names and that were not kept
   * (or kept again) within the grace period, and evidence folders of runs that no longer exist;
   * audited when something went.
   */
  async cleanUploads(opts: { actor?: AuditActor; now?: number } = {}): Promise<CleanupResult> {
    const now = opts.now ?? Date.now();
    const dir = path.join(this.dataDir, 'uploads');
    const used = await this.store.referencedUploads();
    const deleted: Array<{ id: string; bytes: number }> = [];
    let bytes = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const id = name.endsWith('.part') ? name.slice(0, -5) : name;
      if (!UPLOAD_ID.test(id) || used.has(id)) continue;
      const file = path.join(dir, name);
      const st = await stat(file).catch(() => null);
      if (!st?.isFile() || now - st.mtimeMs < this.uploadGraceMs) continue;
      if (!name.endsWith('.part')) await rm(`${file}.json`, { force: true }); // the record first (see deleteRun)
      await rm(file, { force: true });
      deleted.push({ id: name, bytes: st.size });
      bytes += st.size;
    }
    // Uploads the studios of the database share (PostgreSQL), received by any of them.
    for (const u of (await this.store.sharedUploads?.()) ?? []) {
      if (used.has(u.id) || now - Date.parse(u.receivedAt) < this.uploadGraceMs) continue;
      if (!(await this.store.deleteSharedUpload!(u.id))) continue;
      if (!deleted.some((d) => d.id === u.id)) {
        deleted.push({ id: u.id, bytes: u.size });
        bytes += u.size;
      }
    }
    // Evidence of runs deleted by a process that stopped before removing it.
    const evidence: string[] = [];
    const runs = new Set((await this.store.listRunHeads()).map((h) => h.id));
    const evidenceRoot = path.join(this.dataDir, 'evidence');
    for (const name of await readdir(evidenceRoot).catch(() => [] as string[])) {
      if (runs.has(name) || !/^[A-Za-z0-9_-]+$/.test(name)) continue;
      const folder = path.join(evidenceRoot, name);
      const st = await stat(folder).catch(() => null);
      if (!st?.isDirectory() || now - st.mtimeMs < this.uploadGraceMs || runs.has(name)) continue;
      const size = await folderBytes(folder);
      await removeEvidenceFolder(this.dataDir, name);
      evidence.push(name);
      bytes += size;
    }
    const keptFiles = await this.unnamedKeptFiles(now);
    for (const k of keptFiles) bytes += k.bytes;
    // A kept file's write a crash interrupted (the embedded store's folder; never a kept file).
    const keptDir = path.join(this.dataDir, KEPT_FILES_DIR);
    const keptParts: string[] = [];
    for (const name of await readdir(keptDir).catch(() => [] as string[])) {
      if (!isPartFile(name)) continue;
      const st = await stat(path.join(keptDir, name)).catch(() => null);
      if (!st?.isFile() || now - st.mtimeMs < this.uploadGraceMs) continue;
      await rm(path.join(keptDir, name), { force: true });
      keptParts.push(name);
      bytes += st.size;
    }
    // Audited whenever anything went, a crash's leftover alone included (its bytes were freed).
    if (deleted.length > 0 || evidence.length > 0 || keptFiles.length > 0 || keptParts.length > 0) {
      await this.store.appendAudit({
        at: new Date(now).toISOString(),
        actor: opts.actor ?? 'policy',
        action: 'uploads.cleanup',
        records: deleted.length + evidence.length + keptFiles.length + keptParts.length,
        bytes,
        detail: {
          uploads: deleted.map((d) => d.id),
          evidence,
          ...(keptFiles.length ? { keptFiles: keptFiles.map((k) => k.sha256) } : {}),
          ...(keptParts.length ? { keptFileParts: keptParts } : {}),
          graceHours: this.uploadGraceMs / 3600_000,
        },
      });
    }
    return { deleted, evidence, keptFiles, bytes };
  }

  /**
   * Deletes the kept files nothing names any more (a CV replaced in a step's form, the flow or every run
   * that named it deleted) once older than the grace period: a file chosen in a form is kept before
   * the flow naming it is saved, and a flow file imported later may name one kept before.
   */
  private async unnamedKeptFiles(now: number): Promise<Array<{ sha256: string; bytes: number }>> {
    const old = (await this.store.listKeptFiles()).filter((k) => now - Date.parse(k.keptAt) >= this.uploadGraceMs);
    if (old.length === 0) return [];
    const named = await this.store.namedKeptFiles(old.map((k) => k.sha256));
    const gone: Array<{ sha256: string; bytes: number }> = [];
    for (const k of old) {
      if (named.has(k.sha256)) continue;
      if (await this.store.deleteKeptFile(k.sha256)) gone.push({ sha256: k.sha256, bytes: k.bytes });
    }
    return gone;
  }

  /** Sweeps now and then every `intervalMs` (the studio; errors are logged, never thrown). */
  startSweeps(intervalMs = DEFAULT_SWEEP_INTERVAL_MS, log: (line: string) => void = (l) => console.warn(l)): void {
    if (this.timer) return;
    const sweep = () => {
      if (this.sweeping) return;
      this.sweeping = this.cleanUploads()
        .then((r) => {
          if (r.deleted.length || r.evidence.length || r.keptFiles.length) {
            log(`[retention] removed ${r.deleted.length} unused upload(s), ${r.keptFiles.length} kept file(s) no flow or run names and ${r.evidence.length} orphaned evidence folder(s), ${r.bytes} bytes`);
          }
        })
        .catch((err) => log(`[retention] upload cleanup failed: ${(err as Error).message}`))
        .finally(() => (this.sweeping = null));
    };
    sweep();
    this.timer = setInterval(sweep, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}

/** What keeps a loose file from its run's archive whole (`fileProblem`), named by its place in the archive. */
function problemOf(file: string, state: FileState): ArchivedFileProblem | null {
  const problem = fileProblem(state);
  return problem ? { file, ...problem } : null;
}

const ARCHIVE_FILES = ['run.json', 'records.jsonl', 'steps.jsonl', 'events.jsonl', 'logs.jsonl', 'rejects.jsonl', 'report.xlsx', 'evidence/', 'input/'];

function graceFromEnv(): number {
  const raw = process.env.CONVEYOR_UPLOAD_GRACE_HOURS;
  if (raw === undefined || raw === '') return DEFAULT_UPLOAD_GRACE_MS;
  const hours = Number(raw);
  return Number.isFinite(hours) && hours >= 0 ? hours * 3600_000 : DEFAULT_UPLOAD_GRACE_MS;
}

function archiveError(dir: string, err: unknown): ConveyorError {
  return new ConveyorError(
    'E_ARCHIVE_WRITE',
    `The run could not be archived into ${dir}: ${(err as Error)?.message ?? String(err)}. Nothing was deleted.`,
    'Check that the folder exists or can be created, is writable and has room, then try again.',
    500,
  );
}

function jsonLines(file: string): { write(value: unknown): Promise<void>; close(): Promise<void> } {
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  return {
    async write(value) {
      if (!out.write(JSON.stringify(value) + '\n')) await Promise.race([once(out, 'drain'), failed]);
    },
    async close() {
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files chosen in node forms, in number and bytes (each kept once, however many flows name it). */
function keptFilesTotal(files: Array<{ bytes: number }>): { files: number; bytes: number } {
  return { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

/** Each upload counted once though several runs name it. */
function uploadBytesOnce(runs: RunSpace[]): number {
  const seen = new Map<string, number>();
  for (const r of runs) if (r.upload) seen.set(r.upload, r.uploadBytes);
  let n = 0;
  for (const b of seen.values()) n += b;
  return n;
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

async function fileBytes(file: string): Promise<number> {
  const st = await stat(file).catch(() => null);
  return st?.isFile() ? st.size : 0;
}

/** Bytes of the files under a folder (0 when missing). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
  if (!entries) return 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await stat(p).catch(() => null))?.size ?? 0;
  }
  return total;
}
