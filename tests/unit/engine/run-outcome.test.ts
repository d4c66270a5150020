import { describe, expect, it } from 'vitest';
import { OUTCOME_EXIT_CODE, runOutcome, unfinishedRecordWord } from '../../../server/contract/run-outcome.ts';
import type { StatusCounts } from '../../../server/store/types.ts';

const counts = (c: Partial<StatusCounts>): StatusCounts => ({ pending: 0, running: 0, success: 0, failed: 0, needs_review: 0, skipped: 0, ...c });

describe('run outcome', () => {
  it('a completed run where every record failed is red and names the failed count', () => {
    const o = runOutcome('completed', counts({ failed: 20 }), 20);
    expect(o.kind).toBe('failed');
    expect(o.tone).toBe('danger');
    expect(o.label).toBe('20 failed');
    expect(o.headline).toBe('Run completed with 20 failed');
    expect(o.detail).toBe('20 records: 0 succeeded, 20 failed.');
    expect(OUTCOME_EXIT_CODE[o.kind]).toBe(1);
  });

  it('records to review make it amber, failures win over review', () => {
    const review = runOutcome('completed', counts({ success: 17, needs_review: 3 }), 20);
    expect([review.kind, review.tone, review.label]).toEqual(['review', 'warning', '3 to review']);
    expect(OUTCOME_EXIT_CODE[review.kind]).toBe(3);
    const both = runOutcome('completed', counts({ success: 10, failed: 7, needs_review: 3 }), 20);
    expect([both.kind, both.tone, both.headline]).toEqual(['failed', 'danger', 'Run completed with 7 failed, 3 to review']);
  });

  it('only a run with nothing failed or to review is green; skipped records do not spoil it', () => {
    const ok = runOutcome('completed', counts({ success: 20 }), 20);
    expect([ok.kind, ok.tone, ok.label, ok.detail]).toEqual(['succeeded', 'success', 'Completed', 'All 20 records succeeded.']);
    expect(OUTCOME_EXIT_CODE[ok.kind]).toBe(0);
    const skipped = runOutcome('completed', counts({ success: 18, skipped: 2 }), 20);
    expect([skipped.tone, skipped.detail]).toEqual(['success', '20 records: 18 succeeded, 2 skipped.']);
  });

  it('a run that did not finish says so, with what is left', () => {
    const paused = runOutcome('paused', counts({ success: 3, running: 2, pending: 15 }), 20);
    expect([paused.kind, paused.tone, paused.headline]).toEqual(['unfinished', 'warning', 'Run paused: 17 records left']);
    expect(OUTCOME_EXIT_CODE.unfinished).toBe(4);
    expect(runOutcome('failed', counts({ success: 3 }), 3).tone).toBe('danger');
    expect(runOutcome('running', counts({ running: 1 }), 1).kind).toBe('active');
  });

  it('a record under way is "Running" only while its run moves', () => {
    expect(unfinishedRecordWord('running', 'running')?.word).toBe('Running');
    expect(unfinishedRecordWord('paused', 'running')?.word).toBe('Paused');
    expect(unfinishedRecordWord('interrupted', 'running')?.word).toBe('Interrupted');
    expect(unfinishedRecordWord('stopped', 'running')?.word).toBe('Stopped');
    expect(unfinishedRecordWord('completed', 'running')?.word).toBe('Unfinished');
    expect(unfinishedRecordWord('completed', 'pending')?.word).toBe('Not run');
    expect(unfinishedRecordWord('paused', 'pending')?.word).toBe('Pending');
    expect(unfinishedRecordWord('completed', 'success')).toBeNull();
  });
});
