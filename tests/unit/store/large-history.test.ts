/**
 * A store with a large history (built fast: one run written step by step through the store, then
 * copies of its archive attached to further runs) opens, serves old runs' records, steps and report
 * reads, and holds about as much memory as an empty store: history lives in run archives on disk.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { SNAPSHOT_FILE } from '../../../server/store/snapshot.ts';
import { removeTempDirs, tempDir } from './fixtures.ts';
import { copiedRun, historyRun } from './history.ts';

afterAll(removeTempDirs);

const RUNS = 40;
const RECORDS = 5000;
const STEPS = 4;
const CHILD = path.resolve(__dirname, 'history-child.ts');

function measure(dir: string, runIds: string[]) {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, dir, ...runIds], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('a store with 200,000 records of history', () => {
  it('opens, serves old runs (records, pages, steps, report reads, review queue) and holds about the memory of an empty store', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir, { archiveAfterMs: null, onWarning: () => {} });
    const start = Date.UTC(2024, 0, 1);
    await historyRun(store, 'run-000', RECORDS, STEPS, new Date(start));
    for (let r = 1; r < RUNS; r++) await copiedRun(store, dir, 'run-000', `run-${String(r).padStart(3, '0')}`, new Date(start + r * 86_400_000));
    await store.close();
    // The snapshot holds the run rows, not their records and steps.
    expect(fs.statSync(path.join(dir, SNAPSHOT_FILE)).size).toBeLessThan(2 * 2 ** 20);

    const empty = tempDir();
    await (await openSqlJsStore(empty, { archiveAfterMs: null })).close();
    // Each side measured three times, interleaved, its smallest figures kept. The store's own memory
    // (sql.js's WebAssembly heap, counted in external) and the JS heap are the measures: a child's RSS
    // moves by tens of MB with the machine's load alone (101 and 116 MB for two children opening the
    // same empty store; 28 MB over the empty store once in CI), so RSS only bounds gross growth.
    const bases = [];
    const fulls = [];
    for (let i = 0; i < 3; i++) {
      bases.push(measure(empty, []));
      fulls.push(measure(dir, ['run-000', 'run-017', 'run-039']));
    }
    const least = (xs: { rssMb: number; heapMb: number; externalMb: number }[]) => ({
      rssMb: Math.min(...xs.map((x) => x.rssMb)),
      heapMb: Math.min(...xs.map((x) => x.heapMb)),
      externalMb: Math.min(...xs.map((x) => x.externalMb)),
    });
    const base = least(bases);
    const full = { ...fulls[0], ...least(fulls) };

    expect(full.runs).toBe(RUNS);
    expect(full.review).toBe(0);
    for (const read of full.reads) {
      expect(read).toMatchObject({ status: 'completed', recordCount: RECORDS, pageFirst: 4000, pageSize: 50, pageTotal: RECORDS, successFirst: 10, recordTimings: RECORDS, logs: 1 });
      expect(read.counts.success).toBe(RECORDS);
      expect(read.output).toMatchObject({ id: 1234, f4: 1234 * 4 + 'Person 1234'.length });
      expect(read.steps).toHaveLength(STEPS);
      expect(read.steps[2]).toMatchObject({ f3: 1234 * 3 + 'Person 1234'.length });
      expect(read.timingNodes).toEqual(['s1:5000', 's2:5000', 's3:5000', 's4:5000']);
    }
    // The history costs a few MB over an empty store (run rows and the readers of the runs read),
    // where holding its records and steps in the database took hundreds.
    expect(full.externalMb - base.externalMb).toBeLessThan(8);
    expect(full.heapMb - base.heapMb).toBeLessThan(10);
    expect(full.rssMb - base.rssMb).toBeLessThan(60);
  });
});
