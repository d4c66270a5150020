import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Data at rest is private to the user running Conveyor (docs/security.md, "Data at rest").
 *
 * Everything under DATA_DIR (store, journal, snapshot, uploads, evidence, vault, logs, tmp,
 * archive) and the backups `conveyor store backup` writes is created 0700 (folders) / 0600
 * (files), whatever the umask the studio was started with. We set the process umask to 077 when
 * the studio or the CLI starts rather than passing a mode to every mkdir/open: files are also
 * created by libraries (sql.js export, exceljs temp files, upload streams) whose open calls we do
 * not control, and a forgotten `mode` would silently leak one kind of file. Files created before
 * (an older version, a copy made under umask 022) are tightened by `tightenDataDir` at start.
 */
export const PRIVATE_UMASK = 0o077;

/** Makes every file and folder this process creates from now on private to its user. */
export function makeCreatedFilesPrivate(): void {
  process.umask(PRIVATE_UMASK);
}

/**
 * Removes group and other permissions from `dir` and everything under it (symbolic links are not
 * followed). Returns what it changed, and logs one line when anything was changed.
 */
export function tightenDataDir(dir: string, log: (line: string) => void = (line) => console.error(line)): { folders: number; files: number } {
  const changed = { folders: 0, files: 0 };
  const visit = (p: string, depth: number): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return; // gone meanwhile
    }
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) {
      try {
        chmodSync(p, st.isDirectory() ? 0o700 : st.mode & 0o700);
        if (st.isDirectory()) changed.folders++;
        else changed.files++;
      } catch {
        // not ours to change (another owner): left as it is
      }
    }
    if (st.isDirectory() && depth < 32) {
      let names: string[] = [];
      try {
        names = readdirSync(p);
      } catch {
        return;
      }
      for (const name of names) visit(path.join(p, name), depth + 1);
    }
  };
  visit(dir, 0);
  if (changed.folders || changed.files) {
    log(`Data folder ${dir}: made ${changed.folders} folder(s) and ${changed.files} file(s) private to this user (0700/0600); other users could read them before.`);
  }
  return changed;
}
