import { afterEach, describe, expect, it } from 'vitest';
import { flow, openHarness, probe, records, type Harness } from './harness.ts';
import { until } from '../../support/until.ts';
import type { SqlJsStore } from '../../../server/store/sqljs-store.ts';

let h: Harness;
afterEach(async () => h && (await h.close()));

describe('engine: walking records through the graph', () => {
  it('runs every record through a chain and commits every step before the record moves on', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add'], ['b', 'test.add', { by: 10 }]], [['t', 'a'], ['a', 'b']]);
    const run = await h.engine.startRun(doc, { input: { records: records(12) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.status).toBe('completed');
    expect(s.counts).toEqual({ pending: 0, running: 0, success: 12, failed: 0, needs_review: 0, skipped: 0 });
    expect(s.nodes).toEqual({ t: { inProgress: 0, success: 12, failed: 0, review: 0 }, a: { inProgress: 0, success: 12, failed: 0, review: 0 }, b: { inProgress: 0, success: 12, failed: 0, review: 0 } });
    const rec = await h.store.getRecord(run.id, 5);
    expect(rec?.status).toBe('success');
    expect(rec?.output).toEqual({ n: 16 });
    // The trigger's step only passes the record on: it is counted (above), not stored; it keeps its
    // place (seq 1), and the first stored step's input is its output (the record's own data).
    const steps = await h.store.listSteps(run.id, 5);
    expect(steps.map((st) => [st.seq, st.nodeId, st.status, st.inputFrom])).toEqual([[2, 'a', 'success', 1], [3, 'b', 'success', 2]]);
    expect(steps[1].output).toEqual([{ port: 'out', data: { n: 16 } }]);
    // A person sees the trigger's step first, passing on the record's data when the record started.
    const seen = await h.engine.recordSteps(rec!);
    expect(seen.map((st) => [st.seq, st.nodeId, st.status])).toEqual([[1, 't', 'success'], [2, 'a', 'success'], [3, 'b', 'success']]);
    expect(seen[0]).toMatchObject({ nodeType: 'test.trigger', output: [{ port: 'out', data: rec!.data }], startedAt: rec!.startedAt, durationMs: 0 });
  });

  it('a record is listed as running while its first step runs; one whose first step ends it at once goes from pending straight to its end', async () => {
    h = await openHarness();
    // The record's first step takes 1.5 s.
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 1500 }]], [['t', 'a']]);
    const slow = await h.engine.startRun(doc, { input: { records: [{ n: 1 }] } });
    // Nothing is committed yet (the trigger's step is not stored), yet the store says running, with its start.
    await until('the record listed as running', () => h.store.getRecord(slow.id, 0), (r) => r?.status === 'running', { ms: 1200 });
    expect(await h.store.listSteps(slow.id, 0)).toEqual([]);
    // The canvas counts the trigger's step as soon as the record is past it, as when it ran and committed at once.
    expect((await h.engine.summary(slow.id)).nodes.t).toMatchObject({ success: 1, failed: 0 });
    expect((await h.store.listRecordEvents(slow.id, 0)).map((e) => [e.from, e.to, e.action])).toEqual([['pending', 'running', 'started']]);
    await h.engine.waitForRun(slow.id);
    expect((await h.store.listRecordEvents(slow.id, 0)).map((e) => [e.from, e.to, e.action])).toEqual([['pending', 'running', 'started'], ['running', 'success', 'finished']]);
    expect((await h.engine.summary(slow.id)).nodes.t).toMatchObject({ success: 1, failed: 0 });

    const quick = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: [{ n: 1 }] } });
    await h.engine.waitForRun(quick.id);
    expect((await h.store.listRecordEvents(quick.id, 0)).map((e) => [e.from, e.to, e.action])).toEqual([['pending', 'success', 'finished']]);
    expect((await h.engine.summary(quick.id)).nodes.t).toMatchObject({ success: 1, failed: 0 });
  });

  it('routes each record by the port its step chose and ends it with the status of its end node', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['g', 'test.gate'], ['ok', 'test.end', { status: 'success' }], ['rv', 'test.end', { status: 'needs_review' }]],
      [['t', 'g'], ['g', 'ok', 'even'], ['g', 'rv', 'odd']],
    );
    const run = await h.engine.startRun(doc, { input: { records: records(20) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.success).toBe(10);
    expect(s.counts.needs_review).toBe(10);
    expect(s.nodes.ok.success).toBe(10);
    expect(s.nodes.rv.success).toBe(10);
    expect(await h.store.getRecord(run.id, 3)).toMatchObject({ status: 'needs_review', reason: 'ended needs_review' });
  });

  it('fans a record out with a split and gathers the children back at a collect', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['x', 'test.explode'], ['a', 'test.add', { by: 100 }], ['c', 'test.gather']],
      [['t', 'x'], ['x', 'a'], ['a', 'c']],
    );
    const run = await h.engine.startRun(doc, { input: { records: [{ items: [1, 2, 3] }, { items: [7] }] } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.success).toBe(2);
    expect((await h.store.getRecord(run.id, 0))?.output).toEqual({ values: [101, 102, 103] });
    expect((await h.store.getRecord(run.id, 1))?.output).toEqual({ values: [107] });
    expect(s.nodes.a.success).toBe(4);
    expect(s.nodes.c.success).toBe(2);
    const steps = await h.store.listSteps(run.id, 0);
    expect(steps.find((st) => st.nodeId === 'c')?.input).toEqual([{ n: 101 }, { n: 102 }, { n: 103 }]);
  });

  it('a collect after two parallel branches waits for both', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['a', 'test.add', { by: 1 }], ['b', 'test.add', { by: 2, waitMs: 20 }], ['c', 'test.gather']],
      [['t', 'a'], ['t', 'b'], ['a', 'c'], ['b', 'c']],
    );
    const run = await h.engine.startRun(doc, { input: { records: [{ n: 10 }] } });
    await h.engine.waitForRun(run.id);
    expect((await h.store.getRecord(run.id, 0))?.output).toEqual({ values: [11, 12] });
  });

  it('a failing step ends the record as failed with its error code, message and hint', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }], ['a', 'test.add']], [['t', 'f'], ['f', 'a']]);
    const run = await h.engine.startRun(doc, { input: { records: records(6) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.failed).toBe(3);
    expect(s.counts.success).toBe(3);
    const rec = await h.store.getRecord(run.id, 1);
    expect(rec?.status).toBe('failed');
    expect(rec?.error).toMatchObject({ code: 'E_ODD', message: 'n=1 is odd', hint: 'use even numbers', nodeId: 'f' });
    expect(s.nodes.a.success).toBe(3);
  });

  it("a node's error port catches its failure and the record goes on along it", async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }], ['ok', 'test.end'], ['rv', 'test.end', { status: 'needs_review' }]],
      [['t', 'f'], ['f', 'ok'], ['f', 'rv', 'error']],
    );
    const run = await h.engine.startRun(doc, { input: { records: records(4) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts).toMatchObject({ success: 2, needs_review: 2, failed: 0 });
    const steps = await h.store.listSteps(run.id, 1);
    const review = steps.find((st) => st.nodeId === 'rv')!;
    expect(review.input).toMatchObject({ n: 1, error: { code: 'E_ODD', nodeId: 'f' } });
  });

  it('retries a transient failure with backoff, committing every attempt', async () => {
    h = await openHarness();
    const doc = flow(
      [['t', 'test.trigger'], ['f', 'test.flaky', { failTimes: 2 }, { retries: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } }]],
      [['t', 'f']],
    );
    const run = await h.engine.startRun(doc, { input: { records: records(2) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.success).toBe(2);
    const steps = await h.store.listSteps(run.id, 0);
    expect(steps.filter((st) => st.nodeId === 'f').map((st) => [st.attempt, st.status, st.error?.code ?? null])).toEqual([
      [1, 'failed', 'E_FLAKY'],
      [2, 'failed', 'E_FLAKY'],
      [3, 'success', null],
    ]);
  });

  it('does not retry a business failure', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failTimes: 1, transient: false }, { retries: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 } }]], [['t', 'f']]);
    const run = await h.engine.startRun(doc, { input: { records: records(1) } });
    await h.engine.waitForRun(run.id);
    const steps = await h.store.listSteps(run.id, 0);
    expect(steps.filter((st) => st.nodeId === 'f')).toHaveLength(1);
    expect((await h.store.getRecord(run.id, 0))?.status).toBe('failed');
  });

  it('cancels a step that passes its timeout with E_TIMEOUT', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['h', 'test.hang', {}, { timeoutMs: 50 }]], [['t', 'h']]);
    const run = await h.engine.startRun(doc, { input: { records: records(2) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.failed).toBe(2);
    expect((await h.store.getRecord(run.id, 0))?.error?.code).toBe('E_TIMEOUT');
  });

  it('never runs more records at once than the concurrency setting', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 5 }]], [['t', 'a']], 3);
    const run = await h.engine.startRun(doc, { input: { records: records(30) } });
    await h.engine.waitForRun(run.id);
    expect(probe.maxActive).toBe(3);
    const run2 = await h.engine.startRun(doc, { input: { records: records(30) }, concurrency: 7 });
    probe.maxActive = 0;
    await h.engine.waitForRun(run2.id);
    expect(probe.maxActive).toBeLessThanOrEqual(7);
    expect(probe.maxActive).toBeGreaterThan(3);
  });

  it('refuses a run with no records, and a flow with an unknown node type', async () => {
    h = await openHarness();
    await expect(h.engine.startRun(flow([['t', 'test.trigger']], []), { input: { records: [] } })).rejects.toMatchObject({ code: 'E_NO_RECORDS' });
    await expect(h.engine.startRun(flow([['t', 'test.trigger'], ['x', 'nope.nope']], []))).rejects.toMatchObject({ code: 'E_NODE_TYPE_UNKNOWN' });
    expect(await h.store.listRuns()).toHaveLength(0);
  });
});

