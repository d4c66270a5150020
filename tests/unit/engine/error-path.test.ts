import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, endWith, out } from '../../../nodes/sdk/define-node.ts';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { RecordData } from '../../../nodes/sdk/types.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { buildReport } from '../../../server/report/build-report.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { flow, testNodes } from './harness.ts';

/**
 * Failures that an error port routes somewhere: what the record keeps of them, and where a retry
 * from the review queue resumes. Side effects are counted per business key (the "email" field).
 */
const calls = new Map<string, number>();
const count = (what: string) => calls.set(what, (calls.get(what) ?? 0) + 1);
/** Emails the verification refuses (a test "fixes the cause" by deleting from it). */
const refused = new Set<string>();

const nodes = [
  ...testNodes,
  defineNode({
    type: 'test.create-account', title: 'Create account', category: 'Network', description: 'an unsafe call, counted per email', effect: 'unsafe',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run(ctx) {
      count(`create:${ctx.input.email}`);
      return out({ ...ctx.input, account: true });
    },
  }),
  defineNode({
    type: 'test.verify', title: 'Verify', category: 'Network', description: 'refuses the emails in `refused`', effect: 'idempotent',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run(ctx) {
      count(`verify:${ctx.input.email}`);
      if (refused.has(String(ctx.input.email))) throw new NodeError('E_VERIFY_FAILED', `The site refused the code for ${ctx.input.email}.`, 'Check the mailbox, then retry the record.');
      return out({ ...ctx.input, verified: true });
    },
  }),
  defineNode({
    type: 'test.lines', title: 'Lines', category: 'Flow', description: 'one record per line', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: (ctx) => ({ emit: (ctx.input.lines as string[]).map((email) => ({ port: 'out', data: { email } })) }),
  }),
  defineNode({
    type: 'test.gather-emails', title: 'Gather', category: 'Flow', description: 'collect', effect: 'none', collect: true,
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run(ctx) {
      count('gather');
      return out({ emails: (ctx.collected ?? []).map((d) => d.email as string) });
    },
  }),
  defineNode({
    type: 'test.note', title: 'Note', category: 'Flow', description: 'a step on the error path', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: (ctx) => out({ ...ctx.input, noted: true }),
  }),
  // A record "page": opened by test.open-page, needed by test.on-page (gone when the record's walk ends).
  defineNode({
    type: 'test.open-page', title: 'Open page', category: 'Network', description: 'opens the record page', effect: 'none', session: 'opens',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      count(`open:${ctx.input.email}`);
      await ctx.resources.record.get('page', async () => ({ open: true }), () => undefined);
      return out(ctx.input);
    },
  }),
  defineNode({
    type: 'test.on-page', title: 'On page', category: 'Network', description: 'a step on the record page (verifies like test.verify when asked)', effect: 'idempotent', session: 'uses',
    params: z.object({ verify: z.boolean().default(false), unsafe: z.boolean().default(false) }), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      const page = await ctx.resources.record.get('page', async () => ({ open: false }), () => undefined);
      if (!page.open) throw new NodeError('E_NO_PAGE', 'No page is open for this record.', 'Open it first.');
      count(`${ctx.node.id}:${ctx.input.email}`);
      if (ctx.params.verify && refused.has(String(ctx.input.email))) throw new NodeError('E_VERIFY_FAILED', `The site refused the code for ${ctx.input.email}.`, 'Check the mailbox, then retry the record.');
      return out(ctx.input);
    },
  }),
  defineNode({
    type: 'test.click', title: 'Create my account', category: 'Network', description: 'an unsafe click on the record page', effect: 'unsafe', session: 'uses',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run(ctx) {
      count(`click:${ctx.input.email}`);
      return out(ctx.input);
    },
  }),
  defineNode({
    type: 'test.review', title: 'Needs review', category: 'Output', description: 'end in review', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [],
    run: () => endWith('needs_review', 'Verification failed: a person should look.'),
  }),
];

let store: Store;
let engine: Engine;
afterEach(async () => {
  await engine?.shutdown();
  await store?.close();
});

async function open(): Promise<void> {
  calls.clear();
  refused.clear();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-error-path-'));
  store = await openSqlJsStore(path.join(dir, 'store'));
  engine = new Engine({ store, registry: new NodeRegistry(nodes), dataDir: dir });
}

async function runToEnd(doc: ReturnType<typeof flow>, recs: Record<string, unknown>[]) {
  const run = await engine.startRun(doc, { input: { records: recs as never } });
  return { id: run.id, summary: await engine.waitForRun(run.id) };
}

