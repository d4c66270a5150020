/**
 * What a store folder holds, read without opening the store (`store verify` runs beside the studio):
 * the snapshot's database, then every journal entry written after it, in order. Its readers
 * (spill-check.ts: which step frames records name; kept-file-uses.ts: which kept files flows and runs
 * name) replay only the ops that change what they look at.
 */
import type { Database } from 'sql.js';
import type { StoreInspection } from './integrity.ts';
import type { SnapshotCheck } from './snapshot.ts';
import { loadSqlJs } from './sqljs.ts';

/**
 * Hands `fromSnapshot` the snapshot's database (closed after), then `entry` each journal entry past
 * it. False (nothing read) when the snapshot or the journal is damaged: what they held cannot be told.
 */
export async function readStoreFolder(snapshot: SnapshotCheck | null, ins: StoreInspection, fromSnapshot: (db: Database) => void, entry: (payload: string) => void): Promise<boolean> {
  if (ins.damage || snapshot?.state === 'damaged') return false;
  let snapshotSeq = 0;
  if (snapshot) {
    snapshotSeq = ins.snapshot.state === 'ok' || ins.snapshot.state === 'legacy' ? ins.snapshot.seq : 0;
    const SQL = await loadSqlJs();
    const db = new SQL.Database(snapshot.bytes);
    try {
      fromSnapshot(db);
    } finally {
      db.close();
    }
  }
  for (const file of ins.files) for (const f of file.frames) if (f.seq > snapshotSeq) entry(f.payload);
  return true;
}