describe('engine: run controls', () => {
  const slowChain = () => flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 15 }], ['b', 'test.add', { waitMs: 15 }]], [['t', 'a'], ['a', 'b']], 2);

  it('pause finishes the current steps and starts none; resume completes with nothing lost or repeated', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(slowChain(), { input: { records: records(20) } });
    await new Promise((r) => setTimeout(r, 80));
    const pausing = await h.engine.pause(run.id);
    expect(pausing.status).toBe('pausing');
    const paused = await h.engine.waitForRun(run.id);
    expect(paused.status).toBe('paused');
    expect(paused.nodes.a.inProgress + paused.nodes.b.inProgress).toBe(0);
    expect(paused.counts.pending).toBeGreaterThan(0);
    const doneAtPause = paused.counts.success;
    await new Promise((r) => setTimeout(r, 60));
    expect((await h.engine.summary(run.id)).counts.success).toBe(doneAtPause);

    await h.engine.resume(run.id);
    const s = await h.engine.waitForRun(run.id);
    expect(s.status).toBe('completed');
    expect(s.counts.success).toBe(20);
    for (let i = 0; i < 20; i++) {
      expect(probe.calls.get(`${i}:a`)).toBe(1);
      expect(probe.calls.get(`${i}:b`)).toBe(1);
    }
    expect(s.nodes.b.success).toBe(20);
  });

  it('stop cancels running steps; the run can be resumed and finishes every record once', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(slowChain(), { input: { records: records(10) } });
    await new Promise((r) => setTimeout(r, 50));
    await h.engine.stop(run.id);
    const stopped = await h.engine.waitForRun(run.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.counts.success).toBeLessThan(10);
    await h.engine.resume(run.id);
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.success).toBe(10);
    const steps = await Promise.all(Array.from({ length: 10 }, (_, i) => h.store.listSteps(run.id, i)));
    for (const list of steps) expect(list.filter((st) => st.status === 'success').map((st) => st.nodeId)).toEqual(['a', 'b']);
    expect(s.nodes.t).toMatchObject({ success: 10, failed: 0 });
  });

  it('refuses controls that do not fit the run status, with a code', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(slowChain(), { input: { records: records(2) } });
    await h.engine.waitForRun(run.id);
    await expect(h.engine.pause(run.id)).rejects.toMatchObject({ code: 'E_RUN_NOT_RUNNING' });
    await expect(h.engine.resume(run.id)).rejects.toMatchObject({ code: 'E_RUN_NOT_RESUMABLE' });
    await expect(h.engine.resume('run_missing')).rejects.toMatchObject({ code: 'E_RUN_NOT_FOUND' });
  });

  it('a run left running by a dead process is marked interrupted and resumes from its checkpoints', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(slowChain(), { input: { records: records(8) } });
    await new Promise((r) => setTimeout(r, 60));
    await h.engine.pause(run.id);
    await h.engine.waitForRun(run.id);
    // Pretend the process died while running: the store still says "running".
    await h.store.updateRun(run.id, { status: 'running' });
    await h.close();

    const again = await openHarness(h.dir);
    h = again;
    const recovered = await h.engine.recover();
    expect(recovered.map((r) => r.id)).toEqual([run.id]);
    expect((await h.store.getRun(run.id))?.status).toBe('interrupted');
    await h.engine.resume(run.id);
    const s = await h.engine.waitForRun(run.id);
    expect(s.status).toBe('completed');
    expect(s.counts.success).toBe(8);
    for (let i = 0; i < 8; i++) {
      const steps = await h.store.listSteps(run.id, i);
      expect(steps.map((st) => st.nodeId)).toEqual(['a', 'b']);
    }
    expect(s.nodes.t).toMatchObject({ success: 8, failed: 0 });
  });

  it("a record written as started, then cut off by a crash before its first commit, counts its trigger's step once", async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 1500 }], ['b', 'test.add']], [['t', 'a'], ['a', 'b']]);
    const run = await h.engine.startRun(doc, { input: { records: records(3) } });
    // Each record's start is written on its own while its first step runs (nothing else is committed).
    await until('the records written as started', async () => (await h.store.listRecords(run.id)).items.map((r) => r.status), (st) => st.every((x) => x === 'running'), { ms: 1200 });
    // The process dies: the store keeps what it acknowledged, nothing more.
    await (h.store as SqlJsStore).kill();
    const dead = h;
    const again = await openHarness(h.dir);
    h = again;
    await h.engine.recover();
    await h.engine.resume(run.id);
    const s = await h.engine.waitForRun(run.id);
    await dead.engine.shutdown().catch(() => undefined);
    expect(s.counts.success).toBe(3);
    expect(s.nodes.t).toMatchObject({ success: 3, failed: 0 });
    expect(await h.store.stepCounts(run.id)).toMatchObject({ t: { success: 3, failed: 0 }, a: { success: 3, failed: 0 }, b: { success: 3, failed: 0 } });
    for (let i = 0; i < 3; i++) expect((await h.store.listSteps(run.id, i)).map((st) => [st.seq, st.nodeId])).toEqual([[2, 'a'], [3, 'b']]);
  });

  it('emits run, record and step events', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: records(3) } });
    await h.engine.waitForRun(run.id);
    const statuses = h.events.filter((e) => e.type === 'run').map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['running', 'completed']);
    const finished = h.events.filter((e) => e.type === 'record' && e.status === 'success');
    expect(finished).toHaveLength(3);
    expect(h.events.filter((e) => e.type === 'step' && e.phase === 'end')).toHaveLength(6);
  });
});

