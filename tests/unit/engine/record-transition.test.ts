import { afterEach, describe, expect, it } from 'vitest';
import {
  RECORD_ACTIONS,
  RECORD_CREATED_AS,
  RECORD_STATUSES,
  RECORD_TRANSITIONS,
  REVIEW_ACTIONS,
  type RecordAction,
  type RecordStatus,
} from '../../../server/contract/status.ts';
import { checkRecordTransition, writeRecordStatus, writeRecordStatusIf } from '../../../server/engine/record-transition.ts';
import { flow, openHarness, records, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h && (await h.close()));

// The record state machine written out by hand, action by action ("from>to"): the table in
// server/contract/status.ts must say exactly this.
const EXPECTED: Record<RecordAction, string> = {
  start: 'pending>running',
  step: 'running>running',
  finish: 'pending>success pending>failed pending>needs_review pending>skipped running>success running>failed running>needs_review running>skipped',
  retry: 'failed>running needs_review>running',
  skip: 'failed>skipped needs_review>skipped',
  resolve: 'failed>success needs_review>success',
};
const allowed = (action: RecordAction, from: RecordStatus, to: RecordStatus) => EXPECTED[action].split(' ').includes(`${from}>${to}`);
const ACTIONS = Object.keys(EXPECTED) as RecordAction[];
const place = { runId: 'run_x', index: 2 };

/** The code a refused change answers: an operator's action on a record not open for review, or an engine fault. */
function refusal(action: RecordAction, from: RecordStatus): string {
  const operator = action === 'retry' || action === 'skip' || action === 'resolve';
  return operator && from !== 'failed' && from !== 'needs_review' ? 'E_REVIEW_NOT_OPEN' : 'E_ILLEGAL_RECORD_TRANSITION';
}

