import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GroupCommitJournal, JournalFile, journalFaults, scanFrames } from '../../../server/store/journal.ts';
import { BLOCKING_SYNC_MS, SyncTiming, WARM_UP } from '../../../server/store/sync-timing.ts';

/**
 * The journal writes and syncs either with the blocking calls (while the disk's syncs are fast: less
 * CPU a group commit) or through libuv's pool (a slow or stalled disk must not freeze the studio's
 * event loop): sync-timing.ts. Both kinds must leave the same durable frames behind, and the choice
 * must follow the disk's timings.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  journalFaults.blocking = null;
});

describe('when the journal blocks the main thread', () => {
  it('only after a few fast syncs; at once back to the pool on a slow one; blocking again once syncs are fast again', () => {
    const t = new SyncTiming();
    expect(t.blocking).toBe(false);
    for (let i = 0; i < WARM_UP - 1; i++) t.took(0.4);
    expect(t.blocking).toBe(false);
    t.took(0.4);
    expect(t.blocking).toBe(true);
    // One slow sync (5 ms): the next group goes through the pool at once.
    t.took(5);
    expect(t.blocking).toBe(false);
    t.took(0.3);
    expect(t.blocking).toBe(true);
    // A longer stall (20 ms): a few fast syncs through the pool before blocking again.
    t.took(20);
    expect(t.blocking).toBe(false);
    let fast = 0;
    while (!t.blocking && fast < 100) {
      t.took(0.3);
      fast++;
    }
    expect(t.blocking).toBe(true);
    expect(fast).toBeGreaterThanOrEqual(3);
  });

  it('never while syncs take longer than the bound on average, even without a stall', () => {
    const t = new SyncTiming();
    for (let i = 0; i < 50; i++) t.took(BLOCKING_SYNC_MS * 2);
    expect(t.blocking).toBe(false);
    for (let i = 0; i < 50; i++) t.took(BLOCKING_SYNC_MS * 0.5);
    expect(t.blocking).toBe(true);
  });

  it('a forced kind wins over the timings', () => {
    let forced: boolean | null = true;
    const t = new SyncTiming(() => forced);
    expect(t.blocking).toBe(true);
    for (let i = 0; i < 20; i++) t.took(0.1);
    forced = false;
    expect(t.blocking).toBe(false);
    forced = null;
    expect(t.blocking).toBe(true);
  });
});

describe.each([
  ['the blocking calls', true],
  ["the pool's calls", false],
] as const)('a journal written with %s', (_kind, blocking) => {
  it('holds every acknowledged entry, in order, in frames that read back whole', async () => {
    journalFaults.blocking = blocking;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-journal-calls-'));
    dirs.push(dir);
    const file = await JournalFile.create(dir, 1);
    const applied: string[] = [];
    const journal = new GroupCommitJournal<string>(file, 1, {
      apply: (entries) => entries.map((e) => (applied.push(e.op), { ok: true, value: e.seq })),
      afterFlush: async () => undefined,
    });
    const acknowledged = new Map<number, string>();
    // 16 writers, each writing its next entry once the last one is durable: groups of up to 16.
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          const payload = JSON.stringify({ writer: w, i, text: `entry ${w}/${i} `.repeat(1 + ((w * i) % 7)) });
          const seq = await journal.submit<number>(payload, payload);
          acknowledged.set(seq, payload);
        }
      }),
    );
    await journal.close(new Error('closed'));
    await file.close();
    const { frames, validLength } = scanFrames(readFileSync(file.path));
    expect(validLength).toBe(readFileSync(file.path).length);
    expect(frames.length).toBe(400);
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (const f of frames) expect(f.payload).toBe(acknowledged.get(f.seq));
    expect(applied.length).toBe(400);
  });
});
