import { afterEach, describe, expect, it } from 'vitest';
import { flow, openHarness, probe, records, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h && (await h.close()));

const run = async (doc: ReturnType<typeof flow>, recs: Record<string, unknown>[], reprocess = false) => {
  const r = await h.engine.startRun(doc, { input: { records: recs as never }, reprocess });
  return { id: r.id, summary: await h.engine.waitForRun(r.id) };
};

describe('step policy', () => {
  it('required inputs and pre-check stop a record before the step runs', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', {}, { requiredInputs: ['email'], preCheck: 'n < 3' }], ['b', 'test.add']], [['t', 'a'], ['a', 'b']]);
    const { id, summary } = await run(doc, [{ n: 1, email: 'x@y.z' }, { n: 2 }, { n: 5, email: 'q@y.z' }, { n: 0, email: '  ' }]);
    expect(summary.counts).toMatchObject({ success: 1, failed: 3 });
    expect((await h.store.getRecord(id, 1))?.error?.code).toBe('E_REQUIRED_INPUT_MISSING');
    expect((await h.store.getRecord(id, 3))?.error?.code).toBe('E_REQUIRED_INPUT_MISSING');
    const pre = await h.store.getRecord(id, 2);
    expect(pre?.error).toMatchObject({ code: 'E_PRECHECK_FAILED', nodeId: 'a' });
    // A failed check stops the record: the step did not run and the next one was never reached.
    expect(probe.calls.get('2:a')).toBeUndefined();
    expect(probe.calls.get('2:b')).toBeUndefined();
    expect(summary.nodes.b.success).toBe(1);
  });

  it('a post-check decides whether the step counts as done', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { by: 10 }, { postCheck: 'n > 12 and $input.n < n' }], ['b', 'test.add']], [['t', 'a'], ['a', 'b']]);
    const { id, summary } = await run(doc, [{ n: 1 }, { n: 5 }]);
    expect(summary.counts).toMatchObject({ success: 1, failed: 1 });
    expect((await h.store.getRecord(id, 0))?.error?.code).toBe('E_POSTCHECK_FAILED');
    expect(probe.calls.get('0:b')).toBeUndefined();
    expect((await h.store.getRecord(id, 1))?.output).toEqual({ n: 16 });
  });

  it('the error map renames codes and sends records to review, skip or retry', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }, { errorMap: [{ match: 'n=1 ', code: 'E_ONE', class: 'business', action: 'review' }, { match: 'n=3', class: 'business', action: 'skip' }, { match: 'E_ODD', class: 'business', action: 'fail' }] }]],
      [['t', 'f']],
    );
    const { id, summary } = await run(doc, records(6));
    expect(summary.counts).toMatchObject({ success: 3, needs_review: 1, skipped: 1, failed: 1 });
    expect((await h.store.getRecord(id, 1))).toMatchObject({ status: 'needs_review', error: { code: 'E_ONE' } });
    expect((await h.store.getRecord(id, 3))?.status).toBe('skipped');
    expect((await h.store.getRecord(id, 5))?.error?.code).toBe('E_ODD');
    // The node's counters: the step that sent its record to review is not among the failed (a skip and a fail are).
    expect(summary.nodes.f).toEqual({ inProgress: 0, success: 3, failed: 2, review: 1 });
    expect((await h.store.stepCounts(id)).f).toEqual({ success: 3, failed: 2, review: 1 });

    const retry = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failTimes: 2, transient: false }, { errorMap: [{ match: 'E_FLAKY', class: 'transient', action: 'retry' }], retries: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }]], [['t', 'f']]);
    const r2 = await run(retry, records(2));
    expect(r2.summary.counts.success).toBe(2);
    expect((await h.store.listSteps(r2.id, 0)).map((s) => s.attempt)).toEqual([1, 2, 3]);
  });

  it('while the run goes on, the live counters show a step that sent its record to review as review, not failed', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }, { errorMap: [{ match: 'E_ODD', class: 'business', action: 'review' }] }], ['a', 'test.add', { waitMs: 1500 }]],
      [['t', 'f'], ['f', 'a']],
      2,
    );
    const r = await h.engine.startRun(doc, { input: { records: records(2) as never } });
    // Record 1 went to review at f; record 0 is at a, still waiting.
    let live = await h.engine.summary(r.id);
    for (const until = Date.now() + 5000; live.nodes.a.inProgress !== 1 || live.nodes.f.review !== 1; live = await h.engine.summary(r.id)) {
      if (Date.now() > until) throw new Error(`counters never got there: ${JSON.stringify(live.nodes)}`);
      await new Promise((ok) => setTimeout(ok, 10));
    }
    expect(live.status).toBe('running');
    expect(live.nodes.f).toEqual({ inProgress: 0, success: 1, failed: 0, review: 1 });
    expect((await h.engine.waitForRun(r.id)).nodes.f).toEqual({ inProgress: 0, success: 1, failed: 0, review: 1 });
  });

  it('an error-map "stop" safe-stops the run and keeps the record where it was', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }, { errorMap: [{ match: 'E_ODD', class: 'business', action: 'stop' }] }]], [['t', 'f']], 1);
    const { id, summary } = await run(doc, records(6));
    expect(summary.status).toBe('safe_stopped');
    expect(summary.reason?.code).toBe('E_ODD');
    expect((await h.store.getRecord(id, 1))?.status).toBe('running');
    expect(summary.counts.pending).toBe(4);
  });
});

