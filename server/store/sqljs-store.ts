/**
 * The durable embedded store: sql.js (SQLite in memory) answers queries, an append-only journal with
 * group commit makes writes durable, and snapshots of the whole database keep the journal short.
 * This file is the write path (journal, snapshots, archiving); the reads are in sqljs-reads.ts, which
 * this class extends. See docs/architecture.md, "Durable store".
 */
import { refuseCutRepair } from './repair-pending.ts';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'sql.js';
import type { FlowDocument } from '../contract/flow/schema.ts';
import type { Json, RecordData } from '../../nodes/sdk/types.ts';
import { isFinished } from '../contract/status.ts';
import type {
  ConditionalWrite,
  CreateRunExtras,
  FlowRow,
  KeptFileHead,
  LogRow,
  NodeStateWrite,
  RecordExpectation,
  RecordStatus,
  RecordUpdate,
  RunPatch,
  RunRow,
  RunStatus,
  StepRow,
  Store,
} from './types.ts';
import { GroupCommitJournal, JournalFile } from './journal.ts';
import { dataDirOf, missingJournal, replayJournal, storeDamagedError } from './integrity.ts';
import { KeptFilesOnDisk } from './kept-files.ts';
import { ConveyorError } from '../errors.ts';
import type { StoreWriteFailure } from './write-failure.ts';
import {
  Applier,
  appendLogsOp,
  clearNodeStateOp,
  commitStepOp,
  encodeOp,
  putNodeStateOp,
  createRunOp,
  deleteFlowOp,
  putFlowOp,
  updateRecordOp,
  updateRunOp,
  runsWrittenBy,
  type Op,
} from './ops.ts';
import { ADDED_COLUMNS, META_JOURNAL_KEPT, META_LAST_SEQ, META_SCHEMA_VERSION, PRAGMAS, SCHEMA, SCHEMA_INDEXES, SCHEMA_VERSION } from './schema.sql.ts';
import { readSnapshotChecked, SNAPSHOT_FILE, writeSnapshot } from './snapshot.ts';
import { Sql } from './sql.ts';
import * as retention from './retention.ts';
import { loadSqlJs } from './sqljs.ts';
import { ArchiveShelf } from './archive/shelf.ts';
import { archiveOp } from './archive/apply.ts';
import { writeRunArchive, type ArchiveWriteOptions } from './archive/writer.ts';
import type { ArchiveRef } from './archive/layout.ts';
import { StepSpill } from './archive/spill.ts';
import { collectGarbage, collectWhenHeapOver } from './collect.ts';
import { FILE_CHECK_MS, filesGone, healedWarning, unhealedError } from './files-gone.ts';
import { SqlJsReads } from './sqljs-reads.ts';

export const DEFAULT_SNAPSHOT_THRESHOLD_BYTES = 64 * 1024 * 1024;

export interface SqlJsStoreOptions {
  /** Opened by `store repair` itself: a repair cut short (repair-pending.json) does not refuse it. */
  repairing?: boolean;
  /**
   * A snapshot is taken once the current journal file is larger than this and than the last snapshot
   * (default 64 MiB). Tests lower it to exercise rotation.
   */
  snapshotThresholdBytes?: number;
  /** Errors of background work (a snapshot that could not be written); default: console.error. */
  onError?: (err: unknown) => void;
  /**
   * What opening had to say without refusing: a torn journal tail dropped (with what), a snapshot
   * without checksums (written before they existed); default: console.warn.
   */
  onWarning?: (message: string) => void;
  /** Observes snapshots: `start` once exported (journal switched), `done` once durable. */
  onSnapshot?: (event: { phase: 'start' | 'done'; seq: number; bytes: number }) => void;
  /**
   * A finished run (completed or failed) is moved to its archive this long after it ended (default
   * 5 minutes); null: never by itself (`archiveRun` still does). See docs/architecture.md, "Run archives".
   */
  archiveAfterMs?: number | null;
  /** How often the store looks for runs to archive (default every 30 s). */
  archiveCheckMs?: number;
  /** Archive writing options (segment size; crash points for tests). */
  archiveWrite?: ArchiveWriteOptions;
  /**
   * 'allow': open even when archived runs' folders are missing or fail their manifest (listed by
   * `missingArchives()`); only `store repair` does, to delete those runs. Default: refuse (E_STORE_DAMAGED).
   */
  missingArchives?: 'refuse' | 'allow';
  /** Finished records of a run whose steps are moved to its step segments at once (default 1,000; tests lower it). */
  spillBatch?: number;
  /** How often the store checks that its journal file and snapshot are still there (ms; default FILE_CHECK_MS; null: never). See files-gone.ts. */
  fileCheckMs?: number | null;
  /** A full garbage collection before each snapshot's export of a database of 16 MiB or more (default true; see collect.ts). */
  collectBeforeSnapshot?: boolean;
}

