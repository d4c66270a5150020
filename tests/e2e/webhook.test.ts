import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';
import { signatureHeader } from '../../nodes/webhook/signature.ts';

/** The Webhook trigger in the studio: its address to copy, what keeps it from working, and that the address shown works. */

const studio = useStudio();
const SECRET = 'whsec_e2e_hook_secret_0001';

const flow = {
  format: 'conveyor.flow/v1',
  id: 'flow_hook_e2e',
  name: 'Payments in',
  description: '',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'payments', secret: 'hook-secret' } },
    { id: 'mark', type: 'core.set-fields', position: { x: 260, y: 0 }, params: { fields: [{ name: 'paid', value: 'body.data.email' }], keepOtherFields: true } },
  ],
  edges: [{ id: 'e1', source: 'hook', sourcePort: 'out', target: 'mark', targetPort: 'in' }],
};

describe('webhook trigger in the studio', () => {
  test('the inspector shows the hook address; a request signed and sent to exactly that address runs the flow', async () => {
    await api(studio.url, 'POST', '/api/credentials', { name: 'hook-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: SECRET }, scope: { nodeTypes: ['webhook.trigger'] } });
    await importFlowViaApi(studio.url, flow);
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${flow.id}`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'hook');
    const field = page.locator(s.tid('hook-address'));
    await field.waitFor();
    const address = await field.inputValue();
    expect(address).toBe(`${studio.url}/hooks/flow_hook_e2e/payments`);
    expect(await page.locator(s.tid('hook-address-warning')).count()).toBe(0);
    // The form generated from the trigger's schema offers its settings.
    for (const field of ['name', 'secret', 'signatureHeader', 'toleranceSeconds', 'eventIdPath', 'maxBodyKb']) {
      expect(await page.locator(`${s.tid('inspector')} ${s.tid(`field-${field}`)}`).count(), field).toBe(1);
    }
    expect(await s.fieldValue(page, 'name')).toBe('payments');

    const body = JSON.stringify({ id: 'evt_e2e_1', type: 'payment.succeeded', data: { email: 'ada@example.com' } });
    const res = await fetch(address, { method: 'POST', headers: { 'content-type': 'application/json', 'conveyor-signature': signatureHeader(SECRET, body) }, body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitForRun(studio.url, id);
    const { record } = await api<{ record: { output: Record<string, unknown> } }>(studio.url, 'GET', `/api/runs/${id}/records/0`);
    expect(record.output).toMatchObject({ paid: 'ada@example.com', eventId: 'evt_e2e_1' });

    // Renaming the hook changes the address at once, and says it only works once saved.
    await s.fillField(page, 'name', 'stripe');
    await expect.poll(() => field.inputValue()).toBe(`${studio.url}/hooks/flow_hook_e2e/stripe`);
    await page.locator(s.tid('hook-address-warning')).getByText('Save the flow').waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
