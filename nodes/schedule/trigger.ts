import { z } from 'zod';
import { defineTrigger } from '../sdk/define-node.ts';
import type { RecordData } from '../sdk/types.ts';
import { cronProblem, timezoneProblem } from './times.ts';

export const scheduleParams = z
  .object({
    mode: z
      .enum(['interval', 'cron'])
      .default('interval')
      .describe('interval: run every N seconds from the moment the schedule is switched on. cron: run at the times a cron expression names, in the time zone below.')
      .meta({ title: 'Mode' }),
    intervalSeconds: z
      .number()
      .min(0.1, 'The interval must be at least 0.1 seconds.')
      .max(366 * 86400, 'The interval can be at most a year (31622400 seconds).')
      .default(3600)
      .describe('Interval mode: seconds between two runs, e.g. 60 (a minute), 900 (15 minutes), 3600 (an hour). Runs stay on the same beat, however long each takes.')
      .meta({ title: 'Every (seconds)' }),
    cron: z
      .string()
      .max(200)
      .default('0 9 * * 1-5')
      .describe('Cron mode: 5 fields (minute hour day-of-month month weekday), or 6 with seconds first. "0 9 * * 1-5" is 9:00 on weekdays, "*/15 * * * *" every 15 minutes.')
      .meta({ title: 'Cron expression' }),
    timezone: z
      .string()
      .max(100)
      .default('UTC')
      .describe('Cron mode: the IANA time zone the cron times are read in, e.g. UTC, Europe/Paris, America/New_York (daylight saving is followed).')
      .meta({ title: 'Time zone' }),
    overlap: z
      .enum(['skip', 'allow'])
      .default('skip')
      .describe('skip: when the previous run of this flow is still going, the tick is skipped (and counted). allow: start another run anyway.')
      .meta({ title: 'When the last run is still going' }),
    missed: z
      .enum(['skip', 'run_once'])
      .default('skip')
      .describe('Times missed while the server was down: skip them and wait for the next one, or run once at start-up for all of them.')
      .meta({ title: 'Missed times' }),
  })
  .superRefine((p, ctx) => {
    const tz = timezoneProblem(p.timezone);
    if (tz) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `${tz} Use an IANA name such as UTC, Europe/Paris or America/New_York.` });
    else if (p.mode === 'cron') {
      const problem = cronProblem(p.cron, p.timezone);
      if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    }
  });

export type ScheduleParams = z.infer<typeof scheduleParams>;

export const scheduleTrigger = defineTrigger({
  type: 'schedule.trigger',
  title: 'Schedule',
  category: 'Triggers',
  description: 'Starts the flow on a schedule — every N seconds or at cron times in a time zone — once the schedule is switched on in the flow list.',
  icon: 'alarm-clock',
  params: scheduleParams,
  outputs: [{ id: 'out', label: 'Tick' }],
  effect: 'none',
  records(_p, input): RecordData[] {
    if (input?.records && input.records.length > 0) return input.records;
    return [{ firedAt: new Date().toISOString(), scheduledFor: null, manual: true }];
  },
});
