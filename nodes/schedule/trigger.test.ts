import { describe, expect, it } from 'vitest';
import { scheduleTrigger, scheduleParams } from './trigger.ts';
import { describeSchedule, dueTimes, nextTimes } from './times.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const defaults = scheduleParams.parse({});

describe('schedule.trigger', () => {
  it('has defaults and refuses unknown time zones and bad cron expressions with clear messages', () => {
    expect(defaults).toEqual({ mode: 'interval', intervalSeconds: 3600, cron: '0 9 * * 1-5', timezone: 'UTC', overlap: 'skip', missed: 'skip' });
    const tz = scheduleParams.safeParse({ mode: 'cron', timezone: 'Mars/Olympus' });
    expect(tz.success).toBe(false);
    expect(tz.error!.issues[0]).toMatchObject({ path: ['timezone'] });
    expect(tz.error!.issues[0].message).toMatch(/Mars\/Olympus.*not a time zone/);
    const cron = scheduleParams.safeParse({ mode: 'cron', cron: '61 * * * *' });
    expect(cron.success).toBe(false);
    expect(cron.error!.issues[0].path).toEqual(['cron']);
    expect(cron.error!.issues[0].message).toMatch(/not valid.*minute/i);
    expect(scheduleParams.safeParse({ mode: 'cron', cron: '0 9 * *' }).error!.issues[0].message).toMatch(/4 fields/);
    // a bad cron does not matter in interval mode
    expect(scheduleParams.safeParse({ mode: 'interval', cron: 'nonsense' }).success).toBe(true);
    expect(scheduleParams.safeParse({ intervalSeconds: 0.05 }).success).toBe(false);
  });

  it('returns the tick record the scheduler passes, or a manual record when started by hand', async () => {
    const tick = { scheduledFor: '2024-01-01T00:00:00.000Z', firedAt: '2024-01-01T00:00:00.002Z', tick: 3 };
    expect(await scheduleTrigger.records!(defaults, { records: [tick] })).toEqual([tick]);
    const manual = (await scheduleTrigger.records!(defaults, undefined)) as Array<Record<string, unknown>>;
    expect(manual).toHaveLength(1);
    expect(manual[0]).toMatchObject({ scheduledFor: null, manual: true });
    expect(Number.isNaN(Date.parse(manual[0].firedAt as string))).toBe(false);
    const { result } = await runNode(scheduleTrigger, {}, tick);
    expect(result.emit).toEqual([{ port: 'out', data: tick }]);
  });
});

describe('schedule times', () => {
  it('anchors interval ticks: anchor + k·interval, whatever "after" is', () => {
    const p = { ...defaults, intervalSeconds: 0.2 };
    const anchor = new Date('2024-01-01T00:00:00.000Z');
    const times = nextTimes(p, new Date('2024-01-01T00:00:00.450Z'), 3, anchor).map((d) => d.toISOString());
    expect(times).toEqual(['2024-01-01T00:00:00.600Z', '2024-01-01T00:00:00.800Z', '2024-01-01T00:00:01.000Z']);
    expect(nextTimes(p, new Date('2024-01-01T00:00:00.600Z'), 1, anchor)[0].toISOString()).toBe('2024-01-01T00:00:00.800Z');
    expect(nextTimes({ ...defaults, intervalSeconds: 900 }, anchor, 2).map((d) => d.toISOString())).toEqual(['2024-01-01T00:15:00.000Z', '2024-01-01T00:30:00.000Z']);
  });

  it('follows cron times in a time zone, across daylight saving', () => {
    const p = { ...defaults, mode: 'cron' as const, cron: '0 9 * * 1-5', timezone: 'Europe/Paris' };
    // Friday 29 March 2024; clocks go forward on Sunday 31 March
    const times = nextTimes(p, new Date('2024-03-29T12:00:00Z'), 3).map((d) => d.toISOString());
    expect(times).toEqual(['2024-04-01T07:00:00.000Z', '2024-04-02T07:00:00.000Z', '2024-04-03T07:00:00.000Z']);
    const winter = nextTimes(p, new Date('2024-03-27T12:00:00Z'), 1)[0].toISOString();
    expect(winter).toBe('2024-03-28T08:00:00.000Z');
    expect(nextTimes({ ...p, cron: '*/30 * * * * *', timezone: 'UTC' }, new Date('2024-01-01T00:00:10Z'), 2).map((d) => d.toISOString())).toEqual([
      '2024-01-01T00:00:30.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
  });

  it('counts the times due in a window (missed ticks)', () => {
    const p = { ...defaults, intervalSeconds: 60 };
    const anchor = new Date('2024-01-01T00:00:00Z');
    expect(dueTimes(p, new Date('2024-01-01T00:01:00Z'), new Date('2024-01-01T00:05:30Z'), anchor)).toEqual({ latest: new Date('2024-01-01T00:05:00Z'), count: 4 });
    expect(dueTimes(p, new Date('2024-01-01T00:05:00Z'), new Date('2024-01-01T00:05:30Z'), anchor)).toBeNull();
    const c = { ...defaults, mode: 'cron' as const, cron: '0 * * * *' };
    expect(dueTimes(c, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T03:10:00Z'))).toEqual({ latest: new Date('2024-01-01T03:00:00Z'), count: 3 });
  });

  it('throws E_SCHEDULE_INVALID with what to do, and describes schedules', async () => {
    const err = await failureOf(() => nextTimes({ ...defaults, mode: 'cron', timezone: 'Nowhere/Town' }, new Date(), 5));
    expect(err).toMatchObject({ code: 'E_SCHEDULE_INVALID' });
    expect(err.hint).toMatch(/IANA/);
    const bad = await failureOf(() => nextTimes({ ...defaults, mode: 'cron', cron: 'every monday' }, new Date(), 5));
    expect(bad.code).toBe('E_SCHEDULE_INVALID');
    expect(bad.message).toMatch(/2 fields/);
    expect(describeSchedule({ ...defaults, intervalSeconds: 900 })).toBe('every 15 min');
    expect(describeSchedule({ ...defaults, intervalSeconds: 0.2 })).toBe('every 0.2 s');
    expect(describeSchedule({ ...defaults, mode: 'cron', timezone: 'Europe/Paris' })).toBe('0 9 * * 1-5 (Europe/Paris)');
  });
});
