import path from 'node:path';

/** The embedded store's folder in the data folder (DATA_DIR/store): named here once. */
export const STORE_DIR = 'store';

export function storeDirOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), STORE_DIR);
}
