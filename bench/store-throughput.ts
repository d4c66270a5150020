/**
 * Store throughput self-check: W concurrent writers, each awaiting its commitStep before the next.
 *
 *   node --import tsx bench/store-throughput.ts [writers=256] [records=20000] [stepsPerRecord=10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlJsStore } from '../server/store/sqljs-store.ts';
import type { RunRow, StepRow } from '../server/store/types.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

const writers = Number(process.argv[2] ?? 256);
const records = Number(process.argv[3] ?? 20_000);
const stepsPerRecord = Number(process.argv[4] ?? 10);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'bench',
  name: 'Bench',
  description: '',
  settings: { concurrency: writers },
  nodes: [],
  edges: [],
};

async function main(): Promise<void> {
  let snapshots = 0;
  const store = await openSqlJsStore(dir, { onSnapshot: (e) => e.phase === 'done' && snapshots++ });
  const run: RunRow = {
    id: 'run-bench',
    flowId: flow.id,
    flowName: flow.name,
    flow,
    status: 'running',
    settings: { concurrency: writers },
    recordCount: records,
    reason: null,
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    endedAt: null,
  };
  const data = Array.from({ length: records }, (_, i) => ({ id: i, name: `Customer ${i}`, email: `c${i}@example.com`, amount: i * 1.5 }));
  let t = performance.now();
  await store.createRun(run, data);
  console.log(`createRun with ${records} records: ${(performance.now() - t).toFixed(0)} ms`);

  let next = 0;
  const now = new Date().toISOString();
  t = performance.now();
  async function writer(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= records) return;
      const input = data[i];
      for (let seq = 1; seq <= stepsPerRecord; seq++) {
        const out = { ...input, step: seq };
        const step: StepRow = {
          runId: run.id,
          recordIndex: i,
          seq,
          tokenId: 1,
          nodeId: `node${seq}`,
          nodeType: 'transform',
          attempt: 1,
          status: 'success',
          input: seq === 1 ? input : null,
          inputFrom: seq === 1 ? null : seq - 1,
          output: [{ port: 'out', data: out }],
          error: null,
          evidence: [],
          startedAt: now,
          endedAt: now,
          durationMs: 0.5,
        };
        await store.commitStep(step, {
          runId: run.id,
          index: i,
          status: seq === stepsPerRecord ? 'success' : 'running',
          checkpoint: { tokens: [{ id: 1, nodeId: `node${seq + 1}`, data: out, fromStep: seq, groups: [] }], groups: [], nextTokenId: 2, nextGroupId: 1, seq, outcomes: [] },
          ...(seq === 1 ? { startedAt: now } : {}),
          ...(seq === stepsPerRecord ? { endedAt: now, output: out } : {}),
        });
      }
    }
  }
  await Promise.all(Array.from({ length: writers }, writer));
  const ms = performance.now() - t;
  const total = records * stepsPerRecord;
  console.log(`${total} commitStep with ${writers} concurrent writers: ${ms.toFixed(0)} ms, ${Math.round((total / ms) * 1000)} commits/s, ${snapshots} snapshot(s)`);
  const stats = store.stats();
  t = performance.now();
  console.log('counts', await store.countRecords(run.id), `${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  await store.close();
  console.log(`close (final snapshot ${(stats.snapshotBytes / 1048576).toFixed(1)} MiB before): ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const again = await openSqlJsStore(dir);
  console.log(`reopen: ${(performance.now() - t).toFixed(0)} ms`, await again.countRecords(run.id));
  await again.close();
}

main()
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