describe('the record status table', () => {
  it('allows exactly the changes each action may make, and refuses the others with a code', () => {
    expect(Object.keys(RECORD_ACTIONS).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) {
      for (const from of RECORD_STATUSES) {
        for (const to of RECORD_STATUSES) {
          const label = `${action}: ${from} → ${to}`;
          let code = 'allowed';
          try {
            checkRecordTransition(place, action, from, to);
          } catch (err) {
            code = (err as { code: string }).code;
            // The engine's fault names the status; the operator's refusal says it in words (the next test).
            expect((err as Error).message, label).toMatch(code === 'E_ILLEGAL_RECORD_TRANSITION' ? new RegExp(`Record #3 of run run_x is ${from}`) : /^Record #3 of run run_x /);
            expect((err as { hint: string }).hint, label).toMatch(/Refresh/);
          }
          expect(code, label).toBe(allowed(action, from, to) ? 'allowed' : refusal(action, from));
        }
      }
    }
  });

  it('what each status may become: success and skipped are final; review actions leave failed and needs review', () => {
    const row = (s: RecordStatus) => RECORD_TRANSITIONS[s].join(' ');
    expect(Object.fromEntries(RECORD_STATUSES.map((s) => [s, row(s)]))).toEqual({
      pending: 'running success failed needs_review skipped',
      running: 'running success failed needs_review skipped',
      success: '',
      failed: 'running success skipped',
      needs_review: 'running success skipped',
      skipped: '',
    });
    expect([...RECORD_CREATED_AS]).toEqual(['pending', 'skipped']);
    expect([...REVIEW_ACTIONS]).toEqual(['retry', 'skip', 'resolve']);
  });
});

describe('record status writes go through the table', () => {
  it('every action, from every status to every status, is written exactly when the table allows it; a refused one writes nothing', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: records(1) } });
    await h.engine.waitForRun(run.id);
    for (const action of ACTIONS) {
      for (const from of RECORD_STATUSES) {
        for (const to of RECORD_STATUSES) {
          const label = `${action}: ${from} → ${to}`;
          await h.store.updateRecord({ runId: run.id, index: 0, status: from, checkpoint: null, reason: 'before' });
          const events = (await h.store.listRecordEvents(run.id, 0)).length;
          const at = new Date().toISOString();
          const result = await writeRecordStatus(h.store, action, from, {
            runId: run.id,
            index: 0,
            status: to,
            checkpoint: null,
            reason: 'after',
            event: { at, from, to, actor: RECORD_ACTIONS[action].by, action, note: null, data: null },
          }).then(
            () => 'written',
            (err) => err.code,
          );
          expect(result, label).toBe(allowed(action, from, to) ? 'written' : refusal(action, from));
          const after = await h.store.getRecord(run.id, 0);
          expect([after?.status, after?.reason], label).toEqual(allowed(action, from, to) ? [to, 'after'] : [from, 'before']);
          expect((await h.store.listRecordEvents(run.id, 0)).length, label).toBe(events + (allowed(action, from, to) ? 1 : 0));
        }
      }
    }
  });

  it('review actions on a record that is not failed or in review are refused (E_REVIEW_NOT_OPEN) and change nothing', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: records(1) } });
    await h.engine.waitForRun(run.id);
    for (const status of ['pending', 'running', 'success', 'skipped'] as const) {
      for (const action of REVIEW_ACTIONS) {
        await h.store.updateRecord({ runId: run.id, index: 0, status, checkpoint: null, reason: 'as it was' });
        const events = await h.store.listRecordEvents(run.id, 0);
        const [result] = await h.engine.review(action, [{ runId: run.id, index: 0 }], { note: 'looked at it' });
        expect([result.ok, result.error?.code], `${action} on ${status}`).toEqual([false, 'E_REVIEW_NOT_OPEN']);
        const words = { pending: 'has not started yet', running: 'is running', success: 'has succeeded', skipped: 'was skipped' }[status as string];
        expect(result.error?.message).toMatch(new RegExp(`of run ${run.id} ${words}; only failed records and records needing review`));
        expect(await h.store.getRecord(run.id, 0), `${action} on ${status}`).toMatchObject({ status, reason: 'as it was' });
        expect(await h.store.listRecordEvents(run.id, 0), `${action} on ${status}`).toEqual(events);
      }
    }
    // From a status open for review, skip and resolve are written with their audit event.
    for (const [from, action, to] of [['failed', 'skip', 'skipped'], ['needs_review', 'resolve', 'success']] as const) {
      await h.store.updateRecord({ runId: run.id, index: 0, status: from, checkpoint: null });
      const [result] = await h.engine.review(action, [{ runId: run.id, index: 0 }], { note: 'handled' });
      expect(result.ok, `${action} on ${from}`).toBe(true);
      expect((await h.store.getRecord(run.id, 0))?.status).toBe(to);
      expect((await h.store.listRecordEvents(run.id, 0)).at(-1)).toMatchObject({ from, to, actor: 'operator', action, note: 'handled' });
    }
  });

  it('a review action on a record gone before its write (its run deleted meanwhile) is E_RECORD_NOT_FOUND, numbered as the queue numbers it', async () => {
    const gone = { updateRecordIf: async () => ({ written: false as const, found: null }) };
    const err = await writeRecordStatusIf(gone, 'skip', { status: 'failed', endedAt: null }, { ...place, status: 'skipped', checkpoint: null }).catch((e) => e);
    expect([err.code, err.status, err.message, err.hint]).toEqual(['E_RECORD_NOT_FOUND', 404, 'Record #3 of run run_x no longer exists (its run was deleted meanwhile).', 'Refresh the review queue.']);
  });

  it("the engine's own record changes, as its audit trail shows them, are all in the table", async () => {
    h = await openHarness();
    // Even records end in review, odd ones fail; an unsafe step is marked in flight first; the duplicate is settled as skipped.
    const doc = flow(
      [['t', 'test.trigger'], ['x', 'test.effect'], ['g', 'test.gate'], ['r', 'test.end', { status: 'needs_review' }], ['f', 'test.flaky', { failWhenOdd: true }], ['s', 'test.end', { status: 'skipped' }]],
      [['t', 'x'], ['x', 'g'], ['g', 'r', 'even'], ['g', 'f', 'odd'], ['f', 's']],
      2,
      { businessKey: 'k' },
    );
    const run = await h.engine.startRun(doc, { input: { records: [...records(4, (i) => ({ n: i, k: `k${i}` })), { n: 9, k: 'k1' }] } });
    const done = await h.engine.waitForRun(run.id);
    expect(done.counts).toMatchObject({ needs_review: 2, failed: 2, skipped: 1 });
    const events = (await h.store.listRunEvents(run.id, { actor: 'engine' })).items;
    const byEvent: Record<string, RecordAction> = { started: 'start', finished: 'finish' };
    const seen = new Set<string>();
    for (const e of events) {
      seen.add(`${e.action}:${e.from}>${e.to}`);
      if (e.action === 'settled') {
        expect(e.from).toBeNull();
        expect(RECORD_CREATED_AS).toContain(e.to);
        continue;
      }
      expect(allowed(byEvent[e.action], e.from as RecordStatus, e.to as RecordStatus), `${e.action}: ${e.from} → ${e.to}`).toBe(true);
    }
    expect([...seen].sort()).toEqual(['finished:running>failed', 'finished:running>needs_review', 'settled:null>skipped', 'started:pending>running']);
  });
});
