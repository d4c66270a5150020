import { cpSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { journalFaults } from '../../../server/store/journal.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RecordRow } from '../../../server/store/types.ts';
import { effectFlow, startEffects, unrepeated, type Effects } from './contract/effects.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/**
 * A full disk stops the run, not the truth: a write failure is injected below the store (the
 * journal's write fails with ENOSPC after writing a few bytes: a short write) while a run calls an
 * unsafe HTTP endpoint that counts calls per key. The run halts with E_STORE_WRITE; once the
 * failure is lifted, Resume finishes every record, no key is called twice, in-doubt ones wait for review.
 */
const RECORDS = 40;
/** Set the fault once this many calls have arrived (from inside the call: its commit fails). */
let failAfter = Infinity;
let effects: Effects;

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

function eio(): Error {
  return Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' });
}

/** How the disk fails: a short write then ENOSPC, or every write landing but its fsync failing (EIO). */
type Mode = 'short write (ENOSPC)' | 'fsync fails (EIO)';
let mode: Mode = 'short write (ENOSPC)';

function injectFull(): void {
  journalFaults.before =
    mode === 'short write (ENOSPC)'
      ? (what) => ({ error: enospc(), bytes: what === 'write' ? 7 : 0 })
      : (what) => (what === 'sync' ? { error: eio() } : null);
}

beforeAll(async () => {
  // Set the fault from inside the call that reaches `failAfter`: that call's commit fails.
  effects = await startEffects(5, (total) => {
    if (total >= failAfter) injectFull();
  });
});

afterAll(async () => {
  journalFaults.before = null;
  await effects.close();
});

afterEach(() => {
  mode = 'short write (ENOSPC)';
  journalFaults.before = null;
  journalFaults.freeBytes = null;
  failAfter = Infinity;
  effects.calls.clear();
});

function flowOf(id: string): FlowDocument {
  return effectFlow(id, effects.base, { concurrency: 4, records: Array.from({ length: RECORDS }, (_, i) => ({ key: `${id}-k${i}` })) });
}

async function allRecords(c: Conveyor, runId: string): Promise<RecordRow[]> {
  return (await c.store.listRecords(runId, { limit: 1000 })).items;
}

async function caught(p: Promise<unknown>): Promise<{ code: string; status: number; message: string; hint: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; status: number; message: string; hint: string };
  }
  throw new Error('expected a refusal');
}

/** Every record ended; each key called at most once; success ⇒ called once; review ⇒ E_IN_DOUBT (called once). */
async function expectNothingRepeated(c: Conveyor, runId: string, id: string): Promise<{ review: number }> {
  const records = await allRecords(c, runId);
  expect(records).toHaveLength(RECORDS);
  expect(unrepeated(records, (i) => `${id}-k${i}`, effects.calls)).toEqual([]);
  return { review: records.filter((r) => r.status === 'needs_review').length };
}

