import { describe, expect, it } from 'vitest';
import { addAnswer, answersOf, emptyAnswers, fromJobBatch, toJobBatch } from './batches.ts';
import type { JobResult, PostedJob, WorkerRun } from './types.ts';

describe('sandbox batches (what crosses to and from a worker)', () => {
  it('jobs arrive as they were posted, in order, each code text sent once', () => {
    const job = (id: number, code: string, n: number): PostedJob => ({ id, job: { code, inputJson: JSON.stringify({ n }), timeoutMs: 1000 + id, memoryLimitBytes: 32 << 20 } });
    const jobs = [job(1, 'return record', 1), job(2, 'return { ...record, x: 1 }', 2), job(3, 'return record', 3), job(4, '', 4)];
    const batch = structuredClone(toJobBatch(jobs));
    expect(batch.codes).toEqual(['return record', 'return { ...record, x: 1 }', '']);
    expect(fromJobBatch(batch)).toEqual(jobs);
  });

  it('every kind of answer arrives as the worker gave it, and a job the worker could not run says why', () => {
    const run = (outcome: WorkerRun['outcome'], logs: string[] = [], droppedLogs = 0): WorkerRun => ({ outcome, logs, droppedLogs, durationMs: 0.25 });
    const given: JobResult[] = [
      { id: 7, run: run({ kind: 'result', json: '{"n":1,"s":"\\u0000 \\"quoted\\""}' }) },
      { id: 8, run: run({ kind: 'unchanged' }, ['one line', 'two'], 3) },
      { id: 9, run: run({ kind: 'threw', error: 'TypeError: x is undefined', position: { line: 2, column: 5, functionName: 'f' }, cause: 'error' }) },
      { id: 10, run: run({ kind: 'memory', cause: 'heap' }) },
      { id: 11, run: run({ kind: 'result', json: '[]' }) },
      { id: 12, error: 'QuickJS could not be loaded' },
      { id: 13, run: run({ kind: 'timeout' }) },
    ];
    const answers = emptyAnswers();
    for (const a of given) addAnswer(answers, a.id, 'run' in a ? { run: a.run } : { error: a.error });
    expect(answersOf(structuredClone(answers))).toEqual(given);
  });
});
