import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '../../../demo/crm.ts';
import { createLandingPage } from '../../../demo/landing-page.ts';
import { listenApp, type Listening } from '../../../demo/listen.ts';

/** The demo CRM the payment example marks leads paid in, and the lead pages the pipeline's mails link to. */
const crm = createCrm();
const landing = createLandingPage();
let site: Listening;
beforeAll(async () => {
  const app = express();
  app.use(crm.app);
  app.use(landing.app);
  site = await listenApp(app);
});
afterAll(async () => site?.close());

const pay = (body: unknown) => fetch(`${site.url}/api/crm/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('demo CRM', () => {
  it('refuses a payment without a valid email or amount, saying what is wrong, and records nothing', async () => {
    const res = await pay({ eventId: 'evt_1', email: 'not-an-address', amount: 0 });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('E_DEMO_CRM_INPUT');
    expect(error.message).toContain('email must be an email address');
    expect(error.message).toContain('amount');
    expect(crm.leads.size).toBe(0);
  });

  it('marks the lead paid and keeps every payment it is sent, shown on its page', async () => {
    expect((await pay({ eventId: 'evt_a', email: 'Ada@Example.com', amount: 4900 })).status).toBe(201);
    expect((await pay({ eventId: 'evt_b', email: 'ada@example.com', amount: 100, currency: 'usd' })).status).toBe(201);
    const leads = (await (await fetch(`${site.url}/api/crm/leads`)).json()) as Array<{ email: string; paid: boolean; payments: Array<{ eventId: string }> }>;
    expect(leads).toEqual([{ email: 'ada@example.com', paid: true, payments: [expect.objectContaining({ eventId: 'evt_a', amount: 4900, currency: 'eur' }), expect.objectContaining({ eventId: 'evt_b', currency: 'usd' })] }]);
    const page = await (await fetch(`${site.url}/crm`)).text();
    expect(page).toContain('<tr data-email="ada@example.com"><td>ada@example.com</td><td>paid</td><td class="payments">2</td>');
  });
});

describe('demo lead page', () => {
  it('shows the headline it is given, as text', async () => {
    const page = await (await fetch(`${site.url}/welcome?name=${encodeURIComponent('Pain & Co')}&headline=${encodeURIComponent('<b>Fresh</b> bread')}`)).text();
    expect(page).toContain('<h1 class="headline">&#60;b&#62;Fresh&#60;/b&#62; bread</h1>');
    expect(page).toContain('A page for Pain &#38; Co.');
    expect(landing.stats.views).toBe(1);
  });
});
