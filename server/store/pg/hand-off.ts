/**
 * Groundwork for workers (issue 14, point 2): the queue lives in the same PostgreSQL database
 * (graphile-worker's schema), so committing a step and scheduling the record's next work are one
 * transaction — a crash leaves both or neither, never a committed step without its job or a job
 * for a step that did not commit. `commitStepAndHandOff` is that write; the worker process that
 * takes the jobs (`npx conveyor worker`) is the next step.
 */
import { runMigrations } from 'graphile-worker';
import type { NodeStateWrite, RecordUpdate, StepRow } from '../types.ts';
import { commitStep, type Write } from './writes.ts';

/** The job that carries a record to its next step. */
export const RECORD_TASK = 'conveyor.record';

export interface RecordJob {
  runId: string;
  index: number;
  /** The step the job continues after (the record's checkpoint seq): a stale job is recognised by it. */
  seq: number;
}

/** Creates or upgrades the queue's schema (graphile-worker's own migrations) in the store's database. */
export async function prepareQueue(url: string): Promise<void> {
  await runMigrations({ connectionString: url, logger: undefined });
}

/**
 * The step, its record and node state (as `Store.commitStep`), and the record's job, in one write.
 * The job key is the record's: a newer hand-off replaces a job not yet taken instead of adding a second.
 */
export function commitStepAndHandOff(step: StepRow, record: RecordUpdate, state: NodeStateWrite[] | undefined, job: RecordJob | null): Write<void> {
  return async (ctx) => {
    await commitStep(step, record, state)(ctx);
    if (!job) return;
    await ctx.client.query('SELECT graphile_worker.add_job($1, $2::json, job_key => $3, max_attempts => 1)', [RECORD_TASK, JSON.stringify(job), `record:${job.runId}:${job.index}`]);
  };
}
