import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs the fixture files with the suite's summary reporter, for summary-reporter.test.ts.
const dir = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  root: dir,
  test: {
    include: ['*.fixture.ts'],
    reporters: [fileURLToPath(new URL('../summary-reporter.ts', import.meta.url))],
  },
});
