// Entry of a sandbox worker thread when running from the sources (see pool.ts; the compiled build
// starts dist-server/sandbox-worker.js instead). The worker has no TypeScript loader of its own.
//
// It runs worker.ts bundled into one plain-JavaScript file, kept in node_modules/.cache under the
// SHA-256 of the source files that went in (re-bundled by esbuild, in a few tens of milliseconds,
// when one of them changes). Registering tsx in each new worker cost 0.7–0.9 s of CPU a start
// against about 0.3 s for the bundle (measured 2026-12-05, load average ~20): a worker starts at the
// first code step of a minute and after every one the watchdog ends. Should the cache be unusable
// (read-only folder, esbuild missing), it registers tsx as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
// Inside node_modules, so the bundle's package imports (quickjs-emscripten) resolve as from the
// sources (CONVEYOR_SANDBOX_CACHE: another folder, for tests).
const cache = process.env.CONVEYOR_SANDBOX_CACHE || path.join(root, 'node_modules', '.cache', 'conveyor-sandbox');
const inputsFile = path.join(cache, 'inputs.json');

/** SHA-256 over the names and contents of the bundle's source files. */
function digest(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(`${file}\0`).update(readFileSync(path.join(root, file)));
  return hash.digest('hex').slice(0, 32);
}

const bundleFor = (inputs) => path.join(cache, `worker-${digest(inputs)}.mjs`);

/** Writes through a name of its own, then renames: a worker starting meanwhile sees all of a file or none. */
function writeAtomically(file, text) {
  const partial = `${file}.${process.pid}-${threadId}`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}

async function bundled() {
  try {
    const file = bundleFor(JSON.parse(readFileSync(inputsFile, 'utf8')));
    if (existsSync(file)) return file;
  } catch {
    // no cache yet, or a source file it lists is gone: bundle again
  }
  const { buildSync } = await import('esbuild');
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [path.join(here, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const file = bundleFor(inputs);
  mkdirSync(cache, { recursive: true });
  writeAtomically(file, result.outputFiles[0].text);
  writeAtomically(inputsFile, JSON.stringify(inputs));
  // Bundles of earlier sources go (a worker that loaded one keeps what it loaded).
  for (const old of readdirSync(cache)) {
    if (/^worker-\w+\.mjs$/.test(old) && old !== path.basename(file)) rmSync(path.join(cache, old), { force: true });
  }
  return file;
}

try {
  await import(pathToFileURL(await bundled()).href);
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worker.ts');
}
