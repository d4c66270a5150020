import { afterEach, describe, expect, it } from 'vitest';
import { RUN_STATUSES, RUN_TRANSITIONS } from '../../../server/contract/status.ts';
import { writeRunStatus } from '../../../server/engine/run-transition.ts';
import { flow, openHarness, records, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h && (await h.close()));

describe('run status changes go through the status table', () => {
  it('an illegal change is refused with E_ILLEGAL_TRANSITION, names both statuses, and writes nothing', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: records(2) } });
    expect((await h.engine.waitForRun(run.id)).status).toBe('completed');
    const endedAt = (await h.store.getRun(run.id))!.endedAt;

    const refused = writeRunStatus(h.store, run.id, 'completed', { status: 'paused', endedAt: null });
    await expect(refused).rejects.toMatchObject({
      code: 'E_ILLEGAL_TRANSITION',
      message: expect.stringMatching(/is completed and cannot become paused/),
      hint: expect.stringMatching(/Refresh/),
      details: { from: 'completed', to: 'paused' },
    });
    const after = await h.store.getRun(run.id);
    expect(after?.status).toBe('completed');
    expect(after?.endedAt).toBe(endedAt);
  });

  it('every pair of statuses is written exactly when the table allows it', async () => {
    h = await openHarness();
    const run = await h.engine.startRun(flow([['t', 'test.trigger'], ['a', 'test.add']], [['t', 'a']]), { input: { records: records(1) } });
    await h.engine.waitForRun(run.id);
    for (const from of RUN_STATUSES) {
      for (const to of RUN_STATUSES) {
        await h.store.updateRun(run.id, { status: from });
        const allowed = from === to || RUN_TRANSITIONS[from].includes(to);
        const result = await writeRunStatus(h.store, run.id, from, { status: to }).then(() => 'written', (err) => err.code);
        expect(result, `${from} → ${to}`).toBe(allowed ? 'written' : 'E_ILLEGAL_TRANSITION');
        expect((await h.store.getRun(run.id))?.status, `${from} → ${to}`).toBe(allowed ? to : from);
      }
    }
  });

  it('the legal paths of the controls are unchanged: pause, resume, stop, resume to completed', async () => {
    h = await openHarness();
    const chain = flow([['t', 'test.trigger'], ['a', 'test.add', { waitMs: 15 }], ['b', 'test.add', { waitMs: 15 }]], [['t', 'a'], ['a', 'b']], 2);
    const run = await h.engine.startRun(chain, { input: { records: records(12) } });
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.engine.pause(run.id)).status).toBe('pausing');
    expect((await h.engine.waitForRun(run.id)).status).toBe('paused');
    await h.engine.resume(run.id);
    await new Promise((r) => setTimeout(r, 40));
    await h.engine.stop(run.id);
    expect((await h.engine.waitForRun(run.id)).status).toBe('stopped');
    await h.engine.resume(run.id);
    const done = await h.engine.waitForRun(run.id);
    expect(done.status).toBe('completed');
    expect(done.counts.success).toBe(12);
    const statuses = h.events.filter((e) => e.type === 'run' && e.runId === run.id).map((e) => (e as { status: string }).status);
    // Every status the run went through was allowed from the one before.
    for (let i = 1; i < statuses.length; i++) {
      const [from, to] = [statuses[i - 1], statuses[i]] as [keyof typeof RUN_TRANSITIONS, keyof typeof RUN_TRANSITIONS];
      expect(from === to || RUN_TRANSITIONS[from].includes(to), `${from} → ${to}`).toBe(true);
    }
    expect(statuses).toEqual(expect.arrayContaining(['running', 'pausing', 'paused', 'stopping', 'stopped', 'completed']));
  });
});
