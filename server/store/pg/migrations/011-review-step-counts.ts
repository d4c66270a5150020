/**
 * Migration 11: steps that sent their record to review are counted apart from failed ones
 * (CountedAs in server/contract/wire/runs.ts), so the canvas shows them on their node's review
 * counter. Runs counted before keep those steps among the failed.
 */
export const name = 'review-step-counts';

export const sql = `
ALTER TABLE step_counts ADD COLUMN IF NOT EXISTS review bigint NOT NULL DEFAULT 0;
`;