describe('a journal write that fails (ENOSPC) stops the run, not the truth', () => {
  it.each<Mode>(['short write (ENOSPC)', 'fsync fails (EIO)'])('%s: halts the run with E_STORE_WRITE; pause/stop/resume answer consistently; Resume after the disk is back finishes every record once', async (m) => {
    mode = m;
    const osCode = m === 'short write (ENOSPC)' ? 'ENOSPC' : 'EIO';
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-full-'));
    const c = await openConveyor(dataDir);
    try {
      const doc = flowOf('flow_full');
      await c.flows.import(doc, 'replace');
      failAfter = 10;
      const run = await c.engine.startRun(doc);
      const halted = await c.engine.waitForRun(run.id);
      const atHalt = effects.total();

      // The run ended in a clear state, saying what went wrong and what to do.
      expect(halted.status).toBe('interrupted');
      expect(halted.reason?.code).toBe('E_STORE_WRITE');
      expect(halted.reason?.message).toContain(osCode);
      expect(halted.reason?.message).toContain(path.join(dataDir, 'store'));
      expect(halted.reason?.hint).toMatch(osCode === 'ENOSPC' ? /Free space/ : /Check the disk/);
      expect(halted.reason?.hint).toMatch(/Resume/);
      // No new step started once the write failed: at most the calls under way then (concurrency 4) came in.
      expect(atHalt).toBeLessThan(10 + 4);
      expect(atHalt).toBeLessThan(RECORDS);
      // Health knows; the store refuses writes with the same code.
      expect(c.engine.storeWriteFailure()?.code).toBe('E_STORE_WRITE');
      expect(c.engine.storeWriteFailure()?.osCode).toBe(osCode);
      const save = await caught(c.flows.import({ ...doc, id: 'flow_other' }, 'replace'));
      expect(save.code).toBe('E_STORE_WRITE');
      expect(save.status).toBe(503);

      // Pause: refused, saying the run is interrupted by the store (the same status the summary shows).
      const pause = await caught(c.engine.pause(run.id));
      expect(pause.code).toBe('E_RUN_NOT_RUNNING');
      expect(pause.status).toBe(409);
      expect(pause.message).toContain('is interrupted');
      expect(pause.message).toContain(osCode);
      // Resume while the disk is still full: 503 E_STORE_WRITE, nothing runs, the run stays as it was.
      const resume = await caught(c.engine.resume(run.id));
      expect(resume.code).toBe('E_STORE_WRITE');
      expect(resume.status).toBe(503);
      expect(resume.hint).toMatch(/Resume/);
      expect((await c.engine.summary(run.id)).status).toBe('interrupted');
      expect((await c.engine.summary(run.id)).reason?.code).toBe('E_STORE_WRITE');
      expect(effects.total()).toBe(atHalt);
      if (osCode === 'ENOSPC') {
        // The writes would go through now, but the disk has almost no room: Resume answers at once.
        journalFaults.before = null;
        journalFaults.freeBytes = 4096;
        const tight = await caught(c.engine.resume(run.id));
        expect(tight.code).toBe('E_STORE_WRITE');
        expect(tight.message).toContain('4096 bytes free');
        expect((await c.engine.summary(run.id)).status).toBe('interrupted');
        expect(effects.total()).toBe(atHalt);
        journalFaults.freeBytes = null;
      }

      // Space is back: Resume reopens the journal and continues from the last committed steps.
      failAfter = Infinity;
      journalFaults.before = null;
      await c.engine.resume(run.id);
      const done = await c.engine.waitForRun(run.id);
      expect(done.status).toBe('completed');
      expect(c.engine.storeWriteFailure()).toBeNull();
      const { review } = await expectNothingRepeated(c, run.id, 'flow_full');
      // The call whose commit failed was made but never acknowledged: in doubt, never repeated.
      expect(review).toBeGreaterThanOrEqual(1);
      expect(done.counts.success + done.counts.needs_review).toBe(RECORDS);

      // What is on disk right now (as a crash would leave it) holds the same truth: the frames of the
      // failed writes were cut, so the journal reads on past them.
      const copy = mkdtempSync(path.join(os.tmpdir(), 'conveyor-full-copy-'));
      cpSync(path.join(dataDir, 'store'), copy, { recursive: true });
      const crashed = await openSqlJsStore(copy);
      try {
        const live = (await allRecords(c, run.id)).map((r) => [r.index, r.status, r.error?.code ?? null]);
        const onDisk = (await crashed.listRecords(run.id, { limit: 1000 })).items.map((r) => [r.index, r.status, r.error?.code ?? null]);
        expect(onDisk).toEqual(live);
        expect((await crashed.getRun(run.id))?.status).toBe('completed');
      } finally {
        await crashed.close();
      }
    } finally {
      journalFaults.before = null;
      await c.close();
    }

    // Nothing half-written was left behind: the store reopens with the same truth.
    const again = await openConveyor(dataDir);
    try {
      const [run] = await again.store.listRuns();
      expect(run.status).toBe('completed');
      const { review } = await expectNothingRepeated(again, run.id, 'flow_full');
      expect(review).toBeGreaterThanOrEqual(1);
    } finally {
      await again.close();
    }
  });

  it('Stop on a halted run stops it in memory and writes it once the store writes again; Resume then finishes it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-full-'));
    const c = await openConveyor(dataDir);
    try {
      const doc = flowOf('flow_stop');
      await c.flows.import(doc, 'replace');
      failAfter = 5;
      const run = await c.engine.startRun(doc);
      await c.engine.waitForRun(run.id);
      const stopped = await c.engine.stop(run.id);
      expect(stopped.status).toBe('stopped');
      expect(stopped.reason?.code).toBe('E_STORE_WRITE');
      // Asking again answers the same way (no contradicting refusals).
      expect((await c.engine.stop(run.id)).status).toBe('stopped');
      expect((await c.engine.summary(run.id)).status).toBe('stopped');
      // The store could not take it yet: what it holds still says running.
      expect((await c.store.getRun(run.id))?.status).toBe('running');

      failAfter = Infinity;
      journalFaults.before = null;
      // Still failing until a write goes through: then the stop is written too.
      await c.store.recoverWrites!();
      expect(c.engine.storeWriteFailure()?.code).toBe('E_STORE_WRITE');
      await c.flows.import({ ...doc, id: 'flow_stop_other' }, 'replace');
      await expect.poll(async () => (await c.store.getRun(run.id))?.status).toBe('stopped');
      expect(c.engine.storeWriteFailure()).toBeNull();

      await c.engine.resume(run.id);
      const done = await c.engine.waitForRun(run.id);
      expect(done.status).toBe('completed');
      await expectNothingRepeated(c, run.id, 'flow_stop');
    } finally {
      journalFaults.before = null;
      await c.close();
    }
  });

  it('Stop as the first write once the disk is back: the store ends up holding the run stopped', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-full-'));
    const c = await openConveyor(dataDir);
    try {
      const doc = flowOf('flow_stop_after');
      await c.flows.import(doc, 'replace');
      failAfter = 5;
      const run = await c.engine.startRun(doc);
      await c.engine.waitForRun(run.id);
      expect(c.engine.storeWriteFailure()?.code).toBe('E_STORE_WRITE');
      failAfter = Infinity;
      journalFaults.before = null;
      const stopped = await c.engine.stop(run.id);
      expect(stopped.status).toBe('stopped');
      await c.flows.import({ ...doc, id: 'flow_stop_after_2' }, 'replace'); // every write queued before it is applied
      expect((await c.store.getRun(run.id))?.status).toBe('stopped');
      expect((await c.engine.summary(run.id)).status).toBe('stopped');
    } finally {
      await c.close();
    }
  });

  it('after a restart (the disk still full at shutdown) the run shows interrupted and resumes normally', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-full-'));
    const doc = flowOf('flow_restart');
    let runId = '';
    const c = await openConveyor(dataDir);
    try {
      await c.flows.import(doc, 'replace');
      failAfter = 8;
      runId = (await c.engine.startRun(doc)).id;
      expect((await c.engine.waitForRun(runId)).reason?.code).toBe('E_STORE_WRITE');
    } finally {
      await c.close(); // the disk is still full: no snapshot, the journal is cut back to what was acknowledged
    }
    failAfter = Infinity;
    journalFaults.before = null;
    const journal = path.join(dataDir, 'store');
    expect(statSync(journal).isDirectory()).toBe(true);

    const again = await openConveyor(dataDir);
    try {
      const row = await again.store.getRun(runId);
      expect(row?.status).toBe('interrupted');
      await again.engine.resume(runId);
      const done = await again.engine.waitForRun(runId);
      expect(done.status).toBe('completed');
      const { review } = await expectNothingRepeated(again, runId, 'flow_restart');
      expect(review).toBeGreaterThanOrEqual(1);
    } finally {
      await again.close();
    }
  });
});
