/**
 * The steps under way in workers, as a studio adds them up (server/realtime/worker-progress.ts):
 * each worker's whole count per run, summed over the workers that still talk; a silent worker is
 * dropped after the TTL and the run is named so its rooms update; a repeated count is no change.
 */
import { describe, expect, it } from 'vitest';
import { WorkerProgress } from '../../../server/realtime/worker-progress.ts';

describe('steps under way in workers', () => {
  it('adds the workers\' counts, drops a silent worker after the TTL, and tells which runs changed', () => {
    let now = 0;
    const p = new WorkerProgress(3000, () => now);
    expect(p.report('r1', 'w1', { call: 4 })).toBe(true);
    expect(p.report('r1', 'w2', { call: 2, mark: 1 })).toBe(true);
    expect(p.totals('r1')).toEqual({ call: 6, mark: 1 });
    // The same count again (a keepalive) changes nothing; a new count replaces the worker's last one.
    expect(p.report('r1', 'w1', { call: 4 })).toBe(false);
    expect(p.report('r1', 'w1', { call: 3 })).toBe(true);
    expect(p.totals('r1')).toEqual({ call: 5, mark: 1 });
    // w2 goes silent (killed); w1 keeps talking.
    now = 2500;
    p.report('r1', 'w1', { call: 3 });
    now = 3500;
    const changed: string[] = [];
    p.sweep((runId) => changed.push(runId));
    expect(changed).toEqual(['r1']);
    expect(p.totals('r1')).toEqual({ call: 3 });
    // A worker with nothing under way any more says so: the run's count is empty.
    expect(p.report('r1', 'w1', {})).toBe(true);
    expect(p.totals('r1')).toEqual({});
    expect(p.totals('other')).toEqual({});
  });

  it('never counts a report older than the TTL, even before a sweep', () => {
    let now = 0;
    const p = new WorkerProgress(3000, () => now);
    p.report('r1', 'w1', { call: 2 });
    now = 3001;
    expect(p.totals('r1')).toEqual({});
  });
});
