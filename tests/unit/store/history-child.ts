/**
 * Opens a store in its own process (so its memory is its own), serves what the studio shows of old
 * runs, and prints one JSON line: the reads' results, the time to open and the memory held.
 * Arguments: store folder, then the ids of runs to read.
 */
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';

const [dir, ...runIds] = process.argv.slice(2);
const t0 = performance.now();
const store = await openSqlJsStore(dir, { archiveAfterMs: null, onWarning: () => {} });
const openMs = performance.now() - t0;
const reads = [];
for (const runId of runIds) {
  const run = await store.getRun(runId);
  const page = await store.listRecords(runId, { offset: 4000, limit: 50 });
  const success = await store.listRecords(runId, { status: 'success', offset: 10, limit: 5 });
  const record = await store.getRecord(runId, 1234);
  const steps = await store.listSteps(runId, 1234);
  const timings = await store.stepTimings(runId);
  const recordTimings = await store.recordTimings(runId);
  reads.push({
    runId,
    status: run?.status,
    recordCount: run?.recordCount,
    counts: await store.countRecords(runId),
    pageFirst: page.items[0]?.index,
    pageSize: page.items.length,
    pageTotal: page.total,
    successFirst: success.items[0]?.index,
    output: record?.output,
    steps: steps.map((s) => s.output[0].data),
    timingNodes: timings.map((t) => `${t.nodeId}:${t.durations.length}`),
    recordTimings: recordTimings.length,
    logs: (await store.listLogs(runId)).total,
  });
}
const review = await store.listReview({});
const runs = (await store.listRuns({ limit: 1000 })).length;
global.gc?.();
const mem = process.memoryUsage();
await store.close();
console.log(JSON.stringify({ openMs, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, externalMb: (mem.external + mem.arrayBuffers) / 2 ** 20, runs, review: review.total, reads }));
