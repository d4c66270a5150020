import type { ActiveRunInfo } from '../engine/engine.ts';
import type { ScheduleInfo } from '../scheduler/scheduler.ts';
import type { Store } from '../store/types.ts';
import type { AlertRule } from '../contract/wire/monitoring-settings.ts';
import type { ScheduleWatch } from './schedule-watch.ts';

/** Whether one rule's condition holds now, and how to say it. */
export interface Condition {
  ruleId: string;
  firing: boolean;
  /** One line: the subject of the alert. */
  title: string;
  /** What was measured, for the body. */
  detail: string;
}

export interface ConditionInputs {
  store: Store;
  flowId: string;
  flowName: string;
  now: number;
  activeRuns: ActiveRunInfo[];
  schedule: ScheduleInfo | null;
  schedules: ScheduleWatch;
}

/** How many of a flow's latest runs the failure rate looks at. */
const RUNS_LOOKED_AT = 50;

export async function evaluate(rule: AlertRule, c: ConditionInputs): Promise<Condition> {
  switch (rule.kind) {
    case 'failure_rate':
      return failureRate(rule, c);
    case 'run_stuck':
      return runStuck(rule, c);
    case 'schedule_missed':
      return scheduleMissed(rule, c);
  }
}

type Finished = { status: string; endedAt: number };

/** Failed share of the records that ran (success, failed, needs review) in the window; skipped ones do not count. */
async function failureRate(rule: Extract<AlertRule, { kind: 'failure_rate' }>, c: ConditionInputs): Promise<Condition> {
  const since = rule.windowMinutes !== undefined ? c.now - rule.windowMinutes * 60_000 : -Infinity;
  const finished: Finished[] = [];
  for (const run of await c.store.listRuns({ flowId: c.flowId, limit: RUNS_LOOKED_AT })) {
    // A run that ended before the window (or before the Nth newest record found so far) has no record in it:
    // its records are not read (a big run has many).
    const ended = run.endedAt ? Date.parse(run.endedAt) : Infinity;
    if (ended < since || (rule.windowRecords !== undefined && ended < nthNewest(finished, rule.windowRecords))) continue;
    for (const r of await c.store.recordTimings(run.id)) {
      if (r.settled || !r.endedAt || !(r.status === 'success' || r.status === 'failed' || r.status === 'needs_review')) continue;
      const endedAt = Date.parse(r.endedAt);
      if (endedAt >= since && endedAt <= c.now) finished.push({ status: r.status, endedAt });
    }
  }
  const window = rule.windowRecords !== undefined ? finished.sort((a, b) => b.endedAt - a.endedAt).slice(0, rule.windowRecords) : finished;
  const failed = window.filter((r) => r.status === 'failed').length;
  const rate = window.length ? failed / window.length : 0;
  const where = rule.windowMinutes !== undefined ? `in the last ${rule.windowMinutes} min` : `of the last ${window.length} records`;
  const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
  const firing = window.length >= rule.minRecords && rate > rule.threshold;
  return {
    ruleId: rule.id,
    firing,
    title: firing ? `${pct(rate)} of records failed (above ${pct(rule.threshold)})` : `failure rate ${pct(rate)} (limit ${pct(rule.threshold)})`,
    detail: `${failed} of ${window.length} records that ran ${where} failed${window.length < rule.minRecords ? ` (no decision below ${rule.minRecords} records)` : ''}.`,
  };
}

/** When the Nth newest of the records finished at (-Infinity while there are fewer). */
function nthNewest(records: Finished[], n: number): number {
  if (records.length < n) return -Infinity;
  return records.map((r) => r.endedAt).sort((x, y) => y - x)[n - 1];
}

function runStuck(rule: Extract<AlertRule, { kind: 'run_stuck' }>, c: ConditionInputs): Condition {
  const limit = rule.minutes * 60_000;
  const stuck = c.activeRuns.filter((r) => r.flowId === c.flowId && c.now - Date.parse(r.lastProgressAt) >= limit);
  const minutes = (r: ActiveRunInfo) => Math.round((c.now - Date.parse(r.lastProgressAt)) / 60_000);
  return {
    ruleId: rule.id,
    firing: stuck.length > 0,
    title: stuck.length ? `${stuck.length === 1 ? 'a run' : `${stuck.length} runs`} made no progress for ${rule.minutes} min or more` : 'every run makes progress',
    detail: stuck.length
      ? stuck.map((r) => `Run ${r.runId}: no step started or ended for ${minutes(r)} min (${r.counts.running} records under way, ${r.counts.pending} waiting).`).join('\n')
      : `No run of the flow has gone ${rule.minutes} min without progress.`,
  };
}

function scheduleMissed(rule: Extract<AlertRule, { kind: 'schedule_missed' }>, c: ConditionInputs): Condition {
  const missing = c.schedules.missing(c.flowId, c.schedule, rule.graceMinutes * 60_000, c.now);
  return {
    ruleId: rule.id,
    firing: missing !== null,
    title: missing ? 'the schedule missed its tick' : 'the schedule ticks on time',
    detail: missing ?? 'The last expected tick fired.',
  };
}
