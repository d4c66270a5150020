/**
 * The store contract: the behaviour every `Store` implementation (embedded sql.js, PostgreSQL) must
 * show, as suites that take a harness. Each implementation's test file passes its own harness.
 */
import type { Store } from '../../../../server/store/types.ts';

export interface StoreHarness {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Closes `store` and opens the same data again: what the next process sees. */
  reopen(store: Store): Promise<Store>;
}
