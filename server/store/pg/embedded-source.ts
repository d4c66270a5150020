/**
 * The embedded store of a data folder, read table by table for `store copy`: opened once (which
 * replays its journal) and closed (which leaves every entry in its snapshot), then the snapshot's
 * checked bytes are read as a SQLite database. The embedded store itself is never changed otherwise.
 */
import { existsSync } from 'node:fs';
import type { Database, SqlValue } from 'sql.js';
import { openSqlJsStore } from '../sqljs-store.ts';
import { readSnapshotChecked } from '../snapshot.ts';
import { loadSqlJs } from '../sqljs.ts';
import { ConveyorError } from '../../errors.ts';
import { storeDirOf } from '../store-dir.ts';

export interface EmbeddedSource {
  /** Every row of `sql`, in its order, one array per row. */
  rows(sql: string, params?: Array<string | number | null>): SqlValue[][];
  close(): void;
}

export async function openEmbeddedSource(dataDir: string): Promise<EmbeddedSource> {
  const dir = storeDirOf(dataDir);
  if (!existsSync(dir)) {
    throw new ConveyorError('E_STORE_COPY_SOURCE', `There is no embedded store in ${dir}.`, 'Name the data folder the studio ran with (--from DATA_DIR): it holds a store/ folder.', 2);
  }
  // Open and close: the journal is replayed and written into the snapshot (E_STORE_DAMAGED refuses a damaged store).
  await (await openSqlJsStore(dir, { onWarning: () => undefined })).close();
  const SQL = await loadSqlJs();
  const checked = await readSnapshotChecked(dir);
  const db: Database = checked?.bytes ? new SQL.Database(checked.bytes) : new SQL.Database();
  return {
    rows(sql, params = []) {
      // Tables of an empty store (never written) do not exist: nothing to copy from them.
      const exists = db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values.map((v) => String(v[0])) ?? [];
      const table = /\bFROM\s+(\w+)/i.exec(sql)?.[1];
      if (table && !exists.includes(table)) return [];
      const stmt = db.prepare(sql);
      const out: SqlValue[][] = [];
      try {
        stmt.bind(params);
        while (stmt.step()) out.push(stmt.get());
      } finally {
        stmt.free();
      }
      return out;
    },
    close: () => db.close(),
  };
}
