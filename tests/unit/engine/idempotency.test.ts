import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, out } from '../../../nodes/sdk/define-node.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { KeyClaims, keyGate, planIdempotency } from '../../../server/engine/idempotency.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { flow, testNodes } from './harness.ts';

/** Calls of the unsafe step per business key (the email), across every run. */
const sent = new Map<string, number>();
/** Emails whose unsafe step hangs until the run is stopped (a crash in the middle of it). */
const hanging = new Set<string>();
/** Emails whose unsafe step, once counted, waits for the test to open its gate. */
const gates = new Map<string, Promise<void>>();

const nodes = [
  ...testNodes,
  defineNode({
    type: 'test.send', title: 'Send', category: 'Network', description: 'an unsafe call, counted per email', effect: 'unsafe',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      const email = String(ctx.input.email);
      sent.set(email, (sent.get(email) ?? 0) + 1);
      await gates.get(email);
      if (hanging.has(email)) await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
      return out({ ...ctx.input, sent: true });
    },
  }),
];

let store: Store;
let engine: Engine;
afterEach(async () => {
  await engine?.shutdown();
  await store?.close();
});

const doc = flow([['t', 'test.trigger'], ['send', 'test.send']], [['t', 'send']], 4, { businessKey: 'email' });
const sheet = ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'].map((email) => ({ email }));

