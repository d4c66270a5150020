import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('flow alerts', () => {
  test('sets a failure-rate alert with a webhook in the flow inspector; a bad address is refused with the reason and nothing is saved', async () => {
    const page = await studio.page();
    const flowId = await s.createFlow(page, studio.url, 'Watched flow');
    await page.locator(s.tid('flow-alerts-toggle')).click();
    await page.locator(s.tid('alert-settings')).waitFor();

    await page.locator(s.tid('alert-rule-add')).selectOption('failure_rate');
    await page.locator(s.tid('alert-rule-threshold-0')).fill('30');
    await page.locator(s.tid('alert-rule-window-0')).fill('15');
    await page.locator(s.tid('alerts-webhook-on')).check();
    await page.locator(s.tid('alerts-webhook-url')).fill('hooks.example/no-scheme');
    await page.locator(s.tid('alerts-save')).click();
    const error = page.locator(s.tid('alerts-error'));
    await error.waitFor();
    expect(await error.textContent()).toMatch(/webhook\.url.*must be a full http\(s\) address/);
    expect((await api<any>(studio.url, 'GET', `/api/flows/${flowId}/alerts`)).settings.rules).toEqual([]);

    await page.locator(s.tid('alerts-webhook-url')).fill('https://hooks.example/alerts');
    await page.locator(s.tid('alerts-save')).click();
    await page.locator(s.tid('alerts-notice')).getByText('Alerts saved.').waitFor();
    const saved = await api<any>(studio.url, 'GET', `/api/flows/${flowId}/alerts`);
    expect(saved.settings).toEqual({
      enabled: true,
      rules: [{ id: 'failure_rate-1', kind: 'failure_rate', threshold: 0.3, windowMinutes: 15, minRecords: 5 }],
      mail: null,
      webhook: { url: 'https://hooks.example/alerts' },
    });

    // What was saved is what the section shows after a reload.
    await page.reload();
    await s.waitForCanvas(page);
    await page.locator(s.tid('flow-alerts-toggle')).click();
    expect(await page.locator(s.tid('alert-rule-threshold-0')).inputValue()).toBe('30');
    expect(await page.locator(s.tid('alerts-webhook-url')).inputValue()).toBe('https://hooks.example/alerts');
    expect(studio.pageErrors).toEqual([]);
  });
});
