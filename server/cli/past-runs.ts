import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDataDir } from '../data-dir-lock.ts';
import { openSqlJsStore } from '../store/sqljs-store.ts';
import { openPgStore } from '../store/pg/pg-store.ts';
import { storeChoice } from '../store/open-store.ts';
import type { Store } from '../store/types.ts';
import { storeDirOf } from '../store/store-dir.ts';

export interface PastRuns {
  store: Store;
  close(): Promise<void>;
}

/**
 * The store of past runs, for the dry check to count the records a run would skip (keys done or
 * waiting in earlier runs) exactly as a run would. The data directory is locked as a run locks it
 * (E_DATA_DIR_BUSY while the studio holds it: its own Dry check sees the same runs). A data
 * directory without a store has no past runs: an empty store in a temporary directory stands for it,
 * so the check creates nothing in DATA_DIR.
 */
export async function openPastRuns(dataDir: string): Promise<PastRuns> {
  const dir = path.resolve(dataDir);
  const choice = storeChoice();
  if (choice.kind === 'postgres') {
    // The runs are in PostgreSQL: read alongside a studio that may be working on them (no lock).
    const store = await openPgStore(choice.url, { poolSize: 2 });
    return { store, close: () => store.close() };
  }
  if (!existsSync(storeDirOf(dir))) {
    const temp = mkdtempSync(path.join(os.tmpdir(), 'conveyor-check-'));
    const store = await openSqlJsStore(temp);
    return {
      store,
      async close() {
        await store.close();
        rmSync(temp, { recursive: true, force: true });
      },
    };
  }
  const unlock = lockDataDir(dir);
  try {
    const store = await openSqlJsStore(storeDirOf(dir));
    return {
      store,
      async close() {
        await store.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