/** Retries records and waits until they have ended again. */
async function retry(runId: string, indexes: number[], data?: RecordData) {
  const results = await engine.review('retry', indexes.map((index) => ({ runId, index })), data ? { data } : {});
  expect(results.every((r) => r.ok)).toBe(true);
  for (let i = 0; i < 400; i++) {
    const recs = await Promise.all(indexes.map((index) => store.getRecord(runId, index)));
    if (recs.every((r) => r && r.status !== 'running' && r.status !== 'pending') && !engine.isActive(runId)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the retried records did not end');
}

/** trigger → create (unsafe) → verify → done; verify's error port → note → "Needs review" end. */
const signup = () =>
  flow(
    [['t', 'test.trigger'], ['create', 'test.create-account'], ['verify', 'test.verify'], ['done', 'test.end'], ['note', 'test.note'], ['rv', 'test.review']],
    [['t', 'create'], ['create', 'verify'], ['verify', 'done'], ['verify', 'note', 'error'], ['note', 'rv']],
  );
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `p${i}@x.test` }));

describe('a failure routed by an error port', () => {
  it('stays the record\'s error when the path ends in review: record, review filter and report show it', async () => {
    await open();
    refused.add('p1@x.test').add('p3@x.test');
    const { id, summary } = await runToEnd(signup(), people(4));
    expect(summary.counts).toMatchObject({ success: 2, needs_review: 2, failed: 0 });

    const rec = await store.getRecord(id, 1);
    expect(rec).toMatchObject({
      status: 'needs_review',
      reason: 'Verification failed: a person should look.',
      error: { code: 'E_VERIFY_FAILED', message: 'The site refused the code for p1@x.test.', hint: 'Check the mailbox, then retry the record.', nodeId: 'verify' },
    });
    expect((await store.getRecord(id, 0))?.error).toBeNull();

    const queue = await store.listReview({ runId: id, code: 'E_VERIFY_FAILED' });
    expect(queue.items.map((r) => [r.index, r.error?.hint])).toEqual([
      [1, 'Check the mailbox, then retry the record.'],
      [3, 'Check the mailbox, then retry the record.'],
    ]);
    const report = await buildReport(store, id);
    expect(report.errors).toEqual([{ code: 'E_VERIFY_FAILED', count: 2, example: 'The site refused the code for p1@x.test.' }]);
  });

  it('leaves no error on a record whose error path recovers; its steps still show the failure', async () => {
    await open();
    refused.add('p0@x.test');
    // verify's error port → note → (nothing after it): the path ends success.
    const doc = flow(
      [['t', 'test.trigger'], ['verify', 'test.verify'], ['done', 'test.end'], ['note', 'test.note']],
      [['t', 'verify'], ['verify', 'done'], ['verify', 'note', 'error']],
    );
    const { id, summary } = await runToEnd(doc, people(1));
    expect(summary.counts.success).toBe(1);
    const rec = await store.getRecord(id, 0);
    expect(rec).toMatchObject({ status: 'success', error: null, output: { noted: true, error: { code: 'E_VERIFY_FAILED' } } });
    expect((await store.listSteps(id, 0)).map((s) => [s.nodeId, s.status])).toEqual([
      ['verify', 'failed'],
      ['note', 'success'],
    ]);
    expect((await buildReport(store, id)).errors).toEqual([]);
    expect((await store.listReview({ runId: id })).total).toBe(0);
  });
});

