import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { ScheduleEvent } from '../../../server/scheduler/scheduler.ts';
import { setTimerAt, MAX_TIMEOUT_MS } from '../../../server/scheduler/long-timer.ts';
import { startTestServer, scoringFlow } from './support.ts';
import { until } from '../../support/until.ts';

const open: Conveyor[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close().catch(() => undefined);
});

async function conveyor(dir: string, schedules = true): Promise<Conveyor> {
  const c = await openConveyor(dir, { schedules });
  open.push(c);
  return c;
}

async function closeIt(c: Conveyor): Promise<void> {
  open.splice(open.indexOf(c), 1);
  await c.close();
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'conveyor-schedule-'));
}

function scheduledFlow(id: string, schedule: Record<string, unknown>, delayMs = 0): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: `Scheduled ${id}`,
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      { id: 'tick', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds: 0.2, ...schedule } },
      { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: delayMs } },
    ],
    edges: [{ id: 'e1', source: 'tick', sourcePort: 'out', target: 'wait', targetPort: 'in' }],
  };
}

/** Collects scheduler events and waits for enough of them (generous timeouts, no timing asserts). */
function watch(c: Conveyor) {
  const events: ScheduleEvent[] = [];
  c.scheduler.on((e) => events.push(e));
  return {
    events,
    ticks: () => events.filter((e) => e.type === 'tick') as Extract<ScheduleEvent, { type: 'tick' }>[],
    skips: () => events.filter((e) => e.type === 'skipped') as Extract<ScheduleEvent, { type: 'skipped' }>[],
    async until(check: () => boolean, what: string, ms = 20_000) {
      const end = Date.now() + ms;
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe('Scheduler', () => {
  it('starts runs on anchored interval ticks once switched on, each carrying its scheduled time; re-arms on save and forgets on delete', async () => {
    const c = await conveyor(tempDir());
    const w = watch(c);
    await c.flows.import(scheduledFlow('flow_every', {}));
    const info = await c.scheduler.setEnabled('flow_every', true);
    expect(info).toMatchObject({ enabled: true, mode: 'interval', description: 'every 0.2 s', skipped: 0 });
    expect(info.next).toHaveLength(5);
    await w.until(() => w.ticks().length >= 5, '5 ticks');

    const anchor = Date.parse((await c.store.getNodeState('schedule:flow_every', 'tick', 'anchor')) as string);
    const ticks = w.ticks().slice(0, 5);
    ticks.forEach((t, i) => {
      expect(t.tick).toBe(i + 1);
      expect((Date.parse(t.scheduledFor) - anchor) % 200).toBe(0);
      if (i > 0) expect(Date.parse(t.scheduledFor)).toBeGreaterThan(Date.parse(ticks[i - 1].scheduledFor));
    });
    for (const t of ticks) {
      const record = await c.store.getRecord(t.runId, 0);
      expect(record!.data).toMatchObject({ scheduledFor: t.scheduledFor, firedAt: t.firedAt, tick: t.tick });
    }
    const runs = await c.store.listRuns({ flowId: 'flow_every' });
    expect(runs.length).toBeGreaterThanOrEqual(5);

    // saved with an hourly interval: no more 0.2 s ticks
    await c.flows.save('flow_every', scheduledFlow('flow_every', { intervalSeconds: 3600 }));
    // The save re-arms the schedule as it is told of it: waited for, not slept on (50 ms was too short
    // in a full run at load 6-9).
    const [listed] = await until('the hourly schedule', () => c.scheduler.list(), (l) => l[0]?.description === 'every hour');
    expect(listed).toMatchObject({ flowId: 'flow_every', enabled: true, description: 'every hour' });
    expect(Date.parse(listed.next[0])).toBeGreaterThan(Date.now() + 3000_000);
    const count = w.ticks().length;
    await new Promise((r) => setTimeout(r, 500));
    expect(w.ticks().length).toBe(count);

    await c.flows.remove('flow_every');
    await until('the schedule forgotten', () => c.scheduler.list(), (l) => l.length === 0);
    await until('its state cleared', () => c.store.getNodeState('schedule:flow_every', 'tick', 'enabled'), (v) => v === null);
  });

  it('overlap "skip": never two runs of the flow at once, and the skipped ticks are counted', async () => {
    const c = await conveyor(tempDir());
    const w = watch(c);
    const overlaps: string[] = [];
    c.scheduler.on((e) => {
      if (e.type !== 'tick') return;
      const others = w.ticks().filter((t) => t.runId !== e.runId && c.engine.isActive(t.runId));
      if (others.length) overlaps.push(e.runId);
    });
    await c.flows.import(scheduledFlow('flow_slow', { overlap: 'skip' }, 700));
    await c.scheduler.setEnabled('flow_slow', true);
    await w.until(() => w.ticks().length >= 3 && w.skips().length >= 4, '3 runs and 4 skipped ticks');
    expect(overlaps).toEqual([]);
    expect(w.skips().every((s) => s.reason === 'overlap')).toBe(true);
    const [info] = await c.scheduler.list();
    expect(info.skipped).toBeGreaterThanOrEqual(4);
    expect(await c.store.getNodeState('schedule:flow_slow', 'tick', 'skipped')).toBe(info.skipped);
  });

  it('overlap "allow": runs of the flow overlap', async () => {
    const c = await conveyor(tempDir());
    const w = watch(c);
    const overlaps: string[] = [];
    c.scheduler.on((e) => {
      if (e.type === 'tick' && w.ticks().some((t) => t.runId !== e.runId && c.engine.isActive(t.runId))) overlaps.push(e.runId);
    });
    await c.flows.import(scheduledFlow('flow_allow', { overlap: 'allow' }, 700));
    await c.scheduler.setEnabled('flow_allow', true);
    await w.until(() => overlaps.length >= 2, 'two overlapping runs');
    expect(w.skips()).toEqual([]);
  });

  it('missed ticks while the server was down: "skip" starts no catch-up run, "run_once" exactly one', async () => {
    const dir = tempDir();
    const first = await conveyor(dir, false);
    await first.flows.import(scheduledFlow('flow_skip', { intervalSeconds: 3600, missed: 'skip' }));
    await first.flows.import(scheduledFlow('flow_once', { intervalSeconds: 3600, missed: 'run_once' }));
    await first.scheduler.setEnabled('flow_skip', true);
    await first.scheduler.setEnabled('flow_once', true);
    // as if switched on 3 h ago and the server went down after the first tick: 2 ticks missed
    const hour = 3600_000;
    const anchor = Math.floor(Date.now() / 1000) * 1000 - 3 * hour - 60_000;
    for (const flowId of ['flow_skip', 'flow_once']) {
      await first.store.putNodeState([
        { scope: `schedule:${flowId}`, nodeId: 'tick', key: 'anchor', value: new Date(anchor).toISOString() },
        { scope: `schedule:${flowId}`, nodeId: 'tick', key: 'lastTick', value: new Date(anchor + hour).toISOString() },
      ]);
    }
    expect(first.scheduler.started).toBe(false); // like `conveyor run`: no schedule runs
    await closeIt(first);

    const c = await conveyor(dir);
    expect(await c.store.listRuns({ flowId: 'flow_skip' })).toEqual([]);
    const once = await c.store.listRuns({ flowId: 'flow_once' });
    expect(once).toHaveLength(1);
    const record = await c.store.getRecord(once[0].id, 0);
    expect(record!.data).toMatchObject({ scheduledFor: new Date(anchor + 3 * hour).toISOString(), missed: 2, tick: 1 });
    const list = await c.scheduler.list();
    for (const info of list) {
      expect(info.lastTick).toBe(new Date(anchor + 3 * hour).toISOString());
      expect(info.next[0]).toBe(new Date(anchor + 4 * hour).toISOString());
    }
    expect(list.find((i) => i.flowId === 'flow_once')!.lastRunId).toBe(once[0].id);
    await c.engine.waitForRun(once[0].id);
  });

  it('a schedule that is off starts nothing', async () => {
    const c = await conveyor(tempDir());
    const w = watch(c);
    await c.flows.import(scheduledFlow('flow_off', {}));
    await c.scheduler.setEnabled('flow_off', true);
    await c.scheduler.setEnabled('flow_off', false);
    const before = (await c.store.listRuns({ flowId: 'flow_off' })).length;
    await new Promise((r) => setTimeout(r, 800));
    expect((await c.store.listRuns({ flowId: 'flow_off' })).length).toBe(before);
    expect(before).toBeLessThanOrEqual(1);
    expect((await c.scheduler.list())[0]).toMatchObject({ enabled: false });
    expect(w.ticks().length).toBe(before);
  });

  it('chains timers longer than setTimeout allows', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      setTimerAt(Date.now() + MAX_TIMEOUT_MS + 5000, fn);
      vi.advanceTimersByTime(MAX_TIMEOUT_MS);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(5001);
      expect(fn).toHaveBeenCalledTimes(1);
      const cancelled = vi.fn();
      setTimerAt(Date.now() + 3 * MAX_TIMEOUT_MS, cancelled).cancel();
      vi.advanceTimersByTime(4 * MAX_TIMEOUT_MS);
      expect(cancelled).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('REST: schedules', () => {
  it('lists schedules, switches them, previews times and refuses bad ones with E_SCHEDULE_INVALID', async () => {
    const s = await startTestServer();
    try {
      await s.api('POST', '/api/flows/import', scheduledFlow('flow_rest', { mode: 'cron', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' }));
      await s.api('POST', '/api/flows/import', scoringFlow('flow_manual'));

      const list = await s.api('GET', '/api/schedules');
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(1);
      expect(list.body[0]).toMatchObject({ flowId: 'flow_rest', flowName: 'Scheduled flow_rest', enabled: false, mode: 'cron', description: '0 9 * * 1-5 (Europe/Paris)', lastTick: null, lastRunId: null, skipped: 0 });
      expect(list.body[0].next).toHaveLength(5);

      const on = await s.api('PUT', '/api/flows/flow_rest/schedule', { enabled: true });
      expect(on.status).toBe(200);
      expect(on.body.enabled).toBe(true);
      expect((await s.api('GET', '/api/schedules')).body[0].enabled).toBe(true);

      const manual = await s.api('PUT', '/api/flows/flow_manual/schedule', { enabled: true });
      expect(manual.status).toBe(422);
      expect(manual.body.error).toMatchObject({ code: 'E_SCHEDULE_INVALID' });
      expect(manual.body.error.hint).toMatch(/Schedule trigger/);
      expect((await s.api('PUT', '/api/flows/flow_nope/schedule', { enabled: true })).body.error.code).toBe('E_FLOW_NOT_FOUND');
      expect((await s.api('PUT', '/api/flows/flow_rest/schedule', { enabled: 'yes' })).body.error.code).toBe('E_BODY_INVALID');

      const preview = await s.api('POST', '/api/schedules/preview', { params: { mode: 'interval', intervalSeconds: 900 } });
      expect(preview.status).toBe(200);
      expect(preview.body.next).toHaveLength(5);
      expect(Date.parse(preview.body.next[1]) - Date.parse(preview.body.next[0])).toBe(900_000);
      // A key the route does not take (a misspelt "params") is refused, not ignored into a preview of the defaults.
      const misspelt = await s.api('POST', '/api/schedules/preview', { parms: { mode: 'interval', intervalSeconds: 60 } });
      expect([misspelt.status, misspelt.body.error.code]).toEqual([400, 'E_BODY_INVALID']);
      const badCron = await s.api('POST', '/api/schedules/preview', { params: { mode: 'cron', cron: '0 25 * * *' } });
      expect(badCron.status).toBe(422);
      expect(badCron.body.error.code).toBe('E_SCHEDULE_INVALID');
      expect(badCron.body.error.message).toMatch(/hour/i);
      const badZone = await s.api('POST', '/api/schedules/preview', { params: { mode: 'cron', timezone: 'Europe/Atlantis' } });
      expect(badZone.status).toBe(422);
      expect(badZone.body.error).toMatchObject({ code: 'E_SCHEDULE_INVALID' });
      expect(badZone.body.error.message).toMatch(/Europe\/Atlantis/);

      // a flow file with a bad zone is refused on import, saying where
      const imported = await s.api('POST', '/api/flows/import', scheduledFlow('flow_badzone', { mode: 'cron', timezone: 'Europe/Atlantis' }));
      expect(imported.status).toBe(422);
      expect(JSON.stringify(imported.body.error.problems)).toMatch(/timezone/);
    } finally {
      await s.close();
    }
  });
});
