import { describe, expect, it } from 'vitest';
import { fetchLogTail } from '../../../client/run/log-backfill.ts';
import { useLiveRun } from '../../../client/stores/live-run-store.ts';
import type { LogLine } from '../../../client/api/types.ts';

const line = (i: number): LogLine => ({ runId: 'run_log', recordIndex: i, nodeId: 'log', level: 'info', message: `line ${i}`, data: null, at: new Date(Date.UTC(2026, 0, 1) + i).toISOString() });

/** A stored log of `total` lines, read a page at a time as GET /api/runs/:id/logs answers (at most 1,000 a page). */
function storedLog(total: number) {
  const reads: Array<[number, number]> = [];
  const read = async (offset: number, limit: number) => {
    reads.push([offset, limit]);
    const items = Array.from({ length: Math.max(0, Math.min(limit, 1000, total - offset)) }, (_, k) => line(offset + k));
    return { items, total };
  };
  return { read, reads };
}

describe('the live view reads the stored log', () => {
  it('a log longer than the limit: its newest lines are shown, and the older ones are counted as not shown', async () => {
    const log = storedLog(2_500);
    const tail = await fetchLogTail(log.read, () => false, 1_000);
    expect(tail!.omitted).toBe(1_500);
    expect(tail!.lines.map((l) => l.message)).toEqual(Array.from({ length: 1_000 }, (_, k) => `line ${1_500 + k}`));

    useLiveRun.getState().reset();
    useLiveRun.getState().mergeBackfill(tail!.lines, tail!.omitted);
    expect(useLiveRun.getState()).toMatchObject({ logsOmitted: 1_500 });
    expect(useLiveRun.getState().logs).toHaveLength(1_000);
  });

  it('a log within the limit is read whole', async () => {
    const log = storedLog(2_345);
    const tail = await fetchLogTail(log.read, () => false, 5_000);
    expect(tail!.omitted).toBe(0);
    expect(tail!.lines.map((l) => l.recordIndex)).toEqual(Array.from({ length: 2_345 }, (_, k) => k));
    expect(log.reads).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 345],
    ]);
  });
});
