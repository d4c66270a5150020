import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const vitestBin = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
const fixtureConfig = 'tests/support/summary-fixture/vitest.config.ts';

describe('the test summary line', () => {
  it('counts the tests of a file that failed in beforeAll as failed, and the run exits non-zero', () => {
    // The fixture holds a file whose beforeAll throws (two tests never run), and a file with one
    // passing test.
    const run = spawnSync(process.execPath, [vitestBin, 'run', '--config', fixtureConfig], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
    });
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 2 failed');
    expect(run.stdout).toContain('failed files: ');
    expect(run.stdout).toContain('fails-in-before-all.fixture.ts');
    expect(run.status).not.toBe(0);
  });
});
