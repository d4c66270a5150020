/**
 * Run archives in `store verify`, `store repair` and `store backup` (maintenance.ts): every byte of
 * every archive checked against its manifest, damaged archives moved aside with what they held, and
 * archive folders copied into a backup.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ArchiveDamage, SegmentReader } from './frames.ts';
import { ARCHIVES_DIR, MANIFEST_FILE, type ArchiveManifest } from './layout.ts';
import { RunArchive } from './reader.ts';
import { sha256 } from './writer.ts';
import { isSpillDir } from './spill.ts';

export interface ArchiveCheck {
  /** Folder name under store/runs/. */
  name: string;
  runId: string | null;
  records: number | null;
  steps: number | null;
  bytes: number;
  damage: ArchiveDamage | null;
}

function folders(storeDir: string): string[] {
  try {
    return fs.readdirSync(path.join(storeDir, ARCHIVES_DIR)).sort();
  } catch {
    return [];
  }
}

/** The archive folders of a store (unfinished `.tmp-` ones and runs' step segments left out). */
export function archiveFolders(storeDir: string): string[] {
  return folders(storeDir).filter((n) => !n.startsWith('.tmp-') && !isSpillDir(n));
}

/** The step segments of runs under way (appended to while the studio runs). */
export function spillFolders(storeDir: string): string[] {
  return folders(storeDir).filter(isSpillDir);
}

/**
 * Copies runs' step segments into `dest/runs/`, after the journal was copied: every frame an entry
 * of the copied journal names was durable before that entry was written, so it is in the copy.
 */
export async function copySpills(storeDir: string, dest: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of spillFolders(storeDir)) {
    const to = path.join(dest, ARCHIVES_DIR, name);
    await fsp.rm(to, { recursive: true, force: true });
    try {
      await fsp.cp(path.join(storeDir, ARCHIVES_DIR, name), to, { recursive: true });
      copied.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fsp.rm(to, { recursive: true, force: true });
    }
  }
  return copied;
}

/** Checks every byte of every archive folder against its own manifest; changes nothing. */
export function checkArchives(storeDir: string): ArchiveCheck[] {
  const out: ArchiveCheck[] = [];
  for (const name of archiveFolders(storeDir)) {
    const dir = path.join(storeDir, ARCHIVES_DIR, name);
    let manifest: ArchiveManifest | null = null;
    let damage: ArchiveDamage | null = null;
    const reader = new SegmentReader(dir);
    try {
      manifest = JSON.parse(reader.readAt(MANIFEST_FILE, 0).toString('utf8')) as ArchiveManifest;
    } catch (err) {
      damage = err instanceof ArchiveDamage ? err : new ArchiveDamage(path.join(dir, MANIFEST_FILE), 0, 'the manifest cannot be read');
    } finally {
      reader.close();
    }
    if (manifest) {
      try {
        const digest = sha256(fs.readFileSync(path.join(dir, MANIFEST_FILE)));
        const archive = RunArchive.open(dir, manifest.runId, digest);
        try {
          damage = archive.verify();
        } finally {
          archive.close();
        }
      } catch (err) {
        damage = err instanceof ArchiveDamage ? err : new ArchiveDamage(dir, 0, (err as Error).message);
      }
    }
    const bytes = manifest?.files.reduce((n, f) => n + f.bytes, 0) ?? 0;
    out.push({ name, runId: manifest?.runId ?? null, records: manifest?.records ?? null, steps: manifest?.steps ?? null, bytes, damage });
  }
  return out;
}

export function describeArchives(checks: ArchiveCheck[]): string[] {
  if (checks.length === 0) return [];
  const damaged = checks.filter((c) => c.damage);
  const lines = [`  run archives (${ARCHIVES_DIR}/): ${checks.length}, ${checks.length - damaged.length} ok (every byte checked)`];
  for (const c of damaged) {
    lines.push(`  archive ${c.name}: DAMAGED: ${path.basename(c.damage!.file)} at byte ${c.damage!.offset}: ${c.damage!.reason}${c.runId ? ` (run ${c.runId}${c.records !== null ? `, ${c.records} records, ${c.steps} steps` : ''})` : ''}`);
  }
  return lines;
}

/**
 * Copies archive folders into `dest/runs/` (they never change once written). A folder removed
 * meanwhile is left out (and its partial copy removed): the copy's own open tells whether it needed it.
 */
export async function copyArchives(storeDir: string, dest: string, names = archiveFolders(storeDir)): Promise<string[]> {
  const copied: string[] = [];
  for (const name of names) {
    const from = path.join(storeDir, ARCHIVES_DIR, name);
    const to = path.join(dest, ARCHIVES_DIR, name);
    if (fs.existsSync(to)) continue;
    try {
      await fsp.cp(from, to, { recursive: true, errorOnExist: true, force: false });
      copied.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fsp.rm(to, { recursive: true, force: true });
    }
  }
  return copied;
}
