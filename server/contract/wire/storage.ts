/** Storage and retention as the API answers (GET /api/storage, POST /api/storage/prune, GET /api/storage/audit). */
import type { RunStatus } from '../status.ts';

/** A run as the storage page lists it (no flow document). */
export interface RunHead {
  id: string;
  flowId: string;
  flowName: string;
  status: string;
  recordCount: number;
  createdAt: string;
  endedAt: string | null;
  /** The uploaded file the run read (`settings.upload`), if any. */
  upload: string | null;
}

/** A run with the space it takes (GET /api/storage). */
export interface RunSpace extends RunHead {
  /** Estimate of the run's rows in the store (lengths of its text columns). */
  storeBytes: number;
  /** Its evidence files on disk (DATA_DIR/evidence/<runId>/). */
  evidenceBytes: number;
  /** Its uploaded input file, if any (shared with other runs that read the same upload). */
  uploadBytes: number;
  bytes: number;
}

export interface StorageTotals {
  runs: number;
  /** Sum of the runs' estimates. */
  runBytes: number;
  /** Bytes on disk per folder of DATA_DIR; `store` on PostgreSQL: the database's size on its server (pg_database_size). */
  disk: { store: number; evidence: number; uploads: number; archive: number };
  /**
   * PostgreSQL: what of the database's size (`disk.store`) is evidence and shared uploads — kept there
   * so that every studio and worker reads them; `disk.evidence` and `disk.uploads` are then this
   * studio's own folders only. Null on the embedded store (all of them are folders of DATA_DIR).
   */
  database: { evidence: number; uploads: number } | null;
  /** Files chosen in node forms (DATA_DIR/kept-files, or the database's kept_files): each counted once. */
  keptFiles: { files: number; bytes: number };
}

/** What POST /api/storage/clean-uploads answers (and the hourly sweep does). */
export interface CleanupResult {
  /** Uploads no run names, older than the grace period. */
  deleted: Array<{ id: string; bytes: number }>;
  /** Evidence folders of runs that are gone. */
  evidence: string[];
  /** Files chosen in node forms that no saved flow and no run's flow copy names, not kept within the grace period. */
  keptFiles: Array<{ sha256: string; bytes: number }>;
  bytes: number;
}

/** What GET /api/storage answers: one page of runs by size or age, and the totals. */
export interface StorageAnswer {
  totals: StorageTotals;
  total: number;
  items: RunSpace[];
  uploadGraceHours: number;
  archiveDir: string;
}

export interface PruneCandidate {
  id: string;
  flowName: string;
  status: string;
  createdAt: string;
  endedAt: string | null;
  records: number;
  bytes: number;
}

/** What POST /api/storage/prune answers. */
export interface PruneResult {
  dryRun: boolean;
  /** Runs that ended (or started, when they never ended) before this are taken. */
  cutoff: string;
  statuses: RunStatus[];
  /** Deleted (or, in a dry run, that would be). */
  runs: PruneCandidate[];
  bytes: number;
  /** Old enough but kept, and why. */
  skipped: Array<PruneCandidate & { code: string; reason: string }>;
  archive: string | null;
}

/**
 * What a 'steps.lost' row says: `store repair` could not keep the steps of some finished records of a
 * run (their frames in the run's step segments were damaged); the records stay, with no steps.
 */
export interface LostStepsDetail {
  repair: 'damaged step segments';
  /** Steps lost in all. */
  steps: number;
  /** The records, in order (the first 200): steps lost, up to which step, where the damage was. */
  lost: Array<{ record: number; steps: number; upToStep: number; file: string; offset: number; reason: string }>;
  /** Records lost beyond the listed ones (all are in the repair report). */
  more: number;
  /** The folder holding the damaged segments' original bytes (never deleted). */
  copiedTo: string;
  /** The repair's report (every record, every step count). */
  report: string;
}

/**
 * What a 'files.lost' row says: `store repair` moved damaged or missing evidence files (of the row's
 * run) or uploads (runId null) aside; their records say they are gone.
 */
export interface LostFilesDetail {
  repair: 'damaged evidence or uploads';
  files: Array<{ kind: 'evidence' | 'upload'; ref: string; state: 'damaged' | 'missing'; reason: string; movedTo: string | null }>;
}

/** One line of the storage audit trail (GET /api/storage/audit). */
export interface AuditEntry {
  id: number;
  at: string;
  actor: 'operator' | 'cli' | 'policy';
  /** steps.lost: `store repair` could not keep a run's steps in damaged step segments (detail: LostStepsDetail); files.lost: its damaged evidence or uploads (detail: LostFilesDetail). */
  action: 'run.delete' | 'run.archive' | 'uploads.cleanup' | 'steps.lost' | 'files.lost';
  runId: string | null;
  flowId: string | null;
  flowName: string | null;
  /** Records deleted (a run), files deleted (uploads). */
  records: number;
  /** Bytes freed (estimate: store + files on disk). */
  bytes: number;
  /** What else there is to say: the archive folder, whether it was forced, the files removed. */
  detail: ({ archive?: string | null; forced?: boolean; uploads?: string[]; keptFiles?: string[] } & Partial<LostStepsDetail> & Partial<Omit<LostFilesDetail, 'repair'>>) | null;
}
