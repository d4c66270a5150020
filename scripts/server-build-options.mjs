// The esbuild options of the compiled server (build-server.mjs), shared with benchmarks that must
// measure code as the studio runs it (bench/store-memory.ts): the same packages compiled in, the same
// packages loaded on first use. A case run from the TypeScript sources instead loads Playwright,
// ExcelJS, ImapFlow and the rest at once — about 42 MB more of heap before the first record.
import { bundledPackages, REQUIRE_BANNER } from './bundled-packages.mjs';
import { lazyPackages } from './lazy-packages.mjs';

/** Packages a start-up rarely needs (see lazy-packages.mjs). */
export const LAZY = ['playwright-core', 'exceljs', 'imapflow', 'nodemailer', 'pg', 'express', 'socket.io', 'cheerio', '@socket.io/postgres-adapter'];
/** Small pure-JavaScript packages every start loads, compiled into the build (see bundled-packages.mjs). */
export const BUNDLED = ['zod', 'jsonata', 'croner', 're2js', 'papaparse', 'helmet', 'yauzl'];

/** esbuild options for `root`'s server code (entry points and output are the caller's). */
export function serverBuildOptions(root) {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
    plugins: [lazyPackages(LAZY, root), bundledPackages(BUNDLED)],
  };
}
