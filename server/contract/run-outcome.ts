import type { RecordStatus, RunStatus, StatusCounts } from './status.ts';

/**
 * How a run went, told the same way everywhere: the studio's end-of-run toast, run panel, runs
 * list and run view, and the CLI's summary line and exit code. Pure (no Node, no DOM): the client
 * imports it too, so each word is defined once.
 */

/** `success` green, `warning` amber, `danger` red, `info` a run still moving, `neutral` grey. */
export type OutcomeTone = 'success' | 'warning' | 'danger' | 'info' | 'neutral';

/**
 * - `active`: still running (or pausing, stopping)
 * - `succeeded`: completed, and every record succeeded or was skipped
 * - `review`: completed, none failed, some need review
 * - `failed`: completed with failed records
 * - `crashed`: the run itself could not go on
 * - `unfinished`: paused, stopped, safe-stopped or interrupted with records left
 */
export type OutcomeKind = 'active' | 'succeeded' | 'review' | 'failed' | 'crashed' | 'unfinished';

export interface RunOutcome {
  kind: OutcomeKind;
  tone: OutcomeTone;
  /** Short, for a badge: "Completed", "20 failed", "3 to review", "Paused". */
  label: string;
  /** One line, for a toast title or a summary: "Run completed with 20 failed". */
  headline: string;
  /** The counts behind it: "20 records: 0 succeeded, 20 failed." */
  detail: string;
}

/** Exit codes of `conveyor run` / `conveyor resume` (2 is a usage or input error, before any run). */
export const OUTCOME_EXIT_CODE: Record<OutcomeKind, number> = {
  succeeded: 0,
  failed: 1,
  crashed: 1,
  active: 1,
  review: 3,
  unfinished: 4,
};

/** One number format for every call: toLocaleString builds a new one each time (the studio shows these on every live update). */
const NUMBER = new Intl.NumberFormat('en-US');
const num = (count: number): string => NUMBER.format(count);
const n = (count: number, word: string, plural = `${word}s`) => `${num(count)} ${count === 1 ? word : plural}`;

/** "20 records: 0 succeeded, 20 failed, 3 to review." — zero counts left out, except "succeeded". */
export function countsSentence(counts: StatusCounts, recordCount?: number): string {
  const total = recordCount ?? Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = [`${num(counts.success)} succeeded`];
  if (counts.failed) parts.push(`${num(counts.failed)} failed`);
  if (counts.needs_review) parts.push(`${num(counts.needs_review)} to review`);
  if (counts.skipped) parts.push(`${num(counts.skipped)} skipped`);
  const left = counts.pending + counts.running;
  if (left) parts.push(`${num(left)} not finished`);
  return `${n(total, 'record')}: ${parts.join(', ')}.`;
}

/**
 * The rows of the run's file that never became records (refused by the column rules), said after
 * the counts: a run whose every record succeeded did not process the whole file.
 */
export function rejectedSentence(rows: number | undefined): string {
  if (!rows) return '';
  return `${n(rows, 'row')} of the file ${rows === 1 ? 'was' : 'were'} rejected before the run (not processed: the report lists ${rows === 1 ? 'it' : 'them'}).`;
}

/** What failed and what waits for review, as a phrase: "20 failed, 3 to review". */
function problems(c: StatusCounts): string {
  const parts: string[] = [];
  if (c.failed) parts.push(`${num(c.failed)} failed`);
  if (c.needs_review) parts.push(`${num(c.needs_review)} to review`);
  return parts.join(', ');
}

const UNFINISHED: Partial<Record<RunStatus, { label: string; tone: OutcomeTone }>> = {
  paused: { label: 'Paused', tone: 'warning' },
  stopped: { label: 'Stopped', tone: 'neutral' },
  safe_stopped: { label: 'Safe-stopped', tone: 'danger' },
  interrupted: { label: 'Interrupted', tone: 'warning' },
};

const ACTIVE: Partial<Record<RunStatus, string>> = { running: 'Running', pausing: 'Pausing', stopping: 'Stopping' };

/** The outcome of a run from its status and record counts. */
export function runOutcome(status: RunStatus, counts: StatusCounts, recordCount?: number): RunOutcome {
  const detail = countsSentence(counts, recordCount);
  const active = ACTIVE[status];
  if (active) return { kind: 'active', tone: 'info', label: active, headline: `Run ${active.toLowerCase()}`, detail };
  if (status === 'failed') return { kind: 'crashed', tone: 'danger', label: 'Failed', headline: 'Run failed', detail };
  const halted = UNFINISHED[status];
  if (halted) {
    const left = counts.pending + counts.running;
    return { kind: 'unfinished', tone: halted.tone, label: halted.label, headline: `Run ${halted.label.toLowerCase()}: ${n(left, 'record')} left`, detail };
  }
  // completed
  const what = problems(counts);
  if (counts.failed) return { kind: 'failed', tone: 'danger', label: what, headline: `Run completed with ${what}`, detail };
  if (counts.needs_review) return { kind: 'review', tone: 'warning', label: what, headline: `Run completed with ${what}`, detail };
  const total = recordCount ?? counts.success + counts.skipped;
  const all = counts.skipped === 0 ? (total === 1 ? 'The record succeeded.' : `All ${n(total, 'record')} succeeded.`) : detail;
  return { kind: 'succeeded', tone: 'success', label: 'Completed', headline: 'Run completed', detail: all };
}

/**
 * The word for a record that has not finished, given its run's status: a record under way in a
 * paused run is paused, not running; one left when a run stopped is stopped. Finished records keep
 * their own status word (null here).
 */
export function unfinishedRecordWord(runStatus: RunStatus | null | undefined, record: RecordStatus): { word: string; tone: OutcomeTone } | null {
  if (record !== 'pending' && record !== 'running') return null;
  if (!runStatus || ACTIVE[runStatus]) return record === 'running' ? { word: 'Running', tone: 'info' } : { word: 'Pending', tone: 'neutral' };
  const halted = UNFINISHED[runStatus];
  // A pending record of a run that can go on still waits its turn.
  if (halted) return record === 'running' ? { word: halted.label, tone: halted.tone } : { word: 'Pending', tone: 'neutral' };
  // The run ended (completed or failed) without this record finishing.
  return record === 'running' ? { word: 'Unfinished', tone: 'danger' } : { word: 'Not run', tone: 'neutral' };
}
