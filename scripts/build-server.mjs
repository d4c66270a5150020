// `npm run build:server` (part of `npm run build` and `npm start`): compiles the server and CLI to
// plain JavaScript in dist-server/, so starting them does not compile TypeScript at run time (tsx
// stays for development and tests). Packages stay external and load from node_modules, except the
// few small ones every start needs (bundled-packages.mjs).
//
// Worker threads are entries of their own, next to cli.js: the sandbox pool and the spreadsheet
// read pool look for ./sandbox-worker.js and ./sheet-read-worker.js beside the module that starts
// them and use their tsx entry (.mjs) when it is not there (running from the sources).
//
// dist-server/inputs.json lists the source files that went in: bin/conveyor.js uses the build
// only while none of them is newer than it.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverBuildOptions } from './server-build-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'dist-server');
// Built beside it, then swapped in: a CLI starting meanwhile sees the old build or none, never half of one.
const out = `${target}.building-${process.pid}`;
const started = Date.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// A failed build leaves nothing behind (the previous build stays as it was).
const result = await build({
  ...serverBuildOptions(root),
  entryPoints: {
    cli: 'server/cli/main.ts',
    'sandbox-worker': 'nodes/core/lib/sandbox/worker.ts',
    'sheet-read-worker': 'nodes/spreadsheet/lib/read-worker.ts',
  },
  outdir: out,
  sourcemap: 'linked',
  metafile: true,
}).catch((err) => {
  rmSync(out, { recursive: true, force: true });
  throw err;
});
// package-lock.json too: an upgrade of a package compiled into the build (bundled-packages.mjs) makes it stale.
const inputs = [...Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules') && !file.includes(':')), 'package-lock.json'];
writeFileSync(path.join(out, 'inputs.json'), JSON.stringify({ builtAt: started, inputs }, null, 1) + '\n');
const old = `${target}.old-${process.pid}`;
// Another build may swap its own in between (several people in one checkout): then try again.
for (let attempt = 1; ; attempt++) {
  try {
    renameSync(target, old);
  } catch {
    // no earlier build
  }
  try {
    renameSync(out, target);
    break;
  } catch (err) {
    if (attempt >= 5) throw err;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}
process.stderr.write(`dist-server: ${inputs.length} source files compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
