/**
 * What the running store looks for every few seconds (sqljs-store.ts, `checkFiles`): its current
 * journal file and its snapshot, still under their names in the store's folder.
 *
 * Why: a journal file deleted, moved or replaced while the studio runs (a clean-up script, a person
 * tidying the data folder) takes every write after it into a file no one will read. Nothing fails at
 * the time; the next open refuses the store (its snapshot says a journal follows it) and everything
 * written since the last snapshot is lost. A snapshot deleted meanwhile is the same loss at the next
 * open. Both are healed by writing a snapshot at once: the database in memory holds every entry that
 * was acknowledged, so a fresh snapshot and a new journal after it make them durable again.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { JournalFile } from './journal.ts';
import { SNAPSHOT_FILE } from './snapshot.ts';

/** How often the store looks (ms): a stat of two files, next to nothing. */
export const FILE_CHECK_MS = 2_000;

/** The files the store needs that are no longer there under their names (paths), empty when none. */
export async function filesGone(dir: string, journal: JournalFile, snapshotExpected: boolean): Promise<string[]> {
  const gone: string[] = [];
  if (!(await journal.stillNamed())) gone.push(journal.path);
  if (snapshotExpected) {
    const snapshot = path.join(dir, SNAPSHOT_FILE);
    try {
      await fsp.stat(snapshot);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      gone.push(snapshot);
    }
  }
  return gone;
}

/** What the operator is told once the store wrote a snapshot in place of the files gone. */
export function healedWarning(gone: string[], seq: number): string {
  return `[E_STORE_FILE_GONE] ${gone.join(' and ')} ${gone.length > 1 ? 'were' : 'was'} removed from the store's folder while the studio was running. A snapshot was written at once (entry ${seq}): nothing written is lost. Find what removes files from the data folder and stop it: the store's files are its only copy of your runs.`;
}

/** The error that stops writes when the store cannot write a snapshot in place of the files gone. */
export function unhealedError(gone: string[], cause: unknown): Error {
  const why = cause instanceof Error ? cause.message : String(cause);
  return Object.assign(
    new Error(`${gone.join(' and ')} ${gone.length > 1 ? 'were' : 'was'} removed from the store's folder while the studio was running, and no snapshot could be written in its place (${why}).`),
    { code: (cause as NodeJS.ErrnoException | null)?.code },
  );
}
