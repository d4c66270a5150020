/**
 * Migration 12: when a run stood still between its start and its end (RunRow.halts, JSON text; null
 * when it never did), so that its report and its records' times leave those intervals out.
 */
export const name = 'run-halts';

export const sql = `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS halts text;
`;