async function run(recs: Array<{ email: string }>, reprocess = false) {
  const started = await engine.startRun(doc, { input: { records: recs }, reprocess });
  await engine.waitForRun(started.id);
  const reasons = await Promise.all(recs.map(async (_, i) => (await store.getRecord(started.id, i))!));
  return { id: started.id, records: reasons };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('idempotency: a key whose last attempt is in review or in doubt is not run again', () => {
  it('skips keys under way, in doubt and waiting for review, naming the run and record; the latest state counts', async () => {
    sent.clear();
    hanging.clear();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-idem-'));
    store = await openSqlJsStore(path.join(dir, 'store'));
    engine = new Engine({ store, registry: new NodeRegistry(nodes), dataDir: dir });

    // Run 1: a and b succeed; the unsafe step of c and d is under way when the run is stopped.
    hanging.add('c@x.test').add('d@x.test');
    const first = await engine.startRun(doc, { input: { records: sheet } });
    await until(() => sent.get('c@x.test') === 1 && sent.get('d@x.test') === 1 && sent.get('b@x.test') === 1);

    // The same sheet again meanwhile: c and d are being processed by run 1.
    const during = await run(sheet);
    expect(during.records.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(during.records[2].reason).toBe(`Under way in run ${first.id} (record #3, same email "c@x.test"): that run is processing it now. Let it finish, or start the run with "reprocess" to run it anyway.`);

    await engine.stop(first.id);
    await engine.waitForRun(first.id);
    hanging.clear();

    // After the "crash": a and b are done; c and d are in doubt, and are not sent again.
    const after = await run(sheet);
    expect(after.records.map((r) => r.reason)).toEqual([
      `Already done in run ${first.id} (record #1, same email "a@x.test").`,
      `Already done in run ${first.id} (record #2, same email "b@x.test").`,
      expect.stringMatching(new RegExp(`^In doubt in run ${first.id} \\(record #3, same email "c@x.test"\\): .*Resume run ${first.id}`)),
      expect.stringMatching(new RegExp(`^In doubt in run ${first.id} \\(record #4, same email "d@x.test"\\)`)),
    ]);

    // Resumed, run 1 sends c and d to review (in doubt); a new run still leaves them alone.
    await engine.resume(first.id);
    await engine.waitForRun(first.id);
    expect((await store.getRecord(first.id, 2))?.error?.code).toBe('E_IN_DOUBT');
    const later = await run(sheet);
    expect(later.records.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(later.records[3].reason).toBe(
      `Waiting for review in run ${first.id} (record #4, same email "d@x.test", E_IN_DOUBT): retry, resolve or skip it in the review queue, or start the run with "reprocess" to run it anyway.`,
    );
    expect([...sent.values()]).toEqual([1, 1, 1, 1]);

    // The operator resolves c (it did happen) and skips d (it did not): the latest state counts.
    await engine.review('resolve', [{ runId: first.id, index: 2 }], { note: 'checked: it was sent' });
    await engine.review('skip', [{ runId: first.id, index: 3 }], {});
    const resolved = await run(sheet);
    expect(resolved.records.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'success']);
    expect(resolved.records[2].reason).toBe(`Already done in run ${first.id} (record #3, same email "c@x.test").`);
    expect(sent.get('c@x.test')).toBe(1);
    expect(sent.get('d@x.test')).toBe(2);

    // Reprocessing runs a key anyway, when the operator asks.
    const again = await run([{ email: 'c@x.test' }], true);
    expect(again.records[0].status).toBe('success');
    expect(sent.get('c@x.test')).toBe(2);
  });

  it('a key another run took after this run was made is checked again as its record starts: not sent twice', async () => {
    sent.clear();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-idem-'));
    store = await openSqlJsStore(path.join(dir, 'store'));
    engine = new Engine({ store, registry: new NodeRegistry(nodes), dataDir: dir });
    const oneAtATime = flow([['t', 'test.trigger'], ['send', 'test.send']], [['t', 'send']], 1, { businessKey: 'email' });
    // Run 1 works on e1 (held inside its unsafe step) while e2 waits its turn, pending.
    let open = () => {};
    gates.set('e1@x.test', new Promise<void>((resolve) => (open = resolve)));
    const first = await engine.startRun(oneAtATime, { input: { records: [{ email: 'e1@x.test' }, { email: 'e2@x.test' }] } });
    await until(() => sent.get('e1@x.test') === 1);
    // Run 2 is made meanwhile: e2 was only pending in run 1, so run 2 runs it.
    const second = await engine.startRun(oneAtATime, { input: { records: [{ email: 'e2@x.test' }] } });
    await engine.waitForRun(second.id);
    expect((await store.getRecord(second.id, 0))?.status).toBe('success');
    expect(sent.get('e2@x.test')).toBe(1);
    // Run 1 goes on: as e2 starts there, its key is checked again, and it is not sent a second time.
    open();
    gates.clear();
    await engine.waitForRun(first.id);
    const skipped = (await store.getRecord(first.id, 1))!;
    expect(skipped.status).toBe('skipped');
    expect(skipped.reason).toBe(`Already done in run ${second.id} (record #1, same email "e2@x.test").`);
    expect(sent.get('e2@x.test')).toBe(1);
    expect((await store.listRecordEvents(first.id, 1)).at(-1)).toMatchObject({ from: 'pending', to: 'skipped', actor: 'engine', action: 'settled' });
    expect((await engine.waitForRun(first.id)).counts).toMatchObject({ success: 1, skipped: 1 });
  });

  it('a key held by a record walking in another run of the flow is refused to the second until the first lets go', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-idem-'));
    store = await openSqlJsStore(path.join(dir, 'store'));
    engine = new Engine({ store, registry: new NodeRegistry(nodes), dataDir: dir });
    const claims = new KeyClaims();
    const held = await keyGate(store, claims, 'flow_k', 'run_a', 'email').enter(4, { email: 'k@x.test' });
    expect(held && 'leave' in held).toBe(true);
    // Before run_a's record committed a step, the store knows nothing of it: the claim tells.
    expect(await keyGate(store, claims, 'flow_k', 'run_b', 'email').enter(0, { email: 'k@x.test' })).toEqual({
      skip: 'Under way in run run_a (record #5, same email "k@x.test"): that run is processing it now. Let it finish, or start the run with "reprocess" to run it anyway.',
    });
    // Another flow, another key, or a record without one: not held.
    expect(await keyGate(store, claims, 'flow_other', 'run_b', 'email').enter(0, { email: 'k@x.test' })).toMatchObject({ leave: expect.any(Function) });
    expect(await keyGate(store, claims, 'flow_k', 'run_b', 'email').enter(0, { email: 'other@x.test' })).toMatchObject({ leave: expect.any(Function) });
    expect(await keyGate(store, claims, 'flow_k', 'run_b', 'email').enter(0, { name: 'no key' })).toBeNull();
    (held as { leave(): void }).leave();
    expect(await keyGate(store, claims, 'flow_k', 'run_b', 'email').enter(0, { email: 'k@x.test' })).toMatchObject({ leave: expect.any(Function) });
  });

  it('a key reprocessed into review waits; one that succeeded stays done after a failed reprocessing; a failed key runs again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-idem-'));
    store = await openSqlJsStore(path.join(dir, 'store'));
    engine = new Engine({ store, registry: new NodeRegistry(nodes), dataDir: dir });
    // Two versions of one flow (same id, so the same keys): odd numbers go to review, or fail.
    const steps: Array<[string, string]> = [['t', 'f']];
    const toReview = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }, { errorMap: [{ match: 'E_ODD', class: 'business', action: 'review' }] }]], steps, 4, { businessKey: 'k' });
    const toFail = flow([['t', 'test.trigger'], ['f', 'test.flaky', { failWhenOdd: true }]], steps, 4, { businessKey: 'k' });
    const start = async (doc: typeof toFail, recs: Array<Record<string, string | number>>, reprocess = false) => {
      const r = await engine.startRun(doc, { input: { records: recs }, reprocess });
      await engine.waitForRun(r.id);
      return r.id;
    };
    const done = await start(toFail, [{ k: 'x', n: 2 }, { k: 'y', n: 2 }, { k: 'z', n: 1 }]);
    const review = await start(toReview, [{ k: 'x', n: 1 }], true);
    await start(toFail, [{ k: 'y', n: 1 }], true);
    const plan = await planIdempotency(store, toFail.id, 'next', [{ k: 'x' }, { k: 'y' }, { k: 'z' }], 'k', false);
    expect(plan.settled).toEqual([
      { index: 0, status: 'skipped', reason: expect.stringMatching(new RegExp(`^Waiting for review in run ${review} \\(record #1, same k "x", E_ODD\\)`)) },
      { index: 1, status: 'skipped', reason: `Already done in run ${done} (record #2, same k "y").` },
    ]);
    expect((await planIdempotency(store, toFail.id, 'next', [{ k: 'x' }], 'k', true)).settled).toEqual([]);
  });
});