export const DEFAULT_ARCHIVE_AFTER_MS = 5 * 60_000;
/** The page size PRAGMAS sets (schema.sql.ts). */
const PAGE_BYTES = 8192;
/** A database smaller than this is exported without a collection first (see exportSnapshot). */
const COLLECT_MIN_BYTES = 16 * 1024 * 1024;
/** The JavaScript heap (garbage included) past which a long run's garbage is collected (collect.ts). */
const HEAP_COLLECT_BYTES = 128 * 1024 * 1024;
const DEFAULT_ARCHIVE_CHECK_MS = 30_000;

export interface SqlJsStoreStats {
  /** Sequence number of the last journal entry applied. */
  lastSeq: number;
  /** Sequence number the last durable snapshot contains. */
  snapshotSeq: number;
  /** Snapshots written since open (rotations and close). */
  snapshots: number;
  snapshotBytes: number;
  journalBytes: number;
  journalFiles: number;
}

/** Directories open in this process: a second store over the same files would corrupt them. */
const openDirs = new Set<string>();

/** Opens (creating if missing) the store kept in `dir`. */
export async function openSqlJsStore(dir: string, options: SqlJsStoreOptions = {}): Promise<SqlJsStore> {
  const abs = path.resolve(dir);
  if (openDirs.has(abs)) throw new Error(`The store in ${abs} is already open in this process.`);
  openDirs.add(abs);
  try {
    await fsp.mkdir(abs, { recursive: true });
    if (!options.repairing) await refuseCutRepair(abs);
    const SQL = await loadSqlJs();
    // Every byte is checked: a snapshot that fails its checksum is refused, never served.
    const checked = await readSnapshotChecked(abs);
    if (checked?.state === 'damaged') {
      throw storeDamagedError(abs, { file: path.join(abs, SNAPSHOT_FILE), offset: checked.offset, reason: checked.reason, loss: null, lost: 'Opening it would serve damaged runs, records or steps.' });
    }
    if (checked?.state === 'legacy') {
      (options.onWarning ?? ((m: string) => console.warn('[store]', m)))(
        `The snapshot ${path.join(abs, SNAPSHOT_FILE)} was written without checksums (an older version): it is opened as it is and written again with checksums at the next snapshot.`,
      );
    }
    const snapshot = checked?.bytes ?? null;
    const db = snapshot ? new SQL.Database(snapshot) : new SQL.Database();
    try {
      return await SqlJsStore.load(abs, db, snapshot?.length ?? 0, options, { present: checked !== null, legacy: checked?.state === 'legacy' });
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    openDirs.delete(abs);
    throw err;
  }
}

export class SqlJsStore extends SqlJsReads implements Store {
  protected readonly sql: Sql;
  protected readonly applier: Applier;
  private readonly journal: GroupCommitJournal<Op>;
  private readonly threshold: number;
  private readonly onError: (err: unknown) => void;
  private lastAppliedSeq: number;
  private durableSnapshotSeq: number;
  private lastSnapshotBytes: number;
  /** Older journal files still needed until the snapshot covering them is durable. */
  private obsoleteFiles: string[];
  private snapshotting: Promise<void> | null = null;
  private snapshotsWritten = 0;
  private closing: Promise<void> | null = null;
  /** The snapshot opened has no checksums (older version): the next snapshot, at the latest close(), rewrites it. */
  private legacySnapshot = false;
  private readonly writeStateListeners = new Set<(failure: StoreWriteFailure | null) => void>();
  protected readonly shelf: ArchiveShelf;
  private readonly missing: Array<{ runId: string; ref: ArchiveRef }>;
  protected readonly spill: StepSpill;
  private flushesSinceHeapCheck = 0;
  /** The archive being written (one at a time), and the timer that looks for runs to archive. */
  private archiving: Promise<unknown> | null = null;
  private archiveTimer: NodeJS.Timeout | null = null;
  /** Runs whose archive op was refused lately (written to meanwhile): tried again later. */
  private readonly archiveRefused = new Map<string, number>();
  /** Looks for the journal file or snapshot removed while the store runs (files-gone.ts). */
  private fileCheckTimer: NodeJS.Timeout | null = null;
  private checkingFiles: Promise<void> | null = null;
  /** See `lastWriteBeforeOpen`. */
  private readonly lastWriteAt: string | null;
  /** A snapshot file is on disk (opened with one, or written since): its removal is looked for. */
  private snapshotOnDisk: boolean;

  private constructor(
    protected readonly dir: string,
    private readonly db: Database,
    state: { applier: Applier; shelf: ArchiveShelf; missingArchives?: Array<{ runId: string; ref: ArchiveRef }>; file: JournalFile; lastSeq: number; snapshotSeq: number; snapshotBytes: number; obsoleteFiles: string[]; legacySnapshot?: boolean; snapshotPresent?: boolean; lastWriteAt?: string | null },
    private readonly options: SqlJsStoreOptions,
  ) {
    super();
    this.applier = state.applier;
    this.shelf = state.shelf;
    this.missing = state.missingArchives ?? [];
    this.sql = state.applier.sql;
    this.spill = new StepSpill(dir, this.sql, (op) => this.submit(op), (err) => this.onError(err), options.archiveWrite?.maxSegmentBytes, options.spillBatch, (key, idx) => this.applier.heldStepRows(key, idx));
    this.threshold = options.snapshotThresholdBytes ?? DEFAULT_SNAPSHOT_THRESHOLD_BYTES;
    this.onError = options.onError ?? ((err) => console.error('[store]', err));
    this.lastAppliedSeq = state.lastSeq;
    this.durableSnapshotSeq = state.snapshotSeq;
    this.lastSnapshotBytes = state.snapshotBytes;
    this.obsoleteFiles = state.obsoleteFiles;
    this.legacySnapshot = state.legacySnapshot ?? false;
    this.journal = new GroupCommitJournal<Op>(state.file, state.lastSeq + 1, {
      apply: (entries) => {
        const outcomes = this.applier.applyBatch(entries);
        this.lastAppliedSeq = entries[entries.length - 1].seq;
        this.shelf.batchApplied(this.lastAppliedSeq);
        return outcomes;
      },
      afterFlush: () => {
        if (!this.closing) this.spill.maybeSpill(this.applier.finals);
        // The heap's garbage bounded during long runs (collect.ts); checked every 32 group commits.
        if (++this.flushesSinceHeapCheck >= 32 && this.options.collectBeforeSnapshot !== false) {
          this.flushesSinceHeapCheck = 0;
          collectWhenHeapOver(HEAP_COLLECT_BYTES);
        }
        return this.maybeRotate();
      },
      onWriteState: (failure) => {
        if (failure) this.onError(new Error(`[E_STORE_WRITE] ${failure.message}`));
        for (const l of this.writeStateListeners) l(failure);
      },
    });
    this.snapshotOnDisk = state.snapshotPresent ?? false;
    this.lastWriteAt = state.lastWriteAt ?? null;
    const every = options.fileCheckMs === undefined ? FILE_CHECK_MS : options.fileCheckMs;
    if (every !== null && Number.isFinite(every)) {
      this.fileCheckTimer = setInterval(() => void this.checkFiles(), every);
      this.fileCheckTimer.unref();
    }
    const after = options.archiveAfterMs === undefined ? DEFAULT_ARCHIVE_AFTER_MS : options.archiveAfterMs;
    if (after !== null && Number.isFinite(after)) {
      this.archiveTimer = setInterval(() => void this.archiveDue(after), options.archiveCheckMs ?? DEFAULT_ARCHIVE_CHECK_MS);
      this.archiveTimer.unref();
    }
  }

  /** Prepares the database, replays the journal after the snapshot, and opens the journal for appending. */
  static async load(
    dir: string,
    db: Database,
    snapshotBytes: number,
    options: SqlJsStoreOptions,
    snapshot: { present: boolean; legacy: boolean } = { present: snapshotBytes > 0, legacy: false },
  ): Promise<SqlJsStore> {
    db.exec(PRAGMAS);
    db.exec(SCHEMA);
    upgradeSchema(db);
    db.exec(SCHEMA_INDEXES);
    const sql = new Sql(db);
    const shelf = new ArchiveShelf(dir, sql);
    const applier = new Applier(sql, { storeDir: dir, onRestored: (d) => shelf.restored(d) });
    const version = Number(sql.one('SELECT value FROM meta WHERE key = ?', [META_SCHEMA_VERSION])?.[0] ?? SCHEMA_VERSION);
    if (version > SCHEMA_VERSION) {
      throw new ConveyorError('E_STORE_NEWER', `The store in ${dir} was written by a newer version of Conveyor (schema ${version}).`, 'Upgrade Conveyor to open it (or restore a backup made by this version).', 500);
    }
    sql.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [META_SCHEMA_VERSION, String(SCHEMA_VERSION)]);
    const snapshotSeq = Number(sql.one('SELECT value FROM meta WHERE key = ?', [META_LAST_SEQ])?.[0] ?? 0);

    // Replay every entry after the snapshot, in order, a few thousand per transaction. Nothing on disk
    // changes before every file was read: damage other than a torn tail refuses the open (E_STORE_DAMAGED).
    const warn = options.onWarning ?? ((m: string) => console.warn('[store]', m));
    const plan = await replayJournal(
      dir,
      { present: snapshot.present, seq: snapshotSeq },
      (entries) => void applier.applyBatch(entries.map((e) => ({ seq: e.seq, op: e.op as Op, payload: '' }))),
      warn,
    );
    const lastSeq = plan.lastSeq;
    const kept = plan.kept;
    // A snapshot that says a journal follows it, and none does: the file was deleted or moved.
    // Refused before anything on disk is touched (covered files, archive sweeps).
    if (kept.length === 0 && snapshot.present && sql.one('SELECT value FROM meta WHERE key = ?', [META_JOURNAL_KEPT])?.[0] === '1') {
      throw storeDamagedError(dir, missingJournal(dir, snapshotSeq));
    }
    // A run restored from its archive during the replay met damage: serving the runs after it would
    // serve a history with holes. (Archive folders are checked before a restore is journaled.)
    if (applier.archiveDamage) throw applier.archiveDamage;
    shelf.batchApplied(lastSeq);
    const missingArchives = shelf.check(options.missingArchives === 'allow');
    shelf.sweepOnOpen(lastSeq > snapshotSeq, lastSeq);
    // Everything in these is in the snapshot already (a crash came before their removal).
    for (const p of plan.covered) await fsp.rm(p, { force: true });

    let file: JournalFile;
    const last = kept.pop();
    // When the store was last written (its last journal file's, before opening it may cut a torn tail).
    let lastWriteAt: string | null = null;
    if (last) {
      lastWriteAt = (await fsp.stat(last.path)).mtime.toISOString();
      file = await JournalFile.openAt(last.path, last.startSeq, last.validLength, last.entryBytes);
    } else {
      file = await JournalFile.create(dir, lastSeq + 1);
    }
    return new SqlJsStore(
      dir,
      db,
      { applier, shelf, missingArchives, file, lastSeq, snapshotSeq, snapshotBytes, obsoleteFiles: kept.map((k) => k.path), legacySnapshot: snapshot.legacy, snapshotPresent: snapshot.present, lastWriteAt },
      options,
    );
  }

  // ---------------------------------------------------------------- writes

  private write<R>(op: Op): Promise<R> {
    // A write to an archived run restores it from its archive as it applies: check every byte of the
    // archive first, so that a restore that would fail is refused here and never journaled.
    for (const runId of runsWrittenBy(op)) {
      const key = this.applier.runKey(runId);
      const ref = key === null ? null : this.archiveRef(key);
      if (ref) {
        try {
          this.shelf.verifyOnce(runId, ref);
        } catch (err) {
          return Promise.reject(err);
        }
      }
    }
    return this.submit<R>(op);
  }

  private submit<R>(op: Op): Promise<R> {
    // commitStep entries are made with the op (journal format 2, step-frame.ts); others are the op's JSON.
    const payload = encodeOp(op);
    // After a write failure every new write first tries to reopen the journal (see recoverWrites).
    if (this.journal.writeFailure && !this.closing) return this.journal.recover().then(() => this.journal.submit<R>(op, payload));
    return this.journal.submit<R>(op, payload);
  }

  /** Why writes fail (a full or read-only disk), or null while they work. */
  /** When the store was last written before this open (its last journal file's modification time; null without one). */
  lastWriteBeforeOpen(): string | null {
    return this.lastWriteAt;
  }

  writeFailure(): StoreWriteFailure | null {
    return this.journal.writeFailure;
  }

  /** Calls `listener` when writes start failing (with the failure) and when they work again (null). */
  onWriteState(listener: (failure: StoreWriteFailure | null) => void): () => void {
    this.writeStateListeners.add(listener);
    return () => this.writeStateListeners.delete(listener);
  }

  /**
   * After a write failure: reopens the journal cut back to its last synced length and accepts writes
   * again (the next write tells whether the disk takes it). Throws E_STORE_WRITE when it cannot.
   */
  async recoverWrites(): Promise<void> {
    if (this.closing || this.closed) throw this.closedError();
    await this.journal.recover();
  }

  async putFlow(doc: FlowDocument): Promise<FlowRow> {
    const at = new Date().toISOString();
    const op = putFlowOp(doc, at);
    const createdAt = await this.write<string>(op);
    return { id: doc.id, name: doc.name, doc: JSON.parse(op[3] as string) as FlowDocument, createdAt, updatedAt: at };
  }

  async deleteFlow(id: string): Promise<boolean> {
    return this.write<boolean>(deleteFlowOp(id));
  }

  // Files chosen in node forms: files of the data folder, not rows (kept-files.ts).
  private keptFiles: KeptFilesOnDisk | null = null;

  async putKeptFile(bytes: Buffer): Promise<string> {
    return this.keptFilesOnDisk().put(bytes);
  }

  async readKeptFile(sha256: string): Promise<Buffer | null> {
    return this.keptFilesOnDisk().read(sha256);
  }

  async listKeptFiles(): Promise<KeptFileHead[]> {
    return this.keptFilesOnDisk().list();
  }

  async deleteKeptFile(sha256: string): Promise<boolean> {
    return this.keptFilesOnDisk().delete(sha256);
  }

  private keptFilesOnDisk(): KeptFilesOnDisk {
    return (this.keptFiles ??= new KeptFilesOnDisk(dataDirOf(this.dir)));
  }

  async createRun(run: RunRow, records: RecordData[], extras?: CreateRunExtras): Promise<void> {
    await this.write(createRunOp(run, records, extras));
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    await this.write(updateRunOp(id, patch));
  }

  /**
   * Conditional writes, one at a time: this process is the store's only writer, so the read and the
   * write of one cannot be interleaved with another's (the engine's own guards serialise operators'
   * actions too; on PostgreSQL, shared with other processes, the database decides: pg/writes.ts).
   */
  private conditional<T>(fn: () => Promise<T>): Promise<T> {
    // With none under way it starts at once, so that its write is journaled in the order it was
    // called among the plain writes (a step committed right after a run's delete meets the delete).
    const next = this.conditionalsUnderWay === 0 ? fn() : this.conditionalTail.then(fn, fn);
    this.conditionalsUnderWay++;
    this.conditionalTail = next.then(
      () => void this.conditionalsUnderWay--,
      () => void this.conditionalsUnderWay--,
    );
    return next;
  }
  private conditionalTail: Promise<void> = Promise.resolve();
  private conditionalsUnderWay = 0;

  updateRunIf(id: string, from: readonly RunStatus[], patch: RunPatch): Promise<ConditionalWrite<RunStatus>> {
    return this.conditional(async () => {
      const row = await this.getRun(id);
      if (!row || !from.includes(row.status)) return { written: false, found: row?.status ?? null };
      await this.updateRun(id, patch);
      return { written: true };
    });
  }

  updateRecordIf(update: RecordUpdate, expect: RecordExpectation): Promise<ConditionalWrite<RecordStatus>> {
    return this.conditional(async () => {
      const row = await this.getRecord(update.runId, update.index);
      if (!row || !expect.status.includes(row.status) || (expect.endedAt !== undefined && (row.endedAt ?? null) !== expect.endedAt)) return { written: false, found: row?.status ?? null };
      await this.updateRecord(update);
      return { written: true };
    });
  }

  async commitStep(step: StepRow, record: RecordUpdate, state?: NodeStateWrite[]): Promise<void> {
    await this.write(commitStepOp(step, record, state));
  }

  /** One writer (this process): the read and the write of a claim are not interleaved with another claim's. */
  claimNodeState(scope: string, nodeId: string, key: string, value: Json): Promise<Json> {
    return this.conditional(async () => {
      const kept = await this.getNodeState(scope, nodeId, key);
      if (kept !== null) return kept;
      await this.putNodeState([{ scope, nodeId, key, value }]);
      return value;
    });
  }

  async putNodeState(writes: NodeStateWrite[]): Promise<void> {
    if (writes.length === 0) return this.ensureWritable();
    await this.write(putNodeStateOp(writes));
  }

  async clearNodeState(scope: string, nodeId: string): Promise<void> {
    await this.write(clearNodeStateOp(scope, nodeId));
  }

  async updateRecord(update: RecordUpdate): Promise<void> {
    await this.write(updateRecordOp(update));
  }

  async appendLogs(rows: LogRow[]): Promise<void> {
    if (rows.length === 0) return this.ensureWritable();
    await this.write(appendLogsOp(rows));
  }

  // ---------------------------------------------------------------- retention (retention.ts)

  /**
   * Takes its turn with the conditional writes: between a Resume's read of the run (paused) and its
   * write (running), a Delete removed the run; the Resume then wrote into nothing and answered 200
   * "running" for a run that was gone. Now the Delete sees the run running (E_RUN_ACTIVE), or the
   * Resume finds it deleted (E_RUN_NOT_FOUND).
   */
  deleteRun(runId: string, opts: { force?: boolean; audit: retention.AuditWrite }): Promise<{ records: number }> {
    return this.conditional(async () => {
      const key = this.applier.runKey(runId);
      const ref = key === null ? null : this.archiveRef(key);
      const out = await this.write<{ records: number }>(retention.deleteRunOp(runId, opts.force ?? false, opts.audit));
      // The run is gone with its op: its archive folder goes too (replaying the op does not read it).
      if (ref) this.shelf.deleted(ref.dir);
      this.spill.drop(runId);
      return out;
    });
  }

  async appendAudit(audit: retention.AuditWrite): Promise<void> {
    await this.write(retention.auditOp(audit));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes queued writes, writes a final snapshot, removes the journal and closes the files. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Drops the store the way a crash would: queued writes are rejected, nothing is snapshotted,
   * the journal stays as it is on disk. For tests.
   */
  async kill(): Promise<void> {
    if (this.closing) return this.closing;
    const reason = this.closedError();
    this.closing = (async () => {
      this.stopArchiving();
      this.journal.abandon(reason);
      await this.journal.idle();
      await this.archiving?.catch(() => undefined);
      await this.spill.idle();
      await this.snapshotting;
      this.closed = true;
      try {
        await this.journal.currentFile.close();
      } finally {
        this.shelf.close();
        this.spill.close();
        this.db.close();
        openDirs.delete(this.dir);
      }
    })();
    return this.closing;
  }

  stats(): SqlJsStoreStats {
    return {
      lastSeq: this.lastAppliedSeq,
      snapshotSeq: this.durableSnapshotSeq,
      snapshots: this.snapshotsWritten,
      snapshotBytes: this.lastSnapshotBytes,
      journalBytes: this.journal.currentFile.size,
      journalFiles: this.obsoleteFiles.length + 1,
    };
  }

  private stopArchiving(): void {
    if (this.archiveTimer) clearInterval(this.archiveTimer);
    this.archiveTimer = null;
    if (this.fileCheckTimer) clearInterval(this.fileCheckTimer);
    this.fileCheckTimer = null;
  }

  /**
   * The journal file or the snapshot removed from the folder while the store runs (files-gone.ts):
   * a snapshot is written at once, between two group commits, and the operator told; when none can
   * be written (the folder itself gone), writes stop as on a failed write (E_STORE_WRITE), so that
   * no step is acknowledged that a restart would not find.
   */
  private checkFiles(): Promise<void> {
    this.checkingFiles ??= (async () => {
      try {
        if (this.closing || this.journal.writeFailure) return;
        const gone = await filesGone(this.dir, this.journal.currentFile, this.snapshotOnDisk && !this.snapshotting);
        if (gone.length === 0 || this.closing) return;
        await this.snapshotting;
        const healed = await this.journal.between(async () => {
          await this.snapshotting;
          if (this.closing) return null;
          const failure = await this.rotate();
          if (failure) {
            this.onError(this.journal.stopWrites(unhealedError(gone, failure)));
            return null;
          }
          return this.lastAppliedSeq;
        });
        await this.snapshotting;
        if (healed !== null && this.durableSnapshotSeq >= healed) (this.options.onWarning ?? ((m: string) => console.warn('[store]', m)))(healedWarning(gone, healed));
      } catch (err) {
        this.onError(err);
      } finally {
        this.checkingFiles = null;
      }
    })();
    return this.checkingFiles;
  }

  private async shutdown(): Promise<void> {
    this.stopArchiving();
    // An archive or a batch of step segments under way finishes (its op is written) before the journal closes.
    await this.archiving?.catch(() => undefined);
    await this.spill.idle();
    // Writes failed (a full disk): cut the journal's unacknowledged tail if possible, and write no
    // snapshot: the journal on disk already holds everything that was acknowledged.
    const writesFailed = this.journal.writeFailure !== null;
    if (writesFailed) await this.journal.recover().catch(() => undefined);
    await this.journal.close(this.closedError());
    await this.snapshotting;
    this.closed = true;
    const file = this.journal.currentFile;
    try {
      if (!writesFailed && (this.lastAppliedSeq > this.durableSnapshotSeq || this.obsoleteFiles.length > 0 || this.legacySnapshot)) {
        const seq = this.lastAppliedSeq;
        const bytes = this.exportSnapshot(seq);
        const size = bytes.length;
        this.options.onSnapshot?.({ phase: 'start', seq, bytes: size });
        await file.close();
        // An empty journal starting after the snapshot stays: a store whose snapshot went missing
        // (deleted, moved) is then refused on open instead of starting empty, and one whose journal
        // went missing too (META_JOURNAL_KEPT). Made before the snapshot is written: no crash leaves
        // the new snapshot without it (before the rename, the old snapshot and journal replay).
        const next = await JournalFile.create(this.dir, seq + 1);
        await next.close();
        await writeSnapshot(this.dir, bytes, seq);
        this.durableSnapshotSeq = seq;
        this.legacySnapshot = false;
        this.snapshotsWritten++;
        this.options.onSnapshot?.({ phase: 'done', seq, bytes: size });
        for (const p of [...this.obsoleteFiles, file.path]) if (p !== next.path) await fsp.rm(p, { force: true });
        this.obsoleteFiles = [];
        this.shelf.snapshotDurable(seq);
      } else {
        await file.close();
      }
    } finally {
      this.shelf.close();
      this.spill.close();
      this.db.close();
      openDirs.delete(this.dir);
    }
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * After a flush: once the journal outgrows both the threshold and the last snapshot, export the
   * database (its `meta` row names the last entry it contains), continue in a new journal file at
   * once, and write the snapshot in the background. The old journal files are removed only once the
   * snapshot is durable, so a crash at any point reopens from the old or the new snapshot.
   */
  private async maybeRotate(): Promise<void> {
    if (this.snapshotting) return;
    const current = this.journal.currentFile;
    // Counted unpacked (journal.ts): packing the journal must not let the entries to replay after a crash grow.
    if (current.entryBytes <= Math.max(this.threshold, this.lastSnapshotBytes)) return;
    const failure = await this.rotate();
    if (failure) this.onError(failure); // Keep appending to the current file; the next flush tries again.
  }

  /**
   * Exports the database, goes on in a new journal file at once and writes the snapshot in the
   * background (`snapshotting`). Only between two flushes. Returns why no new journal file could be
   * made (nothing was changed then), or null.
   */
  private async rotate(): Promise<unknown> {
    const seq = this.lastAppliedSeq;
    let next: JournalFile;
    try {
      next = await JournalFile.create(this.dir, seq + 1);
    } catch (err) {
      return err;
    }
    const bytes = this.exportSnapshot(seq);
    const size = bytes.length;
    const old = this.journal.switchFile(next);
    // A journal that held no entry has the new one's name (a rotation forced right after open, or
    // after the empty file was removed): the new file is not among those the snapshot covers.
    const covered = [...this.obsoleteFiles, old.path].filter((p) => p !== next.path);
    this.obsoleteFiles = covered;
    this.options.onSnapshot?.({ phase: 'start', seq, bytes: size });
    // The export (a whole copy of the database) is written and released here, before the next write
    // can grow the database; only the fsync and the rename go on in the background (snapshot.ts).
    const written = writeSnapshot(this.dir, bytes, seq);
    this.snapshotting = (async () => {
      try {
        await Promise.all([written, old.close()]);
        this.durableSnapshotSeq = Math.max(this.durableSnapshotSeq, seq);
        this.legacySnapshot = false;
        this.snapshotsWritten++;
        this.snapshotOnDisk = true;
        for (const p of covered) await fsp.rm(p, { force: true });
        this.obsoleteFiles = this.obsoleteFiles.filter((p) => !covered.includes(p));
        this.shelf.snapshotDurable(seq);
        this.options.onSnapshot?.({ phase: 'done', seq, bytes: size });
      } catch (err) {
        this.onError(err);
      } finally {
        this.snapshotting = null;
      }
    })();
  }

  /** The whole database as a SQLite file whose `meta.last_seq` is `seq`. */
  private exportSnapshot(seq: number): Uint8Array {
    // What the applier held back (record updates, steps) goes into the snapshot (ops.ts).
    this.applier.flushHeld();
    this.sql.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?)', [META_LAST_SEQ, String(seq), META_JOURNAL_KEPT, '1']);
    // The applier's batches since the last commit go into the file the export copies (sql.ts, `batch`).
    this.sql.commit();
    // Archived runs leave free pages behind; once they are an eighth of the file, the snapshot is
    // written compact (VACUUM costs in proportion to what remains, which is small then).
    const free = Number(this.db.exec('PRAGMA freelist_count')[0]?.values[0][0] ?? 0);
    const pages = Number(this.db.exec('PRAGMA page_count')[0]?.values[0][0] ?? 0);
    if (free > 0 && free * 8 > pages) {
      this.sql.invalidate();
      this.db.exec('VACUUM');
    }
    // The export copies the whole database: garbage goes first, so the copy does not stack on it
    // (collect.ts). Only for a database large enough for its copy to matter: a collection costs tens
    // of milliseconds, and stores whose tests snapshot every 16 KiB of journal made no progress.
    if (this.options.collectBeforeSnapshot !== false && pages * PAGE_BYTES >= COLLECT_MIN_BYTES) collectGarbage();
    const bytes = this.db.export();
    // Some sql.js versions free every prepared statement (and reset the connection) when exporting.
    this.sql.invalidate();
    this.db.exec(PRAGMAS);
    this.lastSnapshotBytes = bytes.length;
    return bytes;
  }

  // ---------------------------------------------------------------- archives

  /** Archived runs whose folder was missing or not the recorded one at open (only with `missingArchives: 'allow'`). */
  missingArchives(): Array<{ runId: string; ref: ArchiveRef }> {
    return this.missing;
  }

  /** The archive reference of an archived run (null: its rows are in the database, or no such run). */
  archiveRefOf(runId: string): ArchiveRef | null {
    const key = this.applier.runKey(runId);
    return key === null ? null : this.archiveRef(key);
  }

  /** Whether a run's rows were moved to its archive. */
  isArchived(runId: string): boolean {
    const key = this.applier.runKey(runId);
    return key !== null && this.applier.isArchived(key);
  }

  /**
   * Moves a finished run's rows to its archive: the archive is written and made durable first, then
   * one journaled op drops the rows from memory. Refused (E_RUN_ACTIVE) for a run that is not
   * finished; a run written to meanwhile keeps its rows (the op is refused and the archive removed).
   */
  archiveRun(runId: string): Promise<ArchiveRef> {
    const next = (this.archiving ?? Promise.resolve()).catch(() => undefined).then(() => this.archiveNow(runId));
    this.archiving = next;
    void next.catch(() => undefined).finally(() => {
      if (this.archiving === next) this.archiving = null;
    });
    return next;
  }

  private async archiveNow(runId: string): Promise<ArchiveRef> {
    await this.ensureWritable();
    const key = this.applier.runKey(runId);
    if (key === null) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
    const row = this.sql.one('SELECT status, touched_seq, archive FROM runs WHERE key = ?', [key])!;
    if (row[2] !== null) return JSON.parse(row[2] as string) as ArchiveRef;
    if (!isFinished(row[0] as RunStatus)) throw retention.activeRunError(runId, String(row[0]));
    await this.spill.idle();
    const ref = await writeRunArchive(this.sql, key, runId, this.dir, { ...this.options.archiveWrite, spill: this.spill });
    try {
      await this.submit(archiveOp(runId, Number(row[1]), ref));
    } catch (err) {
      this.shelf.discard(ref.dir);
      throw err;
    }
    // The archive holds the run's spilled steps now; replaying the journal never reads them.
    this.spill.drop(runId);
    return ref;
  }

  /**
   * Makes an archive already in `store/runs/<ref.dir>` the archive of finished run `runId` (one
   * journaled op, as `archiveRun` writes). For building large histories fast in tests and benchmarks:
   * the archive is checked against `ref` first (E_STORE_DAMAGED otherwise).
   */
  async attachArchive(runId: string, ref: ArchiveRef): Promise<void> {
    await this.ensureWritable();
    const key = this.applier.runKey(runId);
    if (key === null) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
    this.shelf.verifyOnce(runId, ref);
    const touched = Number(this.sql.one('SELECT touched_seq FROM runs WHERE key = ?', [key])![0]);
    await this.submit(archiveOp(runId, touched, ref));
  }

  /** Archives the finished runs that ended more than `afterMs` ago, oldest first, one at a time. */
  private async archiveDue(afterMs: number): Promise<void> {
    if (this.archiving || this.closing || this.journal.writeFailure) return;
    const before = new Date(Date.now() - afterMs).toISOString();
    const due = this.sql.all(
      "SELECT id FROM runs WHERE archive IS NULL AND status IN ('completed', 'failed') AND ended_at IS NOT NULL AND ended_at < ? ORDER BY ended_at LIMIT 20",
      [before],
    );
    for (const [id] of due) {
      const runId = id as string;
      if ((this.archiveRefused.get(runId) ?? 0) > Date.now()) continue;
      if (this.closing) return;
      try {
        await this.archiveRun(runId);
      } catch (err) {
        // Written to meanwhile, or the disk refused: try again later, without stalling the others.
        // Damage stays until `store repair`, which needs the studio stopped: not tried again by this
        // process (each try rewrote the archive up to the damaged record), and logged once.
        const damaged = err instanceof ConveyorError && err.code === 'E_STORE_DAMAGED';
        this.archiveRefused.set(runId, damaged ? Infinity : Date.now() + afterMs);
        if (!this.closing) this.onError(err);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private async ensureWritable(): Promise<void> {
    if (this.closing || this.closed) throw this.closedError();
  }
}

/**
 * Brings a database written by an older version up to the current layout: adds the missing columns
 * (and fills them from what the rows already hold). New tables come from `SCHEMA` (IF NOT EXISTS).
 */
function upgradeSchema(db: Database): void {
  const columns = new Map<string, Set<string>>();
  const columnsOf = (table: string): Set<string> => {
    let set = columns.get(table);
    if (!set) {
      set = new Set((db.exec(`PRAGMA table_info(${table})`)[0]?.values ?? []).map((row) => String(row[1])));
      columns.set(table, set);
    }
    return set;
  };
  for (const added of ADDED_COLUMNS) {
    const set = columnsOf(added.table);
    if (set.has(added.column)) continue;
    db.exec(added.ddl);
    if (added.backfill) db.exec(added.backfill);
    set.add(added.column);
  }
}

