import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder (where package.json, flows/ and dist/ are), found from this module's own
 * place: server/ when running from the TypeScript sources, dist-server/ in the compiled build
 * (scripts/build-server.mjs), one folder below the project either way. A path written relative
 * to a source file's own folder would be wrong in the build, where every module is in one file.
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
