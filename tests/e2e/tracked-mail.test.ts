import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';
import { startSmtpRelay, type SmtpRelay } from '../../demo/smtp-relay.ts';

/**
 * Tracked mail in the studio: a run sends a tracked mail through a real SMTP server; the recipient
 * opens it and clicks its link (plain fetches of the studio's /t/* addresses, as a mail program
 * would); the record's detail shows the activity, the report counts it, and the Unsubscribes page
 * lists, adds and removes addresses.
 */
const studio = useStudio();
let relay: SmtpRelay;
beforeAll(async () => {
  relay = await startSmtpRelay({ user: 'mailer@shop.example', password: 'e2e-smtp-pw-123', deliver: async () => undefined });
});
afterAll(async () => relay?.stop());

const unQuote = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('tracked mail in the studio', () => {
  test('the record shows its opens and clicks, the report counts them, and the Unsubscribes page edits the suppression list', async () => {
    const res = await fetch(`${studio.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: studio.url },
      body: JSON.stringify({ name: 'mailer', kind: 'smtp', fields: { host: relay.host, port: relay.port, secure: false, user: 'mailer@shop.example' }, secrets: { password: 'e2e-smtp-pw-123' }, scope: { nodeTypes: ['mail.send'] } }),
    });
    expect(res.status).toBe(201);
    await api(studio.url, 'POST', '/api/flows/import', {
      format: 'conveyor.flow/v1',
      id: 'flow_tracked_e2e',
      name: 'Tracked mail',
      description: '',
      settings: { concurrency: 1 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
        { id: 'send', type: 'mail.send', name: 'Send offer', position: { x: 250, y: 0 }, params: { credential: 'mailer', to: '{{ email }}', subject: 'Hi', text: 'Hi', html: '<p>See <a href="https://shop.example/offer">the offer</a></p>', trackOpens: true, trackClicks: true, unsubscribeLink: true } },
      ],
      edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'send', targetPort: 'in' }],
    });
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: 'flow_tracked_e2e', input: { records: [{ email: 'ann@example.test' }] } });
    expect((await waitForRun(studio.url, run.id)).status).toBe('completed');
    const body = unQuote(relay.received.at(-1)!.raw);
    const link = /http:\/\/127\.0\.0\.1:\d+\/t\/c\/[A-Za-z0-9_.-]+/.exec(body)![0];
    const pixel = /http:\/\/127\.0\.0\.1:\d+\/t\/o\/[A-Za-z0-9_.-]+\.gif/.exec(body)![0];
    expect((await fetch(pixel)).status).toBe(200);
    expect((await fetch(link, { redirect: 'manual' })).headers.get('location')).toBe('https://shop.example/offer');

    const page = await studio.page();
    await page.goto(`${studio.url}/runs/${run.id}`);
    await page.locator(`${s.tid('records-table')} ${s.tid('record-row-0')}`).click();
    const activity = page.locator(`${s.tid('record-detail')} ${s.tid('mail-activity')}`);
    await activity.waitFor();
    expect(await activity.locator(s.tid('mail-event')).evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['open', 'click']);
    expect(await activity.locator('[data-kind="click"]').textContent()).toContain('https://shop.example/offer');
    expect(await activity.locator('[data-kind="click"]').textContent()).toContain('Send offer');

    await page.goto(`${studio.url}/runs/${run.id}/report`);
    await page.locator(s.tid('report-tracking')).waitFor();
    expect(await page.locator(s.tid('report-tracking-opens')).textContent()).toBe('1');
    expect(await page.locator(s.tid('report-tracking-clicks')).textContent()).toBe('1');
    expect(await page.locator(s.tid('report-tracking-unsubscribes')).textContent()).toBe('0');

    await page.locator(s.tid('nav-suppression')).click();
    await page.waitForURL(/\/suppression$/);
    await page.locator(s.tid('suppression-empty')).waitFor();
    // Not an address: refused with the server's message, nothing added.
    await page.locator(s.tid('suppression-address')).fill('not-an-address');
    await page.locator(s.tid('suppression-add-submit')).click();
    await expect.poll(() => page.locator(s.tid('suppression-add-error')).textContent()).toContain('not an email address');
    await page.locator(s.tid('suppression-address')).fill('Bo@Example.test');
    // A note over 500 characters is said to be too long, not cut.
    await page.locator(s.tid('suppression-note')).fill('p'.repeat(501));
    await expect(page.locator(s.tid('suppression-note-too-long')).textContent()).resolves.toContain('this note has 501');
    expect(await page.locator(s.tid('suppression-add-submit')).isDisabled()).toBe(true);
    await page.locator(s.tid('suppression-note')).fill('asked by phone');
    await page.locator(s.tid('suppression-add-submit')).click();
    const row = page.locator(`${s.tid('suppression-row')}[data-address="bo@example.test"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Added by hand');
    expect((await api<{ total: number }>(studio.url, 'GET', '/api/suppressions')).total).toBe(1);

    await row.locator(s.tid('suppression-remove')).click();
    await page.locator(s.tid('btn-confirm')).click();
    await row.waitFor({ state: 'detached' });
    await page.locator(s.tid('suppression-empty')).waitFor();
    expect((await api<{ total: number }>(studio.url, 'GET', '/api/suppressions')).total).toBe(0);
    expect(studio.pageErrors).toEqual([]);
  }, 120_000);
});
