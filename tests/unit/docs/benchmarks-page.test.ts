import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

/**
 * docs/benchmarks.md is written by `npm run bench` (bench/run.ts) from the figures kept in
 * bench/results and the sections in bench/*-section.ts. Text added to the page by hand is gone at the
 * next run of the bench (two sessions' measurements were, until they moved to bench/write-path-section.ts):
 * the page must be exactly what the script writes from the kept figures, but for the date it was written.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withoutDate = (page: string) => page.replace(/^Written by `npm run bench` on \d{4}-\d{2}-\d{2} /m, 'Written by `npm run bench` on (date) ');

it('docs/benchmarks.md is what `npm run bench` writes from the kept figures (nothing in it only by hand)', () => {
  const out = path.join(dir, 'benchmarks.md');
  // No case named: every case's kept figures, nothing measured.
  execFileSync(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
    env: { ...process.env, BENCH_ONLY: 'none', BENCH_OUT: out },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  const written = withoutDate(readFileSync(out, 'utf8'));
  const page = withoutDate(readFileSync('docs/benchmarks.md', 'utf8'));
  expect(written.length).toBeGreaterThan(10_000);
  const lines = (t: string) => t.split('\n');
  // Line by line first: a failure names the first line that differs rather than dumping two pages.
  const a = lines(page);
  const b = lines(written);
  const first = a.findIndex((line, i) => line !== b[i]);
  expect(first === -1 ? null : { line: first + 1, page: a[first], bench: b[first] }).toBeNull();
  expect(a.length).toBe(b.length);
});
