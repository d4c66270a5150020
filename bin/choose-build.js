// Whether bin/conveyor.js may run the compiled build in dist-server/ (scripts/build-server.mjs):
// only while no source file that went into it has changed or gone since it was made.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Why the compiled build under `root` cannot be used, or null when it can. */
export function buildProblem(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(root, 'dist-server', 'inputs.json'), 'utf8'));
  } catch {
    return 'there is no compiled build';
  }
  for (const file of manifest.inputs) {
    let changed;
    try {
      changed = statSync(path.join(root, file)).mtimeMs;
    } catch {
      return `${file} is gone since the last build`;
    }
    if (changed > manifest.builtAt) return `${file} changed since the last build`;
  }
  return null;
}