describe('Safe Stop', () => {
  it('stops at record boundaries when the error rate over the window passes the threshold, and resumes', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }]], [['t', 'f']], 2, { safeStop: { window: 10, minSamples: 6, threshold: 0.4 } });
    const odd = Array.from({ length: 40 }, (_, i) => ({ n: i < 10 ? 0 : 1 }));
    const { id, summary } = await run(doc, odd);
    expect(summary.status).toBe('safe_stopped');
    expect(summary.reason).toMatchObject({ code: 'E_SAFE_STOP' });
    expect(summary.reason?.message).toMatch(/of the last 10 records failed/);
    expect(summary.counts.running).toBe(0);
    expect(summary.counts.pending).toBeGreaterThan(10);
    const logs = await h.store.listLogs(id, { limit: 1000 });
    expect(logs.items.some((l) => /Safe Stop/.test(l.message))).toBe(true);
    // The cause is "fixed" by resuming; every record ends in exactly one status.
    await h.engine.resume(id);
    const again = await h.engine.waitForRun(id);
    expect(again.counts.pending + again.counts.running).toBeLessThan(summary.counts.pending);
  });
});

describe('idempotency by business key', () => {
  it('skips duplicates in one input and keys already done in an earlier run, unless reprocessing', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']], 4, { businessKey: 'email' });
    const first = await run(doc, [{ email: 'a@x', n: 1 }, { email: 'b@x', n: 2 }, { email: 'a@x', n: 3 }, { n: 4 }]);
    expect(first.summary.counts).toMatchObject({ success: 3, skipped: 1 });
    expect((await h.store.getRecord(first.id, 2))).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/Duplicate of record #1/) });
    expect(probe.calls.get('2:a')).toBeUndefined();

    const second = await run(doc, [{ email: 'b@x', n: 5 }, { email: 'c@x', n: 6 }]);
    expect(second.summary.counts).toMatchObject({ success: 1, skipped: 1 });
    expect((await h.store.getRecord(second.id, 0))?.reason).toMatch(new RegExp(`Already done in run ${first.id}`));
    const events = await h.store.listRecordEvents(second.id, 0);
    expect(events.map((e) => e.to)).toEqual(['skipped']);

    const third = await run(doc, [{ email: 'b@x', n: 7 }], true);
    expect(third.summary.counts.success).toBe(1);
  });
});

