import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';
import { createCrm, type CrmLead } from '../../demo/crm.ts';
import { listenApp, type Listening } from '../../demo/listen.ts';
import { DEMO_PAYMENTS_SECRET, DEFAULT_HOOK_PATH, startPaymentProvider, type RunningPaymentProvider } from '../../demo/payment-provider.ts';

/**
 * flows/payment-webhook.json as it ships, against the demo parts `npm run demo` starts (in-process, on
 * free ports): the payment provider signs and posts events to the flow's hook, and the flow marks the
 * lead paid in the demo CRM. A person presses the provider page's buttons in Chromium: a payment is
 * accepted and marks the lead paid once; its replay is skipped (no second mark); a forged one is
 * refused with 400 and runs nothing.
 */
const studio = useStudio();
let site: Listening;
let payments: RunningPaymentProvider;
const crm = createCrm();

beforeAll(async () => {
  site = await listenApp(crm.app);
});
afterAll(async () => {
  await payments?.close();
  await site?.close();
});

const runsOfFlow = () => api<RunSummary[]>(studio.url, 'GET', '/api/runs?flowId=payment-webhook');
const crmLeads = async () => (await (await fetch(`${site.url}/api/crm/leads`)).json()) as CrmLead[];

describe('the payment webhook against the demo payment provider', () => {
  test('a signed payment marks the lead paid once; its replay is skipped; a forged one is refused with no run', async () => {
    // The provider as `npm run demo` starts it: it creates the signing secret in the studio and posts to the flow's hook.
    payments = await startPaymentProvider({ port: 0, studioUrl: studio.url, hookUrl: `${studio.url}${DEFAULT_HOOK_PATH}` });
    expect(payments.registered?.ok, payments.registered?.message).toBe(true);
    const text = readFileSync('flows/payment-webhook.json', 'utf8');
    expect(text).toContain('http://127.0.0.1:3100');
    await importFlowViaApi(studio.url, JSON.parse(text.replaceAll('http://127.0.0.1:3100', site.url)));

    const page = await studio.page();
    await page.goto(`${payments.url}/payments`);
    await page.locator('#email').fill('grace@lead.test');
    const out = page.locator('#out');

    // Send payment: accepted, one run, the lead marked paid in the CRM.
    await page.locator('#send').click();
    await expect.poll(() => out.textContent()).toContain('"accepted"');
    const [first] = await runsOfFlow();
    const done = await waitForRun(studio.url, first.id);
    const { record, steps } = await api<{ record: { output: Record<string, unknown> }; steps: unknown[] }>(studio.url, 'GET', `/api/runs/${first.id}/records/0`);
    // Should it not succeed (seen once in a loaded full run), the record and its steps say why.
    expect(done.counts, JSON.stringify({ record, steps }).slice(0, 3000)).toMatchObject({ success: 1 });
    expect(record.output).toMatchObject({ lead: 'grace@lead.test', paid: true, payments: 1 });
    expect((await crmLeads()).map((l) => [l.email, l.paid, l.payments.length])).toEqual([['grace@lead.test', true, 1]]);

    // Resend last event: answered duplicate, its record skipped with the reason; still one mark.
    await page.locator('#replay').click();
    await expect.poll(() => out.textContent()).toContain('"duplicate"');
    const replays = (await runsOfFlow()).filter((r) => r.id !== first.id);
    expect(replays).toHaveLength(1);
    for (const r of replays) expect((await waitForRun(studio.url, r.id)).counts).toMatchObject({ success: 0, skipped: 1 });
    expect((await crmLeads())[0].payments).toHaveLength(1);

    // Send forged event: 400 with the signature code, nothing stored or run, no mark.
    const before = (await runsOfFlow()).length;
    await page.locator('#forge').click();
    await expect.poll(() => out.textContent()).toContain('E_HOOK_SIGNATURE_INVALID');
    const forged = payments.log.at(-1)!;
    expect(forged).toMatchObject({ kind: 'forge', answer: { status: 400 } });
    expect((await runsOfFlow()).length).toBe(before);
    expect(await crmLeads()).toHaveLength(1);

    // In the studio: the run's record shows the lead paid, and the secret shows nowhere.
    await page.goto(`${studio.url}/runs/${first.id}`);
    const row = page.locator(`${s.tid('records-table')} ${s.tid('record-row-0')}`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('success');
    expect(await row.textContent()).toContain('grace@lead.test');
    expect(await page.content()).not.toContain(DEMO_PAYMENTS_SECRET);
    expect(studio.pageErrors).toEqual([]);
  }, 60_000);
});
