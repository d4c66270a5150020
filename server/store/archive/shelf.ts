/**
 * The store's run archives as a whole: which archived runs there are, readers for the few read lately,
 * the open-time check, and the removal of folders no run names any more — but only once nothing could
 * need them again: a folder whose run was restored (or a leftover of a crash before its archive op)
 * is removed after the next snapshot that covers that moment, since replaying an older journal would
 * read it again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { storeDamagedError } from '../integrity.ts';
import type { Sql } from '../sql.ts';
import { ArchiveDamage } from './frames.ts';
import { archiveDamagedError } from './apply.ts';
import { ARCHIVES_DIR, type ArchiveRef } from './layout.ts';
import { RunArchive } from './reader.ts';
import { spillDirName } from './spill.ts';

/** Readers kept open (their index in memory and their files open): the runs read lately. */
const READERS = 4;

export class ArchiveShelf {
  private readonly readers = new Map<string, RunArchive>();
  private readonly verified = new Set<string>();
  /** Folders to remove once a durable snapshot contains entry `seq` (null: the batch under way). */
  private pending: Array<{ dir: string; seq: number | null }> = [];
  readonly root: string;

  constructor(
    readonly storeDir: string,
    private readonly sql: Sql,
  ) {
    this.root = path.join(storeDir, ARCHIVES_DIR);
  }

  /** The archive reference of the run with this key, or null when its rows are in the database. */
  ref(key: number): ArchiveRef | null {
    const v = this.sql.one('SELECT archive FROM runs WHERE key = ?', [key])?.[0];
    return typeof v === 'string' ? (JSON.parse(v) as ArchiveRef) : null;
  }

  /**
   * Checks every byte of the run's archive once per process (it never changes): before a write that
   * will restore the run is journaled. Damage answers E_STORE_DAMAGED.
   */
  verifyOnce(runId: string, ref: ArchiveRef): void {
    if (this.verified.has(ref.dir)) return;
    this.read(runId, ref, (a) => {
      const damage = a.verify();
      if (damage) throw damage;
    });
    this.verified.add(ref.dir);
  }

  /** Runs `fn` on the run's archive; damage answers E_STORE_DAMAGED (never altered bytes). */
  read<T>(runId: string, ref: ArchiveRef, fn: (a: RunArchive) => T): T {
    try {
      let reader = this.readers.get(ref.dir);
      if (reader) this.readers.delete(ref.dir);
      else reader = RunArchive.open(path.join(this.root, ref.dir), runId, ref.digest);
      this.readers.set(ref.dir, reader); // most recent last
      while (this.readers.size > READERS) {
        const [oldest, r] = this.readers.entries().next().value as [string, RunArchive];
        r.close();
        this.readers.delete(oldest);
      }
      return fn(reader);
    } catch (err) {
      if (err instanceof ArchiveDamage) throw archiveDamagedError(this.storeDir, runId, err);
      throw err;
    }
  }

  private evict(dir: string): void {
    this.readers.get(dir)?.close();
    this.readers.delete(dir);
  }

  /** Every archived run: id and reference. */
  archivedRuns(): Array<{ runId: string; ref: ArchiveRef }> {
    return this.sql.all('SELECT id, archive FROM runs WHERE archive IS NOT NULL', []).map((r) => ({ runId: r[0] as string, ref: JSON.parse(r[1] as string) as ArchiveRef }));
  }

  /**
   * On open: every archived run's folder is there with the manifest the journal recorded (each frame
   * is checked when read; `store verify` checks every byte). A missing or different one refuses the open.
   */
  check(allowMissing = false): Array<{ runId: string; ref: ArchiveRef }> {
    const missing: Array<{ runId: string; ref: ArchiveRef }> = [];
    for (const { runId, ref } of this.archivedRuns()) {
      try {
        RunArchive.open(path.join(this.root, ref.dir), runId, ref.digest).close();
      } catch (err) {
        if (!(err instanceof ArchiveDamage)) throw err;
        // Repair opens the store to delete the runs whose archive it moved aside.
        if (allowMissing) {
          missing.push({ runId, ref });
          continue;
        }
        throw storeDamagedError(this.storeDir, {
          file: err.file,
          offset: err.offset,
          reason: err.reason,
          loss: null,
          lost: `It holds the archive of run ${runId} (${ref.records} records, ${ref.steps} steps).`,
        });
      }
    }
    return missing;
  }

  /**
   * On open, after the journal was replayed: removes unfinished archive folders (`.tmp-*`), and
   * folders no run names — at once when the journal held nothing past the snapshot, else after the
   * next snapshot (replaying the journal again could need them).
   */
  sweepOnOpen(journalReplayed: boolean, lastSeq: number): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return;
    }
    const referenced = new Set(this.archivedRuns().map((a) => a.ref.dir));
    // Step segments of runs whose finished records' steps are in them (archive/spill.ts).
    for (const r of this.sql.all('SELECT DISTINCT ru.id FROM spilled_steps s JOIN runs ru ON ru.key = s.run_key', [])) referenced.add(spillDirName(r[0] as string));
    for (const name of names) {
      if (name.startsWith('.tmp-')) fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
      else if (!referenced.has(name)) {
        if (journalReplayed) this.pending.push({ dir: name, seq: lastSeq });
        else fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  /** A run was put back in the database from this folder (by an entry of the batch being applied). */
  restored(dir: string): void {
    this.evict(dir);
    this.pending.push({ dir, seq: null });
  }

  /** The batch being applied ends with entry `seq`. */
  batchApplied(seq: number): void {
    for (const p of this.pending) if (p.seq === null) p.seq = seq;
  }

  /** A durable snapshot contains every entry up to `seq`: folders no longer needed are removed. */
  snapshotDurable(seq: number): void {
    if (this.pending.length === 0) return;
    const referenced = new Set(this.archivedRuns().map((a) => a.ref.dir));
    const keep: typeof this.pending = [];
    for (const p of this.pending) {
      // Still named by a run (its restore was rolled back): not to remove.
      if (referenced.has(p.dir)) continue;
      if (p.seq === null || p.seq > seq) keep.push(p);
      else fs.rmSync(path.join(this.root, p.dir), { recursive: true, force: true });
    }
    this.pending = keep;
  }

  /** A run was deleted: its archive folder goes now, unless an older entry restored from it (then after the snapshot). */
  deleted(dir: string): void {
    this.evict(dir);
    if (this.pending.some((p) => p.dir === dir)) return;
    fs.rmSync(path.join(this.root, dir), { recursive: true, force: true });
  }

  /** An archive written but not recorded (its op refused): nothing names it. */
  discard(dir: string): void {
    this.evict(dir);
    fs.rmSync(path.join(this.root, dir), { recursive: true, force: true });
  }

  close(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}
