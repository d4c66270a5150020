import { Cron } from 'croner';
import { NodeError } from '../../server/contract/node-error.ts';

/** What the times of a schedule depend on (the Schedule trigger's params). */
export interface ScheduleTimesParams {
  mode: 'interval' | 'cron';
  intervalSeconds: number;
  cron: string;
  timezone: string;
}

export const SCHEDULE_INVALID = 'E_SCHEDULE_INVALID';

/** The interval in whole milliseconds (at least 1). */
export function intervalMs(params: Pick<ScheduleTimesParams, 'intervalSeconds'>): number {
  return Math.max(1, Math.round(params.intervalSeconds * 1000));
}

/** Why a time zone name is not usable, or null when it is. */
export function timezoneProblem(timezone: string): string | null {
  if (typeof timezone !== 'string' || timezone.trim() === '') return 'The time zone is empty.';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return `"${timezone}" is not a time zone this server knows.`;
  }
}

/** Why a cron expression is not usable, or null when it is. */
export function cronProblem(cron: string, timezone = 'UTC'): string | null {
  try {
    compileCron(cron, timezone);
    return null;
  } catch (err) {
    return err instanceof NodeError ? err.message : String(err);
  }
}

const cronCache = new Map<string, Cron>();

function compileCron(cron: string, timezone: string): Cron {
  const key = `${timezone}\u0000${cron}`;
  const cached = cronCache.get(key);
  if (cached) return cached;
  const tzProblem = timezoneProblem(timezone);
  if (tzProblem) throw invalidTimezone(tzProblem);
  const text = typeof cron === 'string' ? cron.trim() : '';
  const fields = text.split(/\s+/).filter(Boolean).length;
  if (!text || (!text.startsWith('@') && fields !== 5 && fields !== 6)) {
    throw new NodeError(
      SCHEDULE_INVALID,
      `The cron expression "${text}" has ${fields} field${fields === 1 ? '' : 's'}; it needs 5 (minute hour day month weekday) or 6 (with seconds first).`,
      'Write it like "0 9 * * 1-5" (9:00 on weekdays) or "*/30 * * * * *" (every 30 seconds).',
    );
  }
  let job: Cron;
  try {
    job = new Cron(text, { timezone, paused: true, mode: '5-or-6-parts' });
    // a pattern that can never match (31 February) only shows when asked for a time
    if (!job.nextRun(new Date(0))) throw new Error('it never matches any date');
  } catch (err) {
    const why = (err as Error).message.replace(/^CronPattern:\s*/i, '');
    throw new NodeError(
      SCHEDULE_INVALID,
      `The cron expression "${text}" is not valid: ${why}.`,
      'Use 5 fields (minute hour day month weekday) such as "0 9 * * 1-5", or 6 with seconds first; check each value\'s range (minutes 0-59, hours 0-23, days 1-31, months 1-12, weekdays 0-7).',
    );
  }
  if (cronCache.size > 500) cronCache.clear();
  cronCache.set(key, job);
  return job;
}

function invalidTimezone(problem: string): NodeError {
  return new NodeError(SCHEDULE_INVALID, problem, 'Use an IANA time zone name such as UTC, Europe/Paris or America/New_York.');
}

/** Checks a schedule's params: throws a NodeError E_SCHEDULE_INVALID saying what is wrong. */
export function checkSchedule(params: ScheduleTimesParams): void {
  const tz = timezoneProblem(params.timezone);
  if (tz) throw invalidTimezone(tz);
  if (params.mode === 'cron') compileCron(params.cron, params.timezone);
  else if (!(Number.isFinite(params.intervalSeconds) && params.intervalSeconds >= 0.1)) {
    throw new NodeError(SCHEDULE_INVALID, `The interval must be at least 0.1 seconds (got ${params.intervalSeconds}).`, 'Set "Every (seconds)" to a number such as 60 (one minute) or 3600 (one hour).');
  }
}

/**
 * The next `count` times of the schedule strictly after `after`. Interval ticks are anchored:
 * anchor + k·interval (k ≥ 1), so they never drift however late a tick fires; without an anchor
 * the schedule is taken as switched on at `after`.
 */
export function nextTimes(params: ScheduleTimesParams, after: Date, count: number, anchor: Date = after): Date[] {
  checkSchedule(params);
  if (params.mode === 'cron') return compileCron(params.cron, params.timezone).nextRuns(count, after);
  const step = intervalMs(params);
  const a = anchor.getTime();
  const t = after.getTime();
  const k = t < a ? 1 : Math.floor((t - a) / step) + 1;
  return Array.from({ length: count }, (_, i) => new Date(a + (k + i) * step));
}

/**
 * The latest time of the schedule at or before `at` and strictly after `after`, with how many
 * such times there are (counted up to `cap`); null when none.
 */
export function dueTimes(params: ScheduleTimesParams, after: Date, at: Date, anchor: Date = after, cap = 10_000): { latest: Date; count: number } | null {
  if (at.getTime() <= after.getTime()) return null;
  if (params.mode === 'interval') {
    const step = intervalMs(params);
    const a = anchor.getTime();
    const first = nextTimes(params, after, 1, anchor)[0].getTime();
    if (first > at.getTime()) return null;
    const lastK = Math.floor((at.getTime() - a) / step);
    const firstK = Math.round((first - a) / step);
    return { latest: new Date(a + lastK * step), count: lastK - firstK + 1 };
  }
  const job = compileCron(params.cron, params.timezone);
  let latest: Date | null = null;
  let count = 0;
  let cursor = after;
  while (count < cap) {
    const next = job.nextRun(cursor);
    if (!next || next.getTime() > at.getTime()) break;
    latest = next;
    cursor = next;
    count++;
  }
  if (count >= cap) {
    const prev = job.previousRuns(1, at)[0] ?? latest;
    // previousRuns is strictly before `at`: a time exactly at `at` counts too
    const exact = job.nextRun(new Date(at.getTime() - 1));
    latest = exact && exact.getTime() === at.getTime() ? exact : prev;
  }
  return latest ? { latest, count } : null;
}

/** A short description: "every 15 min", "0 9 * * 1-5 (Europe/Paris)". */
export function describeSchedule(params: ScheduleTimesParams): string {
  if (params.mode === 'cron') return `${params.cron.trim()} (${params.timezone})`;
  const s = params.intervalSeconds;
  const fmt = (n: number) => String(Number(n.toFixed(2)));
  if (s >= 86400 && s % 86400 === 0) return s === 86400 ? 'every day' : `every ${fmt(s / 86400)} days`;
  if (s >= 3600 && s % 3600 === 0) return s === 3600 ? 'every hour' : `every ${fmt(s / 3600)} h`;
  if (s >= 60 && s % 60 === 0) return s === 60 ? 'every minute' : `every ${fmt(s / 60)} min`;
  return s === 1 ? 'every second' : `every ${fmt(s)} s`;
}
