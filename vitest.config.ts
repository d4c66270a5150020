import { configDefaults, defineConfig } from 'vitest/config';
import SlowFirstSequencer from './tests/support/slow-first-sequencer.ts';
import { SHARED_PROCESS_FILES } from './tests/support/shared-process-files.ts';
import { lazyPackagesForVite } from './scripts/lazy-packages.mjs';
import { LAZY } from './scripts/server-build-options.mjs';

const UNIT_FILES = ['nodes/**/*.test.ts', 'server/**/*.test.ts', 'tests/unit/**/*.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // The longest unit files first, so none starts last and keeps the lane open alone.
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // Playwright, ExcelJS, pg, Express… load on first use, as in the built studio: each unit file
        // runs in a fresh process and imported them all with the sources (~900 CommonJS files), ~1.5 s
        // of CPU per file at load 8 (scripts/lazy-packages.mjs). The e2e files share one process.
        plugins: [lazyPackagesForVite(LAZY, import.meta.dirname)],
        test: {
          name: 'unit',
          include: UNIT_FILES,
          // These share a process instead (the next project; tests/support/shared-process-files.ts says why).
          exclude: [...configDefaults.exclude, ...SHARED_PROCESS_FILES],
          environment: 'node',
          testTimeout: 30_000,
          // Vitest's default is one file at a time on a 2-core machine (cores − 1). Most unit files wait on
          // child processes, PostgreSQL, Dovecot or Chromium rather than compute, so two at a time. Full
          // run of 2026-12-07: the unit files took 773 s, and for 296 s of it one lane or none ran a test
          // (each file's ~0.9 s of imports, p90 3.3 s). Three at a time: 628–672 s, but two full runs of
          // three failed five tests between them that pass two at a time, each on a time bound under the
          // load (browser steps given 1 s for a click, a health answer's p90, a 50 ms sleep) — the CPU was
          // 95 % busy. Running the e2e project beside the unit files instead (two Vitest processes) saved
          // 150 of 1,277 s and failed a memory-limit test by its time bound. Two e2e files at once doubled
          // their times (Chromium-bound).
          maxWorkers: 2,
        },
      },
      {
        // The short unit files that leave the process as they found it, in workers that are kept from
        // one file to the next (the modules already loaded stay loaded): tests/support/shared-process-files.ts.
        // Same group and two lanes as 'unit', so they fill its lanes; the sequencer runs them last.
        plugins: [lazyPackagesForVite(LAZY, import.meta.dirname)],
        test: {
          name: 'unit-shared',
          include: [...SHARED_PROCESS_FILES],
          environment: 'node',
          testTimeout: 30_000,
          isolate: false,
          // Puts back the environment, umask and spies a file before may have changed: 81 more files
          // (those that set process.env, the umask or start a studio) share, 149 s isolated → 94 s
          // shared at load 4–6 (2026-12-08). Full run after it, with the e2e files in Chromium's headless
          // shell (tests/e2e/support/browser.ts): 13:17 at mean load 5.7 (unit 450 s, e2e 324 s), against
          // 21:46 (unit 724 s, e2e 579 s) before.
          setupFiles: ['./tests/support/shared-process-setup.ts'],
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // One file at a time: measured again on 2026-12-06 (load 4-10), 6 files took 131 s one after
          // another and 126 s two at a time, each file's time ×1.85 and one of them failing.
          fileParallelism: false,
          // One after another in one worker anyway: keep the studio's modules loaded between files
          // (each file still starts its own studio and Chromium). Measured on 4 files at load 19–27:
          // 143 s → 118 s, the import time 50 s → 27 s. Their pages are in Chromium's headless shell
          // when it is installed (tests/e2e/support/browser.ts): 384 s → 325 s for the 41 files at load 4–5.
          isolate: false,
          // A non-isolated project needs a group of its own (different maxWorkers from unit's); after unit's.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
