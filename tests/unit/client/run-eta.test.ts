import { afterEach, describe, expect, it, vi } from 'vitest';
import { doneCount, useLiveRun } from '../../../client/stores/live-run-store.ts';
import { etaText } from '../../../client/run/progress-eta.ts';
import type { RunStatus, RunSummary, RunUpdate } from '../../../client/api/types.ts';

const TOTAL = 3000;
const counts = (success: number) => ({ pending: TOTAL - success - 4, running: 4, success, failed: 0, needs_review: 0, skipped: 0 });
const summary = (status: RunStatus, success: number) =>
  ({ id: 'run_eta', flowId: 'f', flowName: 'F', status, settings: { concurrency: 4 }, recordCount: TOTAL, counts: counts(success), nodes: {}, reason: null, createdAt: '', startedAt: '', endedAt: null }) as unknown as RunSummary;
const update = (status: RunStatus, success: number) => ({ ...summary(status, success), runId: 'run_eta', seq: 1, final: status !== 'running', records: [], logs: [] }) as unknown as RunUpdate;

/** What the run panel's ETA says now (RunProgress reads the same store and function). */
function shownEta(): string | null {
  const s = useLiveRun.getState();
  return etaText(s.progressStart, s.status, doneCount(s.counts), s.recordCount, Date.now());
}

describe('run ETA', () => {
  afterEach(() => {
    vi.useRealTimers();
    useLiveRun.getState().reset();
  });

  it('after a pause the time left is measured from the Resume on, not across the minutes the run stood still', () => {
    vi.useFakeTimers({ now: 0 });
    useLiveRun.getState().attach(summary('running', 0));
    useLiveRun.getState().applyUpdate(update('running', 0)); // the answer to joining the run's room
    vi.setSystemTime(5_000);
    useLiveRun.getState().applyUpdate(update('running', 200)); // 40 records a second
    expect(shownEta()).toBe('about 1 min 10 s left');

    useLiveRun.getState().applyUpdate(update('paused', 200));
    expect(shownEta()).toBeNull();

    // Ten minutes later the operator presses Resume: the answer to it, then the live updates.
    vi.setSystemTime(605_000);
    useLiveRun.getState().applySummary(summary('running', 200));
    expect(shownEta()).toBe('estimating…');
    vi.setSystemTime(610_000);
    useLiveRun.getState().applyUpdate(update('running', 400)); // still 40 records a second
    expect(shownEta()).toBe('about 1 min 5 s left');
  });

  it('a page that only polls the summary (no live connection) still measures the pace', () => {
    vi.useFakeTimers({ now: 0 });
    useLiveRun.getState().attach(summary('running', 100));
    vi.setSystemTime(10_000);
    useLiveRun.getState().applySummary(summary('running', 500));
    expect(shownEta()).toBe('about 1 min 3 s left');
  });
});
