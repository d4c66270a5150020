import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../server/cli/progress-line.ts';
import { emptyCounts } from '../../../server/contract/status.ts';

describe('the terminal progress line of conveyor run', () => {
  it('names the records waiting for review once there are some, so the parts add up to what is done', () => {
    const counts = { ...emptyCounts(), pending: 2, running: 1, success: 4, failed: 1, needs_review: 2 };
    expect(progressLine('run_x', { recordCount: 10, counts })).toBe('run_x: 7/10 records (4 ok, 1 failed, 2 to review)');
    expect(progressLine('run_x', { recordCount: 10, counts: { ...counts, needs_review: 0, pending: 4 } })).toBe('run_x: 5/10 records (4 ok, 1 failed)');
  });
});
