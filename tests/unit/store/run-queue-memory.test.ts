// A run's memory is bounded by the records it has still to start and those under way, not by every
// record it went through (issue 11): once a record is taken from the run's queue and finished, the
// engine keeps no reference to its data. Asserted with weak references after a garbage collection
// while the run is still going, not with RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { flow, testNodes } from '../engine/harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The records, made here so that only the engine holds them; weak references to each one's data. */
function recordsWithRefs(n: number): { records: Array<{ n: number; pad: string }>; refs: Array<WeakRef<object>> } {
  const records = Array.from({ length: n }, (_, i) => ({ n: i, pad: `record ${i} `.repeat(20) }));
  return { records, refs: records.map((r) => new WeakRef(r)) };
}

describe('run queue memory', () => {
  it('drops the data of finished records while the run goes on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-queue-'));
    dirs.push(dir);
    const store = await openSqlJsStore(path.join(dir, 'store'), { archiveAfterMs: null });
    const engine = new Engine({ store, registry: new NodeRegistry(testNodes), dataDir: dir });
    const n = 400;
    const made = recordsWithRefs(n);
    const refs = made.refs;
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 5 }]], [['t', 'a']], 2);
    const run = await engine.startRun(doc, { input: { records: made.records } });
    made.records = [];

    // Wait until at least half the records finished, the run still going.
    for (;;) {
      const c = (await engine.summary(run.id)).counts;
      if (c.success >= n / 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    const summary = await engine.summary(run.id);
    expect(summary.status).toBe('running');
    const finished = summary.counts.success;
    const alive = refs.map((r) => r.deref() !== undefined);
    // Every record before the last few finished ones (a worker's current record, the one it took
    // last) is gone from memory; the records not yet started are still held.
    const heldFinished = alive.slice(0, finished - 4).filter(Boolean).length;
    expect(heldFinished).toBe(0);
    expect(alive.slice(finished + 4).every(Boolean)).toBe(true);

    const end = await engine.waitForRun(run.id);
    expect(end.counts.success).toBe(n);
    // Dropped from memory, not lost: every record's data is in the store.
    expect((await store.getRecord(run.id, 0))?.data).toEqual({ n: 0, pad: 'record 0 '.repeat(20) });
    await engine.shutdown();
    await store.close();
  });
});
