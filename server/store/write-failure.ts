/**
 * What the store says when it cannot write (a full disk, a read-only or failing disk): one coded
 * error, `E_STORE_WRITE`, naming the folder and the operating system's error, with what to do.
 * See docs/architecture.md, "Durable store" → "When a write fails".
 */
import { ConveyorError } from '../errors.ts';

/** The store's write failure, as health, runs and API answers tell it. */
export interface StoreWriteFailure {
  code: 'E_STORE_WRITE';
  message: string;
  hint: string;
  /** The operating system's error code (ENOSPC, EIO, EROFS, EDQUOT, EACCES…), or null when there is none. */
  osCode: string | null;
  /** When writes started failing (ISO time). */
  since: string;
}

/** Rejects every write while the store cannot write: HTTP 503, so a client knows to try again later. */
export class StoreWriteError extends ConveyorError {
  readonly osCode: string | null;

  constructor(readonly failure: StoreWriteFailure, cause?: unknown) {
    super(failure.code, failure.message, failure.hint, 503);
    this.osCode = failure.osCode;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

export function isStoreWriteError(err: unknown): err is StoreWriteError {
  return err instanceof StoreWriteError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'E_STORE_WRITE');
}

/** Builds the failure for an error met while writing or syncing the journal in `dir`. */
export function describeWriteFailure(dir: string, err: unknown, since = new Date().toISOString()): StoreWriteFailure {
  const osCode = typeof (err as { code?: unknown })?.code === 'string' ? ((err as { code: string }).code) : null;
  const detail = err instanceof Error ? err.message : String(err);
  const what: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EFBIG: 'the file grew past the size the file system allows',
    EROFS: 'the file system is read-only',
    EACCES: 'permission was denied',
    EPERM: 'the operation was not permitted',
    EIO: 'the disk reported an input/output error',
    ENOENT: 'a file or folder of the store was removed while it ran',
  };
  const why = (osCode && what[osCode]) ?? 'the operating system refused the write';
  const todo =
    osCode === 'ENOSPC' || osCode === 'EDQUOT' || osCode === 'EFBIG'
      ? `Free space on the disk that holds ${dir} (DATA_DIR)`
      : osCode === 'EROFS' || osCode === 'EACCES' || osCode === 'EPERM'
        ? `Make ${dir} (DATA_DIR) writable again (remount it read-write, fix its owner or permissions)`
        : osCode === 'ENOENT'
          ? `Put back what was removed from ${dir} (DATA_DIR), or restore a backup (conveyor store restore), and restart the studio`
          : `Check the disk that holds ${dir} (DATA_DIR) and the system log`;
  return {
    code: 'E_STORE_WRITE',
    message:
      `Conveyor could not write to its data folder ${dir}: ${why} (${detail}). ` +
      'Runs stopped taking new steps; what was committed before is kept, and nothing written since was acknowledged.',
    hint: `${todo}, then press Resume on the halted runs (or try again): the store reopens its journal and they continue from their last committed step.`,
    osCode,
    since,
  };
}
