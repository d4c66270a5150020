import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('flow alerts', () => {
  test('sets a failure-rate alert with a webhook (then signed) in the flow inspector; a bad address is refused with the reason and nothing is saved', async () => {
    // A signing secret for the webhook, as the Credentials page would create it (same-origin request).
    const secret = await fetch(`${studio.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: studio.url },
      body: JSON.stringify({ name: 'Alert signing', kind: 'webhook_secret', fields: {}, secrets: { secret: 'alert-signing-secret-42' }, scope: { nodeTypes: ['webhook.trigger'] } }),
    });
    expect(secret.status).toBe(201);
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
    // Signed from now on: the signing secret picked among the webhook signing secrets.
    await page.locator(s.tid('alerts-webhook-secret')).selectOption('Alert signing');
    await page.locator(s.tid('alerts-save')).click();
    await page.locator(s.tid('alerts-notice')).getByText('Alerts saved.').waitFor();
    expect((await api<any>(studio.url, 'GET', `/api/flows/${flowId}/alerts`)).settings.webhook).toEqual({ url: 'https://hooks.example/alerts', secret: 'Alert signing' });

    // What was saved is what the section shows after a reload.
    await page.reload();
    await s.waitForCanvas(page);
    await page.locator(s.tid('flow-alerts-toggle')).click();
    expect(await page.locator(s.tid('alert-rule-threshold-0')).inputValue()).toBe('30');
    expect(await page.locator(s.tid('alerts-webhook-url')).inputValue()).toBe('https://hooks.example/alerts');
    expect(await page.locator(s.tid('alerts-webhook-secret')).inputValue()).toBe('Alert signing');
    expect(studio.pageErrors).toEqual([]);
  });

  test('sets a daily summary on the Monitoring page: a wrong time is refused with the reason, then saved and shown again', async () => {
    // A mail account for it, as the Credentials page would create it (same-origin request).
    const created = await fetch(`${studio.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: studio.url },
      body: JSON.stringify({ name: 'Ops mail', kind: 'smtp', fields: { host: 'smtp.example.com', port: 587, secure: false, user: 'ops@example.com' }, secrets: { password: 'ops-mail-password-1' }, scope: { nodeTypes: ['mail.send'] } }),
    });
    expect(created.status).toBe(201);
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('nav-monitoring')).click();
    await page.locator(s.tid('monitoring-page')).waitFor();
    await page.locator(s.tid('monitoring-runs')).getByText('No run is executing.').waitFor();

    await page.locator(s.tid('summary-add')).click();
    await page.locator(s.tid('summary-time-0')).fill('25:00');
    await page.locator(s.tid('summary-zone-0')).fill('Europe/Paris');
    await page.locator(s.tid('summary-to-0')).fill('boss@example.com, ops@example.com');
    await page.locator(s.tid('summary-credential-0')).fill('Ops mail');
    await page.locator(s.tid('summary-save')).click();
    expect(await page.locator(s.tid('summary-error')).textContent()).toMatch(/time of day such as 08:00/);
    expect((await api<any>(studio.url, 'GET', '/api/monitoring/summaries')).summaries).toEqual([]);

    await page.locator(s.tid('summary-time-0')).fill('07:30');
    await page.locator(s.tid('summary-save')).click();
    await page.locator(s.tid('summary-saved')).waitFor();
    expect((await api<any>(studio.url, 'GET', '/api/monitoring/summaries')).summaries).toEqual([
      { id: 'daily-1', enabled: true, time: '07:30', timeZone: 'Europe/Paris', recipients: ['boss@example.com', 'ops@example.com'], credential: 'Ops mail', flows: [] },
    ]);
    await page.reload();
    expect(await page.locator(s.tid('summary-to-0')).inputValue()).toBe('boss@example.com, ops@example.com');
    expect(studio.pageErrors).toEqual([]);
  });
});
