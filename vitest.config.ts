import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './tests/support/slow-first-sequencer.ts';
import { lazyPackagesForVite } from './scripts/lazy-packages.mjs';
import { LAZY } from './scripts/server-build-options.mjs';

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
          include: ['nodes/**/*.test.ts', 'server/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          // Vitest's default is one file at a time on a 2-core machine (cores − 1). Most unit files
          // wait on child processes, PostgreSQL, Dovecot or Chromium rather than compute, so two at a
          // time: all unit files 557 s, then the e2e files 694 s (Vitest runs a project whose files go
          // one at a time after all others). Running the two projects side by side with one unit file
          // at a time was slower; two e2e files at once doubled their times (Chromium-bound).
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
          // 143 s → 118 s, the import time 50 s → 27 s.
          isolate: false,
          // A non-isolated project needs a group of its own (different maxWorkers from unit's); after unit's.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