describe('retry from the review queue', () => {
  it('resumes at the step whose failure routed the record: the unsafe step before it is not run again', async () => {
    await open();
    refused.add('p1@x.test').add('p2@x.test');
    const { id } = await runToEnd(signup(), people(3));
    expect(calls.get('create:p1@x.test')).toBe(1);

    // The cause is fixed for p1; p2 is retried with corrected data.
    refused.delete('p1@x.test');
    await retry(id, [1]);
    await retry(id, [2], { email: 'p2-fixed@x.test' });

    for (const [index, email] of [[1, 'p1@x.test'], [2, 'p2-fixed@x.test']] as const) {
      const rec = await store.getRecord(id, index);
      expect(rec).toMatchObject({ status: 'success', error: null, output: { email, account: true, verified: true } });
      expect(rec?.output).not.toHaveProperty('error');
    }
    expect(calls.get('create:p1@x.test')).toBe(1);
    expect(calls.get('create:p2@x.test')).toBe(1);
    expect(calls.get('create:p2-fixed@x.test')).toBeUndefined();
    expect(calls.get('verify:p1@x.test')).toBe(2);
    expect(calls.get('verify:p2-fixed@x.test')).toBe(1);
    expect((await store.listSteps(id, 1)).map((s) => s.nodeId)).toEqual(['create', 'verify', 'note', 'rv', 'verify', 'done']);
    expect((await engine.summary(id)).counts).toMatchObject({ success: 3, needs_review: 0 });
  });

  it('an error path that branches to two review ends keeps the failing step once: after a good retry the record is done', async () => {
    await open();
    refused.add('p0@x.test');
    const doc = flow(
      [['t', 'test.trigger'], ['verify', 'test.verify'], ['done', 'test.end'], ['rv', 'test.review'], ['rv2', 'test.review']],
      [['t', 'verify'], ['verify', 'done'], ['verify', 'rv', 'error'], ['verify', 'rv2', 'error']],
    );
    const { id } = await runToEnd(doc, people(1));
    expect(await store.getRecord(id, 0)).toMatchObject({ status: 'needs_review', error: { code: 'E_VERIFY_FAILED' } });
    refused.clear();
    await retry(id, [0]);
    expect(await store.getRecord(id, 0)).toMatchObject({ status: 'success', error: null });
    expect(calls.get('verify:p0@x.test')).toBe(2);
  });

  it('a record whose retried step fails again goes back to review with the new failure, still without repeating the unsafe step', async () => {
    await open();
    refused.add('p0@x.test');
    const { id } = await runToEnd(signup(), people(1));
    await retry(id, [0]);
    expect(await store.getRecord(id, 0)).toMatchObject({ status: 'needs_review', error: { code: 'E_VERIFY_FAILED', nodeId: 'verify' } });
    expect(calls.get('create:p0@x.test')).toBe(1);
    expect(calls.get('verify:p0@x.test')).toBe(2);
  });

  it('a failed step on the record\'s page gets its page back: the path is replayed from the step that opened it, unless an unsafe click would run again', async () => {
    await open();
    refused.add('p0@x.test');
    const page = (clickFirst: boolean) =>
      flow(
        [['t', 'test.trigger'], ['open', 'test.open-page'], ['fill', clickFirst ? 'test.click' : 'test.on-page'], ['verify', 'test.on-page', { verify: true }], ['done', 'test.end'], ['rv', 'test.review']],
        [['t', 'open'], ['open', 'fill'], ['fill', 'verify'], ['verify', 'done'], ['verify', 'rv', 'error']],
      );
    const safe = await runToEnd(page(false), people(1));
    refused.clear();
    await retry(safe.id, [0]);
    expect(await store.getRecord(safe.id, 0)).toMatchObject({ status: 'success', error: null });
    expect([calls.get('open:p0@x.test'), calls.get('fill:p0@x.test'), calls.get('verify:p0@x.test')]).toEqual([2, 2, 2]);

    // With a committed unsafe click since the page opened, replaying would click again: review instead.
    refused.add('p0@x.test');
    const clicked = await runToEnd(page(true), people(1));
    refused.clear();
    await retry(clicked.id, [0]);
    expect(await store.getRecord(clicked.id, 0)).toMatchObject({ status: 'needs_review', error: { code: 'E_SESSION_LOST' } });
    expect(calls.get('click:p0@x.test')).toBe(1);
  });

  it.each([
    ['routed by its error port to a "Needs review" end', true],
    ['failed with no error port', false],
  ])('a child of a split %s keeps its place in its group: the collect waits for it and gathers every child once', async (_, viaErrorPort) => {
    await open();
    refused.add('b@x.test');
    const doc = flow(
      [['t', 'test.trigger'], ['split', 'test.lines'], ['verify', 'test.verify'], ['gather', 'test.gather-emails'], ['rv', 'test.review']],
      [['t', 'split'], ['split', 'verify'], ['verify', 'gather'], ...(viaErrorPort ? [['verify', 'rv', 'error'] as [string, string, string]] : [])],
    );
    const { id } = await runToEnd(doc, [{ lines: ['a@x.test', 'b@x.test', 'c@x.test'] }]);
    const held = await store.getRecord(id, 0);
    expect(held).toMatchObject({ status: viaErrorPort ? 'needs_review' : 'failed', error: { code: 'E_VERIFY_FAILED', nodeId: 'verify' } });
    // The collect did not run without the child that waits for a person.
    expect(calls.get('gather')).toBeUndefined();

    refused.clear();
    await retry(id, [0]);
    const rec = await store.getRecord(id, 0);
    expect(rec?.status).toBe('success');
    expect([...(rec?.output?.emails as string[])].sort()).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
    expect(calls.get('gather')).toBe(1);
    expect(calls.get('verify:a@x.test')).toBe(1);
    expect(calls.get('verify:b@x.test')).toBe(2);
  });
});