describe('side effects and crashes', () => {
  it('an unsafe step interrupted before it committed is in doubt: without a post-check it goes to review, never runs again', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['x', 'test.effect', { hang: true }], ['a', 'test.add']], [['t', 'x'], ['x', 'a']], 2);
    const started = await h.engine.startRun(doc, { input: { records: records(2) } });
    await new Promise((r) => setTimeout(r, 80));
    await h.engine.stop(started.id);
    await h.engine.waitForRun(started.id);
    expect(probe.calls.get('0:x')).toBe(1);
    const rec = await h.store.getRecord(started.id, 0);
    expect(rec?.checkpoint?.inFlight).toMatchObject({ nodeId: 'x' });
    await h.engine.resume(started.id);
    const s = await h.engine.waitForRun(started.id);
    expect(s.counts.needs_review).toBe(2);
    // On the canvas: the in-doubt steps sent their records to review; none failed.
    expect(s.nodes.x).toMatchObject({ failed: 0, review: 2 });
    expect((await h.store.getRecord(started.id, 0))?.error?.code).toBe('E_IN_DOUBT');
    expect(probe.calls.get('0:x')).toBe(1);
  });

  it('with a post-check, an in-doubt step is decided by it', async () => {
    h = await openHarness();
    const hang = flow([['t', 'test.trigger'], ['x', 'test.effect', { hang: true }, { postCheck: 'done = true' }], ['a', 'test.add']], [['t', 'x'], ['x', 'a']], 2);
    const started = await h.engine.startRun(hang, { input: { records: [{ n: 1, done: true }, { n: 2, done: false }] } });
    await new Promise((r) => setTimeout(r, 80));
    await h.engine.stop(started.id);
    await h.engine.waitForRun(started.id);
    // Resume with a flow whose effect no longer hangs (the run keeps its snapshot, so patch it in the store).
    const row = (await h.store.getRun(started.id))!;
    expect(row.flow.nodes[1].params).toEqual({ hang: true });
    await h.engine.resume(started.id);
    // Record 0: the post-check says it happened → not run again, continues to "a".
    // Record 1: the post-check says it did not → safe to run again (it hangs again; stop it).
    await new Promise((r) => setTimeout(r, 80));
    await h.engine.stop(started.id).catch(() => undefined);
    await h.engine.waitForRun(started.id);
    expect((await h.store.getRecord(started.id, 0))).toMatchObject({ status: 'success', output: { n: 2, done: true } });
    expect(probe.calls.get('0:x')).toBe(1);
    expect(probe.calls.get('1:x')).toBe(2);
  });
});

describe('review actions', () => {
  it('retry from the failed step (with corrected data), skip and resolve, each audited', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { by: 100 }], ['f', 'test.flaky', { failWhenOdd: true }], ['b', 'test.add']], [['t', 'a'], ['a', 'f'], ['f', 'b']]);
    const { id, summary } = await run(doc, [{ n: 1 }, { n: 3 }, { n: 5 }, { n: 2 }]);
    expect(summary.counts).toMatchObject({ failed: 3, success: 1 });
    const queue = await h.store.listReview({ runId: id });
    expect(queue.total).toBe(3);

    await expect(h.engine.review('resolve', [{ runId: id, index: 1 }], {})).rejects.toMatchObject({ code: 'E_NOTE_REQUIRED' });
    const results = await h.engine.review('retry', [{ runId: id, index: 0 }], { data: { n: 4 }, note: 'fixed the number' });
    expect(results).toEqual([{ runId: id, index: 0, ok: true, restarted: false }]);
    // The retried record runs once the run is set going again (a moment after the answer): waited for, not guessed.
    for (let waited = 0; waited < 10_000 && (await h.store.getRecord(id, 0))?.status !== 'success'; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await h.engine.waitForRun(id);
    const retried = await h.store.getRecord(id, 0);
    expect(retried).toMatchObject({ status: 'success', output: { n: 5 } });
    // Retried from the failed step: "a" did not run again.
    expect(probe.calls.get('0:a')).toBe(1);
    const steps = await h.store.listSteps(id, 0);
    expect(steps.map((s) => s.nodeId)).toEqual(['a', 'f', 'f', 'b']);

    await h.engine.review('skip', [{ runId: id, index: 1 }], {});
    await h.engine.review('resolve', [{ runId: id, index: 2 }], { note: 'done by hand' });
    const again = await h.engine.review('skip', [{ runId: id, index: 2 }, { runId: id, index: 99 }], {});
    expect(again.map((r) => r.ok)).toEqual([false, false]);
    expect(again[0].error?.code).toBe('E_REVIEW_NOT_OPEN');
    expect(again[1].error?.code).toBe('E_RECORD_NOT_FOUND');
    // Numbered as the studio and the record routes number records (#1 is index 0), with the same hint.
    expect(again[1].error?.message).toBe(`Run ${id} has no record #100 (index 99).`);
    expect(again[1].error?.hint).toContain('refresh the review queue');

    const counts = await h.store.countRecords(id);
    expect(counts).toMatchObject({ success: 3, skipped: 1, failed: 0 });
    const events = await h.store.listRecordEvents(id, 2);
    expect(events.map((e) => [e.actor, e.action, e.to, e.note])).toEqual([
      ['engine', 'started', 'running', null],
      ['engine', 'finished', 'failed', null],
      ['operator', 'resolve', 'success', 'done by hand'],
    ]);
    const e0 = await h.store.listRecordEvents(id, 0);
    expect(e0.find((e) => e.action === 'retry')).toMatchObject({ actor: 'operator', note: 'fixed the number', data: { n: 4 } });
    expect((await h.store.listReview({ runId: id })).total).toBe(0);
  });
});
