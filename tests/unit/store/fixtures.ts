/** Rows for the store tests; the crash child builds its writes from the same functions (deterministic content). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RecordCheckpoint, RecordUpdate, RunRow, StepRow } from '../../../server/store/types.ts';
import type { RecordData } from '../../../nodes/sdk/types.ts';

/** Shape of the crash test's runs (crash-child.ts writes them, crash.test.ts checks them). */
export const CRASH_RECORDS_PER_RUN = 200;
export const CRASH_STEPS_PER_RECORD = 12;

const tempDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeTempDirs`. */
export function tempDir(prefix = 'conveyor-store-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function flowDoc(id: string, name = `Flow ${id}`): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name,
    description: 'A flow "with" quotes, ünïcödé and a\nnewline',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
      { id: 'set', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'a', value: '1' }] } },
    ],
    edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'set', targetPort: 'in' }],
  };
}

export function runRow(id: string, flowId: string, createdAt: string, recordCount: number): RunRow {
  const flow = flowDoc(flowId);
  return {
    id,
    flowId,
    flowName: flow.name,
    flow,
    status: 'running',
    settings: { concurrency: 8 },
    recordCount,
    reason: null,
    createdAt,
    startedAt: createdAt,
    endedAt: null,
  };
}

export function recordData(index: number): RecordData {
  return { id: index, name: `Person ${index}`, email: `p${index}@example.com`, tags: ['a', 'b'], nested: { ok: true, n: null } };
}

/** A fixed instant per (record, seq), so every field of a step is known in advance. */
export function instant(index: number, seq: number): string {
  return new Date(Date.UTC(2024, 0, 1) + index * 60_000 + seq * 7).toISOString();
}

export function stepRow(runId: string, index: number, seq: number): StepRow {
  const failed = seq % 7 === 0;
  return {
    runId,
    recordIndex: index,
    seq,
    tokenId: 1 + (seq % 3),
    nodeId: `node${seq % 4}`,
    nodeType: 'test.step',
    attempt: 1 + (seq % 2),
    status: failed ? 'failed' : 'success',
    input: seq === 1 ? recordData(index) : null,
    inputFrom: seq === 1 ? null : seq - 1,
    output: [{ port: 'out', data: { index, seq, text: `r${index}s${seq} ${'x'.repeat((index * 7 + seq) % 60)}`, list: [index, seq, 'é"\\'] } }],
    error: failed ? { code: 'E_TEST', message: `step ${index}/${seq} failed`, hint: 'Nothing to do.', transient: seq % 2 === 0 } : null,
    evidence: seq % 3 === 0 ? [`evidence/${index}/${seq}.png`] : [],
    startedAt: instant(index, seq),
    endedAt: instant(index, seq + 1),
    durationMs: seq * 1.25,
  };
}

export function checkpoint(index: number, seq: number): RecordCheckpoint {
  return {
    tokens: [{ id: 1, nodeId: `node${(seq + 1) % 4}`, data: { index, seq, text: `after ${seq}` }, fromStep: seq, groups: [] }],
    groups: [],
    nextTokenId: 2,
    nextGroupId: 1,
    seq,
    outcomes: [],
  };
}

/** The record update committed with step `seq`. */
export function stepUpdate(runId: string, index: number, seq: number): RecordUpdate {
  return {
    runId,
    index,
    status: 'running',
    checkpoint: checkpoint(index, seq),
    ...(seq === 1 ? { startedAt: instant(index, 0) } : {}),
  };
}

export function finalOutput(index: number, steps: number): RecordData {
  return { index, steps, result: `done ${index}` };
}

/** The update that ends a record after its last step. */
export function doneUpdate(runId: string, index: number, steps: number): RecordUpdate {
  return {
    runId,
    index,
    status: 'success',
    checkpoint: null,
    output: finalOutput(index, steps),
    endedAt: instant(index, steps + 1),
  };
}
