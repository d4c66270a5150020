/**
 * Whether the studio executes records itself (the default) or leaves them to `npx conveyor worker`
 * processes (`serve --no-execute`, CONVEYOR_EXECUTE=0). Only the PostgreSQL store is shared with
 * workers: refused on the embedded store, where nothing would ever run.
 */
import { ConveyorError } from '../errors.ts';
import type { StoreChoice } from '../store/open-store.ts';

export function executeSetting(choice: StoreChoice, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CONVEYOR_EXECUTE ?? '').trim().toLowerCase();
  if (v === '' || v === '1' || v === 'true' || v === 'yes') return true;
  if (v !== '0' && v !== 'false' && v !== 'no') {
    throw new ConveyorError('E_EXECUTE_SETTING', `CONVEYOR_EXECUTE is "${env.CONVEYOR_EXECUTE}": it must be 1 or 0.`, 'Leave it unset (the studio executes runs), or set CONVEYOR_EXECUTE=0 (or serve --no-execute) with workers on the PostgreSQL store.', 500);
  }
  if (choice.kind !== 'postgres') {
    throw new ConveyorError('E_EXECUTE_SETTING', 'The studio was asked not to execute runs (--no-execute, CONVEYOR_EXECUTE=0), but its store is the embedded one, which no worker can reach: nothing would ever run.', 'Set CONVEYOR_STORE=postgres and DATABASE_URL for the studio and its workers, or start the studio without --no-execute.', 500);
  }
  return false;
}
