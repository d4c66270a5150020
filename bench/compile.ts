// Benchmark cases compiled as the studio's server is (scripts/server-build-options.mjs), so that a
// case measures the code as it ships: the packages its flow never uses (Playwright, ExcelJS,
// ImapFlow…) load on first use, and no TypeScript loader runs beside it. Run from the sources under
// tsx, a case's process held 42 MB more of heap before its first record (those packages, loaded at
// once) and the loader's own memory. Written to bench/.build/ (inside the repository: packages
// resolve from node_modules), with the code step's sandbox worker beside them, where the sandbox
// pool looks for it in a build (nodes/core/lib/sandbox/pool.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = new Map<string, string>();

/** The compiled file of `bench/<name>.ts`, built once per process. */
export async function compiledCase(name: string): Promise<string> {
  const done = built.get(name);
  if (done) return done;
  const { build } = await import('esbuild');
  const { serverBuildOptions } = await import('../scripts/server-build-options.mjs');
  const outdir = path.join(root, 'bench', '.build');
  await build({
    ...serverBuildOptions(root),
    entryPoints: { [name]: path.join(root, 'bench', `${name}.ts`), 'sandbox-worker': path.join(root, 'nodes/core/lib/sandbox/worker.ts') },
    outdir,
  });
  const file = path.join(outdir, `${name}.js`);
  built.set(name, file);
  return file;
}
