/** The store contract against the embedded sql.js store (a new data folder per test). */
import { afterAll, describe } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../../server/store/sqljs-store.ts';
import type { Store } from '../../../../server/store/types.ts';
import { removeTempDirs, tempDir } from '../fixtures.ts';
import { storeContract } from './index.ts';

const dirs = new WeakMap<Store, string>();

describe('store contract: embedded (sql.js)', () => {
  afterAll(removeTempDirs);
  storeContract({
    async open() {
      const dir = tempDir();
      const store: SqlJsStore = await openSqlJsStore(dir);
      dirs.set(store, dir);
      return store;
    },
    async reopen(store) {
      await store.close();
      const dir = dirs.get(store)!;
      const again = await openSqlJsStore(dir);
      dirs.set(again, dir);
      return again;
    },
  });
});
