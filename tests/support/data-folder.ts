/**
 * What a data folder holds, readable: every file's bytes and, for the store's own files, what they
 * hold once unpacked — journal entries (packed frames are deflated), the snapshot's SQLite bytes
 * (deflated chunks), and segment payloads (deflated frames). Tests that prove a secret never reaches
 * the disk search this, not the raw bytes alone: a secret inside a deflated frame would not show in
 * the raw bytes, and such a search would prove nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { frameIn } from '../../server/store/archive/frames.ts';
import { scanJournal } from '../../server/store/integrity.ts';
import { checkSnapshot } from '../../server/store/snapshot.ts';

/** The unpacked content of one file of the store (null: not a store file, or nothing to unpack). */
function unpacked(file: string, raw: Buffer): Buffer | null {
  const name = path.basename(file);
  const journal = /^journal-(\d+)\.log$/.exec(name);
  if (journal) {
    const scan = scanJournal({ path: file, startSeq: Number(journal[1]) }, raw, true);
    return Buffer.from([...scan.frames, ...(scan.damage?.after ?? [])].map((f) => f.payload).join('\n'), 'utf8');
  }
  if (name === 'conveyor.db' || name === 'conveyor.db.tmp') {
    const bytes = checkSnapshot(raw).bytes;
    return bytes ? Buffer.from(bytes) : null;
  }
  if (name.endsWith('.seg') || name.endsWith('.bin')) {
    const parts: Buffer[] = [];
    for (let pos = 0; pos < raw.length; ) {
      const f = frameIn(raw, pos);
      if ('reason' in f) break;
      parts.push(f.payload);
      pos = f.end;
    }
    return Buffer.concat(parts);
  }
  return null;
}

/** Every file under `dir`: its bytes, then (for the store's files) what it holds unpacked. */
export function folderFiles(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const raw = readFileSync(file);
    const inside = unpacked(file, raw);
    out.push({ path: file, bytes: inside ? Buffer.concat([raw, Buffer.from('\n'), inside]) : raw });
  }
  return out;
}

/** Every byte under `dir` (the store's files unpacked too), as latin1 text: any UTF-8 substring can be searched. */
export function folderText(dir: string): string {
  return folderFiles(dir)
    .map((f) => f.bytes.toString('latin1'))
    .join('\n');
}
