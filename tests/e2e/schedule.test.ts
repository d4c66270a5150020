import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const scheduledFlow = {
  format: 'conveyor.flow/v1',
  id: 'flow_scheduled_e2e',
  name: 'Every second',
  description: 'A scheduled check',
  settings: { concurrency: 1 },
  nodes: [
    { id: 'tick', type: 'schedule.trigger', name: 'Every second', position: { x: 80, y: 200 }, params: { mode: 'interval', intervalSeconds: 1, overlap: 'skip', missed: 'skip' } },
    { id: 'note', type: 'core.log', position: { x: 360, y: 200 }, params: {} },
  ],
  edges: [{ id: 'e1', source: 'tick', sourcePort: 'out', target: 'note', targetPort: 'in' }],
};

describe('schedules', () => {
  test('imports a scheduled flow, previews its next runs, switches it on in the flow list and sees its runs', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('btn-import')).waitFor();
    await page.locator(s.tid('import-file')).setInputFiles({ name: 'scheduled.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scheduledFlow)) });
    await page.waitForURL(/\/flows\/flow_scheduled_e2e$/);
    await s.waitForCanvas(page);

    // the inspector shows the next 5 run times of the trigger
    await s.selectNode(page, 'tick');
    const times = page.locator(s.tid('schedule-next-time'));
    await times.nth(4).waitFor();
    const isos = await times.evaluateAll((els) => els.map((e) => e.getAttribute('data-iso')!));
    expect(isos).toHaveLength(5);
    expect(Date.parse(isos[1]) - Date.parse(isos[0])).toBe(1000);

    // the flow list: switch the schedule on and see its next run time
    await page.goto(studio.url + '/');
    const row = page.locator(s.tid('flow-row-flow_scheduled_e2e'));
    const cell = row.locator(s.tid('flow-schedule'));
    await cell.waitFor();
    expect(await cell.getAttribute('data-enabled')).toBe('false');
    expect(await cell.locator(s.tid('schedule-description')).textContent()).toBe('every second');
    await cell.locator(s.tid('schedule-toggle')).click();
    await page.locator(`${s.tid('flow-schedule')}[data-enabled="true"]`).waitFor();
    const next = cell.locator(s.tid('schedule-next'));
    await next.waitFor();
    expect(await next.textContent()).toMatch(/^next /);
    expect(Date.parse((await next.getAttribute('title'))!)).toBeGreaterThan(Date.now() - 5000);

    // runs appear in the run history by themselves
    let runs: RunSummary[] = [];
    for (let i = 0; i < 150 && runs.length === 0; i++) {
      runs = await api<RunSummary[]>(studio.url, 'GET', '/api/runs?flowId=flow_scheduled_e2e');
      if (runs.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs.length).toBeGreaterThan(0);
    await page.goto(studio.url + '/runs');
    const firstRun = page.locator('[data-testid^="run-row-"]').first();
    await firstRun.waitFor({ timeout: 30_000 });
    await expect(firstRun.textContent()).resolves.toContain('Every second');
    const done = await waitForRun(studio.url, runs[runs.length - 1].id);
    expect(done.status).toBe('completed');
    const record = await api<{ record: { data: Record<string, unknown> } }>(studio.url, 'GET', `/api/runs/${runs[runs.length - 1].id}/records/0`);
    expect(record.record.data).toMatchObject({ tick: 1 });
    expect(typeof record.record.data.scheduledFor).toBe('string');

    // switched off from the list again
    await page.goto(studio.url + '/');
    await page.locator(`${s.tid('flow-schedule')}[data-enabled="true"] ${s.tid('schedule-toggle')}`).click();
    await page.locator(`${s.tid('flow-schedule')}[data-enabled="false"]`).waitFor();

    // an invalid cron in the inspector shows what is wrong
    await page.goto(studio.url + '/flows/flow_scheduled_e2e');
    await s.waitForCanvas(page);
    await s.selectNode(page, 'tick');
    await s.selectField(page, 'mode', 'cron');
    await s.fillField(page, 'cron', '0 25 * * *');
    const error = page.locator(s.tid('schedule-preview-error'));
    await error.waitFor();
    expect(await error.textContent()).toMatch(/hour/i);
    await s.fillField(page, 'cron', '0 9 * * 1-5');
    await page.locator(s.tid('schedule-next-time')).nth(4).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
