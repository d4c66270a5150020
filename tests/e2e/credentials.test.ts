import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import { captureCredentialResponses, startKeyedService, visibleText, type KeyedService } from './support/credentials.ts';
import * as s from './support/studio.ts';

const studio = useStudio();
let service: KeyedService;

beforeAll(async () => {
  service = await startKeyedService();
});
afterAll(async () => {
  await service?.close();
});

const SECRET = `key-${randomBytes(16).toString('hex')}/+=`;
const forms = [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64').replace(/=+$/, '')];
const row = (name: string) => `${s.tid('credential-row')}[data-name="${name}"]`;

describe('credentials', () => {
  test('a secret is typed once, never shown again, and keeps working after its credential is edited', async () => {
    const page = await studio.page();
    const captured = captureCredentialResponses(page);

    // Create it from the Credentials page (nav item in the top bar).
    await page.goto(studio.url + '/');
    await page.locator(s.tid('nav-credentials')).click();
    await page.locator(s.tid('credentials-page')).waitFor();
    await page.locator(s.tid('credentials-empty')).waitFor();
    await page.locator(s.tid('btn-new-credential')).click();
    await page.locator(s.tid('credential-dialog')).waitFor();
    await page.locator(s.tid('cred-name')).fill('Echo key');
    await page.locator(s.tid('cred-kind')).selectOption('api_key');
    await page.locator(s.tid('cred-field-header')).fill('X-Api-Key');
    const keyInput = page.locator(s.tid('cred-field-key'));
    expect(await keyInput.getAttribute('type')).toBe('password');
    await keyInput.fill(SECRET);
    // The node types that take API keys are offered, and ticked, by default.
    await expect(page.locator(s.tid('cred-scope-core.http-request')).isChecked()).resolves.toBe(true);
    await page.locator(s.tid('cred-hosts')).fill(service.host);
    await page.locator(s.tid('btn-cred-save')).click();
    await page.locator(s.tid('credential-dialog')).waitFor({ state: 'detached' });
    await page.locator(row('Echo key')).waitFor();
    await expect(page.locator(row('Echo key')).textContent()).resolves.toContain('key: set');
    await expect(page.locator(row('Echo key')).textContent()).resolves.toContain('only to 127.0.0.1');

    // Never shown again: not in the page, not in the edit dialog, and the field starts empty.
    for (const f of forms) expect((await visibleText(page)).includes(f)).toBe(false);
    await page.reload();
    await page.locator(row('Echo key')).waitFor();
    await page.locator(`${row('Echo key')} ${s.tid('btn-edit-credential')}`).click();
    await page.locator(s.tid('credential-dialog')).waitFor();
    await expect(page.locator(s.tid('cred-field-key')).inputValue()).resolves.toBe('');
    await expect(page.locator(s.tid('cred-field-key')).getAttribute('placeholder')).resolves.toBe('set — leave empty to keep');
    await expect(page.locator(s.tid('cred-kind')).isDisabled()).resolves.toBe(true);
    await expect(page.locator(s.tid('cred-field-header')).inputValue()).resolves.toBe('X-Api-Key');
    for (const f of forms) expect((await visibleText(page)).includes(f)).toBe(false);

    // Edit a non-secret field only: the prefix. The secret is left empty, so it is kept.
    await page.locator(s.tid('cred-field-prefix')).fill('Token ');
    await page.locator(s.tid('btn-cred-save')).click();
    await page.locator(s.tid('credential-dialog')).waitFor({ state: 'detached' });
    const [credential] = await api<Array<{ id: string; fields: Record<string, unknown>; secrets: unknown }>>(studio.url, 'GET', '/api/credentials');
    expect(credential.fields).toEqual({ header: 'X-Api-Key', prefix: 'Token ' });
    expect(credential.secrets).toEqual({ key: { set: true } });

    // A flow picks it in the inspector (a select of the credentials of the kinds the step takes).
    await importFlowViaApi(studio.url, {
      format: 'conveyor.flow/v1', id: 'flow_creds', name: 'Keyed call', description: '', settings: { concurrency: 1 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"id": 1}, {"id": 2}]' } },
        { id: 'call', type: 'core.http-request', position: { x: 300, y: 0 }, params: { url: `${service.url}/items/{{ id }}` } },
      ],
      edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'call', targetPort: 'in' }],
    });
    await page.goto(`${studio.url}/flows/flow_creds`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'call');
    const select = page.locator(`${s.tid('inspector')} ${s.tid('field-credential')}`);
    await expect(select.locator('option').allTextContents()).resolves.toEqual(['— None —', 'Echo key · API key']);
    await select.selectOption('Echo key');
    await s.save(page);
    const saved = await api<{ flow: { nodes: Array<{ id: string; params: Record<string, unknown> }> } }>(studio.url, 'GET', '/api/flows/flow_creds');
    expect(saved.flow.nodes.find((n) => n.id === 'call')!.params.credential).toBe('Echo key');

    // The run succeeds against the service, which got the real key with the edited prefix.
    service.expect('X-Api-Key', `Token ${SECRET}`);
    const runId = await s.startRun(page);
    await s.waitForRunStatus(page, 'completed');
    const run = await waitForRun(studio.url, runId);
    expect(run.counts).toMatchObject({ success: 2, failed: 0 });
    expect(service.received.filter((h) => h['x-api-key'] === `Token ${SECRET}`)).toHaveLength(2);
    // …and the run's pages show the key masked, if at all.
    await page.goto(`${studio.url}/runs/${runId}`);
    await page.locator(s.tid('run-status')).waitFor();
    for (const f of forms) expect((await visibleText(page)).includes(f)).toBe(false);

    // Deleting asks first; the flow then fails with a clear code instead of sending nothing.
    await page.goto(`${studio.url}/credentials`);
    await page.locator(`${row('Echo key')} ${s.tid('btn-delete-credential')}`).click();
    await page.locator(s.tid('confirm-dialog')).waitFor();
    await page.locator(s.tid('btn-confirm')).click();
    await page.locator(s.tid('credentials-empty')).waitFor();
    const after = await api<{ id: string }>(studio.url, 'POST', '/api/runs', { flowId: 'flow_creds' });
    await waitForRun(studio.url, after.id);
    const rec = await api<{ record: { error: { code: string } } }>(studio.url, 'GET', `/api/runs/${after.id}/records/0`);
    expect(rec.record.error.code).toBe('E_CREDENTIAL_NOT_FOUND');

    // No /api/credentials answer the studio received ever held the secret.
    await captured.settled();
    expect(captured.bodies.length).toBeGreaterThanOrEqual(5);
    expect(captured.bodies.some((b) => b.url.endsWith('/api/credentials/kinds'))).toBe(true);
    for (const b of captured.bodies) for (const f of forms) expect(b.text.includes(f), `${b.url} holds the secret`).toBe(false);
    expect(studio.pageErrors).toEqual([]);
  });
});
