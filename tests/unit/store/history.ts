/**
 * A history built fast through the store's own API (the writes the engine makes: a run, each record's
 * steps with their checkpoints, its final update), many writes in flight so group commits carry
 * hundreds of entries, each run archived once finished. Used by the large-history test and the
 * store-memory benchmark.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { encodeFrame, FRAME_HEAD } from '../../../server/store/archive/frames.ts';
import { ARCHIVES_DIR, MANIFEST_FILE, type ArchiveManifest } from '../../../server/store/archive/layout.ts';
import { archiveName, sha256 } from '../../../server/store/archive/writer.ts';
import type { RunRow } from '../../../server/store/types.ts';
import type { RecordData } from '../../../nodes/sdk/types.ts';
import { flowDoc } from './fixtures.ts';

const IN_FLIGHT = 256;

/** A record of the 10-step chain as the engine stores it: the input, then f1…fk added one per step. */
function output(i: number, k: number): RecordData {
  const out: RecordData = { id: i, name: `Person ${i}`, email: `p${i}@example.com`, n: i };
  for (let s = 1; s <= k; s++) out[`f${s}`] = i * s + `Person ${i}`.length;
  return out;
}

/** Writes one finished run of `records` records with `steps` steps each, then archives it. */
export async function historyRun(store: SqlJsStore, runId: string, records: number, steps: number, at: Date, flowId = 'history'): Promise<void> {
  const flow = flowDoc(flowId, 'History flow');
  const iso = at.toISOString();
  const run: RunRow = { id: runId, flowId, flowName: flow.name, flow, status: 'running', settings: { concurrency: 64 }, recordCount: records, reason: null, createdAt: iso, startedAt: iso, endedAt: null };
  await store.createRun(run, Array.from({ length: records }, (_, i) => output(i, 0)));
  const one = async (i: number): Promise<void> => {
    for (let s = 1; s <= steps; s++) {
      const data = output(i, s);
      await store.commitStep(
        { runId, recordIndex: i, seq: s, tokenId: 1, nodeId: `s${s}`, nodeType: 'core.set-fields', attempt: 1, status: 'success', input: null, inputFrom: s === 1 ? null : s - 1, output: [{ port: 'out', data }], error: null, evidence: [], startedAt: iso, endedAt: iso, durationMs: 0.2 },
        { runId, index: i, status: 'running', checkpoint: { tokens: [{ id: 1, nodeId: `s${s + 1}`, data, fromStep: s, groups: [] }], groups: [], nextTokenId: 2, nextGroupId: 1, seq: s, outcomes: [] }, ...(s === 1 ? { startedAt: iso } : {}) },
      );
    }
    await store.updateRecord({ runId, index: i, status: 'success', checkpoint: null, output: output(i, steps), endedAt: iso, event: { at: iso, from: 'running', to: 'success', actor: 'engine', action: 'finished', note: null, data: null } });
  };
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, records) }, async () => {
    while (next < records) await one(next++);
  }));
  await store.appendLogs([{ runId, recordIndex: null, nodeId: null, level: 'info', message: `Run ${runId} completed`, data: null, at: iso }]);
  await store.updateRun(runId, { status: 'completed', endedAt: iso });
  await store.archiveRun(runId);
}

/**
 * A copy of run `fromRunId`'s archive attached to a new finished run `runId` (created through the
 * store with the same record count): the same bytes on disk and the same reads, without writing every
 * step again. Only the manifest's run id differs.
 */
export async function copiedRun(store: SqlJsStore, storeDir: string, fromRunId: string, runId: string, at: Date, flowId = 'history'): Promise<void> {
  const source = (await store.getRun(fromRunId))!;
  const iso = at.toISOString();
  // Its records go in as the engine's createRun puts them (then the archive op drops them again).
  const records = Array.from({ length: source.recordCount }, (_, i) => output(i, 0));
  await store.createRun({ ...source, id: runId, flowId, status: 'running', createdAt: iso, startedAt: iso, endedAt: null }, records);
  await store.updateRun(runId, { status: 'completed', endedAt: iso });
  const ref = store.archiveRefOf(fromRunId)!;
  const dir = archiveName(runId);
  const from = path.join(storeDir, ARCHIVES_DIR, ref.dir);
  const to = path.join(storeDir, ARCHIVES_DIR, dir);
  fs.mkdirSync(to);
  for (const name of fs.readdirSync(from)) if (name !== MANIFEST_FILE) fs.copyFileSync(path.join(from, name), path.join(to, name));
  const manifest = JSON.parse(fs.readFileSync(path.join(from, MANIFEST_FILE)).subarray(FRAME_HEAD).toString('utf8')) as ArchiveManifest;
  const frame = encodeFrame(Buffer.from(JSON.stringify({ ...manifest, runId }), 'utf8'));
  fs.writeFileSync(path.join(to, MANIFEST_FILE), frame);
  await store.attachArchive(runId, { ...ref, dir, digest: sha256(frame), bytes: ref.bytes });
}
