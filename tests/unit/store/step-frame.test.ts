// A committed step is journaled once (format 2, server/store/step-frame.ts): the output's JSON is in
// the entry once, not escaped again, and the checkpoint and the record's output refer to it. Replay
// gives back exactly the text that was applied live, and journals of format 1 still open.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitStepOp, createRunOp, encodeOp, putFlowOp, type Op } from '../../../server/store/ops.ts';
import { checkpointAround, checkpointText, fromStepEntry } from '../../../server/store/step-frame.ts';
import { describeEntries } from '../../../server/store/integrity.ts';
import { FrameEncoder, journalFileName } from '../../../server/store/journal.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { RecordCheckpoint, RecordUpdate, StepRow } from '../../../server/store/types.ts';
import { flowDoc, instant, recordData, removeTempDirs, runRow, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

const count = (text: string, part: string) => text.split(part).length - 1;

/** A step of a chain as the engine commits it: the next token's data is the data the step emitted. */
function chainStep(index: number, seq: number, last: boolean): { step: StepRow; update: RecordUpdate; data: Record<string, unknown> } {
  const data = { ...recordData(index), [`f${seq}`]: index * seq, note: `quote " backslash \\ newline \n ünï ${'x'.repeat(seq)}` };
  const step: StepRow = {
    runId: 'r1',
    recordIndex: index,
    seq,
    tokenId: seq,
    nodeId: `s${seq}`,
    nodeType: 'core.set-fields',
    attempt: 1,
    status: 'success',
    input: null,
    inputFrom: seq - 1,
    output: [{ port: 'out', data }],
    error: null,
    evidence: [],
    startedAt: instant(index, seq),
    endedAt: instant(index, seq + 1),
    durationMs: 0.5,
  };
  const cp: RecordCheckpoint = { tokens: [{ id: seq + 1, nodeId: `s${seq + 1}`, data, fromStep: seq, groups: [] }], groups: [], nextTokenId: seq + 2, nextGroupId: 1, seq, outcomes: [] };
  const update: RecordUpdate = last
    ? { runId: 'r1', index, status: 'success', checkpoint: null, output: data, error: null, startedAt: instant(index, 0), endedAt: instant(index, seq + 1), event: { at: instant(index, seq + 1), from: 'running', to: 'success', actor: 'engine', action: 'finished', note: null, data: null } }
    : { runId: 'r1', index, status: 'running', checkpoint: cp, output: null, error: null, startedAt: instant(index, 0), endedAt: null };
  return { step, update, data };
}

describe('journal format 2: a committed step is written once', () => {
  it("writes the step's output once and reads back the text that was applied", () => {
    for (const last of [false, true]) {
      const { step, update, data } = chainStep(3, 4, last);
      const op = commitStepOp(step, update) as Extract<Op, { 0: 'S' }>;
      const entry = encodeOp(op);
      const dataJson = JSON.stringify(data);
      // Format 1 held the data three times over (output, checkpoint or record output), escaped twice.
      expect(count(JSON.stringify(op), JSON.stringify(dataJson).slice(1, -1))).toBe(2);
      expect(count(entry, dataJson)).toBe(1);
      // The record's run id is the step's: written once.
      expect(count(entry, '"r1"')).toBe(1);
      expect(Buffer.byteLength(entry)).toBeLessThan(Buffer.byteLength(dataJson) + 600);
      const parsed = JSON.parse(entry) as unknown[];
      expect(parsed[0]).toBe('s');
      // A running record's checkpoint comes last, as JSON (not a string of it): nothing in it escaped.
      if (!last) expect(entry.endsWith(`,"nextTokenId":${update.checkpoint!.nextTokenId},"nextGroupId":1,"seq":4,"outcomes":[]}]`)).toBe(true);
      expect(count(entry, '\\"')).toBe(count(dataJson, '\\"'));
      const back = fromStepEntry(parsed[1] as unknown[], parsed[2] as unknown[], parsed[5], parsed[6]);
      // Text for text, what the live apply wrote.
      expect(back.step).toEqual(op[1]);
      expect(back.record).toEqual(op[2]);
      if (last) expect(JSON.parse(op[2][5] as string)).toEqual(data);
      // The checkpoint's text, made around the data, is JSON.stringify's to the character.
      else expect(op[2][3]).toBe(JSON.stringify(update.checkpoint));
      expect(JSON.parse(op[1][10] as string)).toEqual(step.output);
    }
  });

  it('falls back to whole text when the checkpoint does not hold what the step emitted', () => {
    const { step, update } = chainStep(1, 2, false);
    update.checkpoint!.tokens[0].data = { other: 'copy "quoted"' };
    update.checkpoint!.retry = [{ id: 9, nodeId: 'x', data: { n: 1 }, fromStep: null, groups: [] }];
    step.input = { in: 'put "here"' };
    step.error = { code: 'E_X', message: 'm "q"', hint: 'h', transient: false };
    const op = commitStepOp(step, update, [{ scope: 'flow', nodeId: 'n', key: 'k', value: { v: 1 } }]) as Extract<Op, { 0: 'S' }>;
    const parsed = JSON.parse(encodeOp(op)) as unknown[];
    expect(fromStepEntry(parsed[1] as unknown[], parsed[2] as unknown[], parsed[5])).toEqual({ step: op[1], record: op[2] });
    expect(parsed[3]).toEqual(op[3]);
    expect(JSON.parse(op[2][3] as string)).toEqual(update.checkpoint);
  });
});

describe('checkpointAround', () => {
  it('cuts the checkpoint around the emitted data: before + data + after is JSON.stringify of the checkpoint', () => {
    const { update, data } = chainStep(2, 3, false);
    const cp = update.checkpoint!;
    cp.lastError = { code: 'E_X', message: 'said "this"\n', hint: 'ü', transient: false };
    cp.inFlight = undefined;
    const around = checkpointAround(cp, data)!;
    expect(checkpointText(around, JSON.stringify(data))).toBe(JSON.stringify(cp));
    // The checkpoint itself is left as it was.
    expect(cp.tokens[0].data).toBe(data);
  });

  it("writes a straight path's checkpoint from its numbers, as JSON.stringify would; any other shape as JSON.stringify does", () => {
    const data = { n: 1, name: 'quote " ü \u2028' };
    const token = (extra: Record<string, unknown> = {}) => ({ id: 7, nodeId: 'step "7" ü', data, fromStep: 6, groups: [], ...extra });
    const base = { tokens: [token()], groups: [], nextTokenId: 8, nextGroupId: 1, seq: 6, outcomes: [] };
    const shapes: Array<Record<string, unknown>> = [
      base,
      { ...base, inFlight: null },
      { ...base, inFlight: undefined },
      // A record's first commit past its trigger: `entered` is left undefined (engine/record-walker.ts).
      { ...base, entered: undefined, inFlight: null },
      { ...base, tokens: [token({ fromStep: null })] },
      { ...base, tokens: [{ ...token(), id: -0 }] },
      // Not a straight path, or more than the path: written by JSON.stringify as before.
      { ...base, inFlight: { tokenId: 7, nodeId: 'x', attempt: 1, startedAt: 't' } },
      { ...base, groups: [{ id: 1, size: 2, ended: 0, parentGroups: [] }] },
      { ...base, outcomes: ['success'] },
      { ...base, tokens: [token({ attempts: 2 })] },
      { ...base, tokens: [token({ groups: [1] })] },
      { ...base, tokens: [{ nodeId: 'n', id: 7, data, fromStep: 6, groups: [] }] },
      // The same keys in another order.
      Object.fromEntries([['seq', 6], ...Object.entries(base).filter(([k]) => k !== 'seq')]),
      { ...base, lastError: null },
      { ...base, nextTokenId: 8.5 },
    ];
    for (const cp of shapes) {
      const around = checkpointAround(cp, data)!;
      expect(around).not.toBeNull();
      expect(checkpointText(around, JSON.stringify(data))).toBe(JSON.stringify(cp));
    }
  });

  it('declines when the data is not held exactly once, or the text could be mistaken for its place', () => {
    const { update, data } = chainStep(2, 3, false);
    const cp = update.checkpoint!;
    expect(checkpointAround(cp, { ...data })).toBeNull();
    // One emission to two steps: two tokens hold the same data.
    const twice = { ...cp, tokens: [cp.tokens[0], { ...cp.tokens[0], id: 99 }] };
    expect(checkpointAround(twice, data)).toBeNull();
    // A text elsewhere in the checkpoint that reads like the placeholder.
    const lookalike = { ...cp, lastReason: '\u0000emitted data\u0000' };
    expect(checkpointAround(lookalike, data)).toBeNull();
    // Such a checkpoint is still written whole, text for text, and read back.
    const { step } = chainStep(2, 3, false);
    const op = commitStepOp(step, { ...update, checkpoint: lookalike }) as Extract<Op, { 0: 'S' }>;
    expect(op[2][3]).toBe(JSON.stringify(lookalike));
    const parsed = JSON.parse(encodeOp(op)) as unknown[];
    expect(fromStepEntry(parsed[1] as unknown[], parsed[2] as unknown[], parsed[5], parsed[6]).record).toEqual(op[2]);
  });
});

/** A journal of `ops` written as `encode` frames them, in a fresh store folder; the store opened on it. */
async function openJournal(ops: Op[], encode: (op: Op) => string) {
  const dir = tempDir();
  const { buf, length } = new FrameEncoder().encode(ops.map((op, i) => ({ seq: i + 1, payload: encode(op) })));
  fs.writeFileSync(path.join(dir, journalFileName(1)), buf.subarray(0, length));
  return openSqlJsStore(dir);
}

describe('journal formats replay alike', () => {
  it('a journal written by format 1 (every op JSON.stringify-ed) opens with the same records and steps as format 2', async () => {
    const at = instant(0, 0);
    const ops: Op[] = [putFlowOp(flowDoc('f1'), at), createRunOp(runRow('r1', 'f1', at, 2), [recordData(0), recordData(1)])];
    // Record 0 finishes after 3 steps; record 1 is left running after 2 (its checkpoint holds the step's output).
    for (let index = 0; index < 2; index++) {
      for (let seq = 1; seq <= 3 - index; seq++) {
        const { step, update } = chainStep(index, seq, index === 0 && seq === 3);
        ops.push(commitStepOp(step, update));
      }
    }
    const read = async (encode: (op: Op) => string) => {
      const store = await openJournal(ops, encode);
      try {
        const records = await Promise.all([0, 1].map((i) => store.getRecord('r1', i)));
        const steps = await store.listSteps('r1', 1);
        return { records, steps };
      } finally {
        await store.close();
      }
    };
    const v1 = await read((op) => JSON.stringify(op));
    const v2 = await read(encodeOp);
    // Format 2 as written before the checkpoint went last raw: a [before, after] template of strings.
    const v2Template = await read((op) => {
      const entry = encodeOp(op);
      const e = JSON.parse(entry) as unknown[];
      if (e[0] !== 's' || (e[2] as unknown[])[3] !== 1) return entry;
      const text = JSON.stringify(e[6]);
      const at = text.indexOf('"\\u0000emitted data\\u0000"');
      (e[2] as unknown[])[3] = [text.slice(0, at), text.slice(at + '"\\u0000emitted data\\u0000"'.length)];
      return `${JSON.stringify(e.slice(0, 5)).slice(0, -1)},${JSON.stringify(e[5])}]`;
    });
    expect(v1.records[0]?.status).toBe('success');
    expect(v1.records[0]?.output).toEqual(chainStep(0, 3, true).data);
    expect(v1.records[1]?.status).toBe('running');
    expect(v1.records[1]?.checkpoint).toEqual(chainStep(1, 2, false).update.checkpoint);
    expect(v1.steps).toHaveLength(2);
    expect(v1.steps[1].output).toEqual(chainStep(1, 2, false).step.output);
    expect(v2).toEqual(v1);
    expect(v2Template).toEqual(v1);
  });

  it('a step entry whose checkpoint lost its place for the data is refused, not applied with another text', () => {
    const { step, update } = chainStep(1, 2, false);
    const parsed = JSON.parse(encodeOp(commitStepOp(step, update))) as unknown[];
    expect((parsed[2] as unknown[])[3]).toBe(1);
    const cp = parsed[6] as RecordCheckpoint;
    expect(() => fromStepEntry(parsed[1] as unknown[], parsed[2] as unknown[], parsed[5], { ...cp, tokens: [] })).toThrow(/does not hold the data/);
    expect(() => fromStepEntry(parsed[1] as unknown[], parsed[2] as unknown[], parsed[5])).toThrow(/does not hold the data/);
  });
});

describe('what lost step entries tell a repair', () => {
  it("names the in-flight step of a running record's checkpoint, in the record the entry is for, whichever way the checkpoint was written", () => {
    const { step, update } = chainStep(5, 2, false);
    // Another token of the record is at an unsafe step that started and has not committed.
    update.checkpoint!.inFlight = { tokenId: 7, nodeId: 'post', attempt: 1, startedAt: instant(5, 2) };
    const entry = encodeOp(commitStepOp(step, update));
    const e = JSON.parse(entry) as unknown[];
    expect((e[2] as unknown[])[3]).toBe(1);
    // The same entry as written before: the checkpoint a template of strings, in the record's columns.
    const text = JSON.stringify(e[6]);
    const at = text.indexOf('"\\u0000emitted data\\u0000"');
    const old = JSON.parse(entry) as unknown[];
    (old[2] as unknown[])[3] = [text.slice(0, at), text.slice(at + '"\\u0000emitted data\\u0000"'.length)];
    for (const payload of [entry, `${JSON.stringify(old.slice(0, 5)).slice(0, -1)},${JSON.stringify(old[5])}]`]) {
      const loss = describeEntries([{ seq: 9, payload }]);
      expect(loss.unreadable).toBe(0);
      expect(loss.runs[0].inFlight).toEqual([{ record: 5, nodeId: 'post', tokenId: 7 }]);
    }
  });
});