describe('engine: shared resources', () => {
  it('opens a run resource once and a record resource per record, and closes each when its scope ends', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['r1', 'test.resource'], ['r2', 'test.resource']], [['t', 'r1'], ['r1', 'r2']], 2);
    const run = await h.engine.startRun(doc, { input: { records: records(3) } });
    await h.engine.waitForRun(run.id);
    expect(probe.opened.filter((x) => x === 'browser')).toHaveLength(1);
    expect(probe.opened.filter((x) => x.startsWith('page')).sort()).toEqual(['page0', 'page1', 'page2']);
    // Record pages close as their record ends, the browser last, when the run ends.
    expect(probe.closed.slice().sort()).toEqual(['browser', 'page0', 'page1', 'page2']);
    expect(probe.closed[probe.closed.length - 1]).toBe('browser');
    expect((await h.store.getRecord(run.id, 1))?.output).toMatchObject({ used: 'B/P1' });
  });

  it('Pause lets a record that holds a session (its page) finish, so it never resumes without its page', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['r1', 'test.resource', { waitMs: 300 }], ['r2', 'test.resource', { waitMs: 300 }], ['a', 'test.add']], [['t', 'r1'], ['r1', 'r2'], ['r2', 'a']], 1);
    const run = await h.engine.startRun(doc, { input: { records: records(3) } });
    await new Promise((r) => setTimeout(r, 150));
    await h.engine.pause(run.id);
    const s = await h.engine.waitForRun(run.id);
    expect(s.status).toBe('paused');
    // Record 0 was at its first page step when Pause came: it finished with the same page.
    expect(await h.store.getRecord(run.id, 0)).toMatchObject({ status: 'success', output: { used: 'B/P0' } });
    expect(s.counts).toMatchObject({ success: 1, pending: 2 });
    expect(probe.opened.filter((x) => x === 'page0')).toHaveLength(1);
  });

  it('closes them when the run is stopped', async () => {
    h = await openHarness();
    const doc = flow([['t', 'test.trigger'], ['r', 'test.resource', { waitMs: 2000 }]], [['t', 'r']], 2);
    const run = await h.engine.startRun(doc, { input: { records: records(4) } });
    await new Promise((r) => setTimeout(r, 100));
    await h.engine.stop(run.id);
    await h.engine.waitForRun(run.id);
    expect(probe.closed.slice().sort()).toEqual(['browser', 'page0', 'page1']);
  });
});
