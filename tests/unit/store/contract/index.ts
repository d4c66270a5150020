/** The whole store contract (see harness.ts): every suite, against one implementation. */
import type { StoreHarness } from './harness.ts';
import { runsContract } from './runs-contract.ts';
import { auditContract } from './audit-contract.ts';
import { stateContract } from './state-contract.ts';
import { keptFilesContract } from './kept-files-contract.ts';

export type { StoreHarness };

export function storeContract(h: StoreHarness): void {
  runsContract(h);
  auditContract(h);
  stateContract(h);
  keptFilesContract(h);
}
