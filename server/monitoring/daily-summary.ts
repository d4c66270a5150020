import { runOutcome, type OutcomeKind } from '../contract/run-outcome.ts';
import { emptyCounts, type StatusCounts } from '../contract/status.ts';
import type { Store } from '../store/types.ts';
import type { SummarySetting } from '../contract/wire/monitoring-settings.ts';
import { instantOf, localTime, previousDay } from './zoned-time.ts';

/** What a daily summary says: the runs of the 24 hours before its send time. */
export interface SummaryReport {
  day: string;
  from: string;
  to: string;
  runs: number;
  outcomes: Partial<Record<OutcomeKind, number>>;
  records: StatusCounts;
  topErrors: Array<{ code: string; count: number }>;
  flows: Array<{ flowId: string; flowName: string; runs: number; failed: number }>;
}

/** How many runs a summary reads at most (the newest first). */
const RUNS_READ = 5000;

/** The day whose summary is due at `now`, or null (not yet its time today). */
export function dueDay(s: SummarySetting, now: number): string | null {
  const local = localTime(now, s.timeZone);
  const [hh, mm] = s.time.split(':').map(Number);
  return local.minuteOfDay >= hh * 60 + mm ? local.day : null;
}

/** Gathers the summary of `day`: runs created from the previous day's send time to this day's. */
export async function buildSummary(store: Store, s: SummarySetting, day: string): Promise<SummaryReport> {
  const to = instantOf(day, s.time, s.timeZone);
  const from = instantOf(previousDay(day), s.time, s.timeZone);
  const only = s.flows.length ? new Set(s.flows) : null;
  const runs = (await store.listRuns({ limit: RUNS_READ })).filter((r) => {
    const created = Date.parse(r.createdAt);
    return created >= from && created < to && (!only || only.has(r.flowId));
  });
  const outcomes: SummaryReport['outcomes'] = {};
  const records = emptyCounts();
  const errors = new Map<string, number>();
  const flows = new Map<string, SummaryReport['flows'][number]>();
  for (const run of runs) {
    const counts = await store.countRecords(run.id);
    const kind = runOutcome(run.status, counts, run.recordCount).kind;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    for (const [status, n] of Object.entries(counts)) records[status as keyof StatusCounts] += n;
    for (const r of await store.recordTimings(run.id)) if (r.errorCode) errors.set(r.errorCode, (errors.get(r.errorCode) ?? 0) + 1);
    const f = flows.get(run.flowId) ?? { flowId: run.flowId, flowName: run.flowName, runs: 0, failed: 0 };
    f.runs++;
    f.failed += counts.failed;
    flows.set(run.flowId, f);
  }
  const topErrors = [...errors].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 5);
  return { day, from: new Date(from).toISOString(), to: new Date(to).toISOString(), runs: runs.length, outcomes, records, topErrors, flows: [...flows.values()].sort((a, b) => a.flowName.localeCompare(b.flowName)) };
}

const OUTCOME_WORDS: Record<OutcomeKind, string> = { succeeded: 'succeeded', review: 'completed with records to review', failed: 'completed with failed records', crashed: 'failed (crashed)', unfinished: 'unfinished (paused, stopped or interrupted)', active: 'still running' };

/** The summary as mail: subject and plain text. */
export function summaryMail(r: SummaryReport): { subject: string; text: string } {
  const failedRecords = r.records.failed;
  const subject = `[Conveyor] Daily summary ${r.day}: ${r.runs} run${r.runs === 1 ? '' : 's'}, ${failedRecords} failed record${failedRecords === 1 ? '' : 's'}`;
  const lines = [`Runs started from ${r.from} to ${r.to}: ${r.runs}.`, ''];
  if (r.runs) {
    lines.push('Outcomes:');
    for (const [kind, n] of Object.entries(r.outcomes)) lines.push(`  ${n} ${OUTCOME_WORDS[kind as OutcomeKind]}`);
    lines.push('', 'Records by status:');
    for (const [status, n] of Object.entries(r.records)) if (n) lines.push(`  ${status.replace('_', ' ')}: ${n}`);
    lines.push('', r.topErrors.length ? 'Top error codes:' : 'No record errors.');
    for (const e of r.topErrors) lines.push(`  ${e.code}: ${e.count}`);
    lines.push('', 'Per flow:');
    for (const f of r.flows) lines.push(`  ${f.flowName} (${f.flowId}): ${f.runs} run${f.runs === 1 ? '' : 's'}, ${f.failed} failed record${f.failed === 1 ? '' : 's'}`);
  } else {
    lines.push('No run started in this period.');
  }
  return { subject, text: lines.join('\n') };
}
