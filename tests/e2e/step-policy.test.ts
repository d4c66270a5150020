import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

type SavedNode = FlowEntry['flow']['nodes'][number] & { policy?: Record<string, unknown> };
type Saved = { flow: { nodes: SavedNode[]; settings: Record<string, unknown> } };

async function savedFlow(id: string): Promise<Saved['flow']> {
  return (await api<Saved>(studio.url, 'GET', `/api/flows/${id}`)).flow;
}

describe('step policy and flow settings in the inspector', () => {
  test("the step policy form edits a node's policy: the saved flow holds exactly what was entered, nothing when emptied", async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Contacts',
      [
        { id: 'post', type: 'core.http-request', x: 300, y: 200 },
        { id: 'tag', type: 'core.set-fields', x: 600, y: 200 },
      ],
      [
        ['trigger', 'out', 'post'],
        ['post', 'out', 'tag'],
      ],
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);

    // Triggers have no step policy; other nodes show it collapsed while it holds nothing.
    await s.selectNode(page, entry.flow.nodes[0].id);
    expect(await page.locator(s.tid('step-policy')).count()).toBe(0);
    await s.selectNode(page, 'post');
    const section = page.locator(s.tid('step-policy'));
    expect(await section.getAttribute('data-open')).toBe('false');
    await page.locator(s.tid('step-policy-toggle')).click();
    await page.locator(s.tid('policy-form')).waitFor();

    await page.locator(s.tid('btn-add-policy.requiredInputs')).click();
    await s.fillField(page, 'policy.requiredInputs.0', 'email');
    await s.fillField(page, 'policy.preCheck', '$contains(email, "@")');
    await s.fillField(page, 'policy.postCheck', 'response.status = 201');
    await s.fillField(page, 'policy.postCheck', ''); // typed, then emptied: must not be saved
    await s.fillField(page, 'policy.timeoutMs', '5000');
    await page.locator(s.tid('toggle-policy.retries')).click();
    await s.fillField(page, 'policy.retries.maxAttempts', '3');
    await page.locator(s.tid('btn-add-policy.errorMap')).click();
    await s.fillField(page, 'policy.errorMap.0.match', 'already exists');
    await s.fillField(page, 'policy.errorMap.0.code', 'E_ALREADY_THERE');
    await s.selectField(page, 'policy.errorMap.0.class', 'business');
    await s.selectField(page, 'policy.errorMap.0.action', 'skip');
    await expect(page.locator(s.tid('step-policy-count')).textContent()).resolves.toBe('5 set');

    await s.save(page);
    let flow = await savedFlow(entry.id);
    expect(flow.nodes.find((n) => n.id === 'post')!.policy).toEqual({
      requiredInputs: ['email'],
      preCheck: '$contains(email, "@")',
      timeoutMs: 5000,
      retries: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30000 },
      errorMap: [{ match: 'already exists', code: 'E_ALREADY_THERE', class: 'business', action: 'skip' }],
    });
    // No "policy": {} noise on the nodes that have none.
    for (const n of flow.nodes.filter((x) => x.id !== 'post')) expect(n).not.toHaveProperty('policy');

    // A policy edit is undoable like any other edit.
    await s.fillField(page, 'policy.timeoutMs', '9000');
    expect(await page.locator(s.tid('dirty-indicator')).getAttribute('data-dirty')).toBe('true');
    await page.locator(s.tid('btn-undo')).click();
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('field-policy.timeoutMs')}`).inputValue()).toBe('5000');

    // The saved policy is shown again after a reload, section open.
    await page.reload();
    await s.waitForCanvas(page);
    await s.selectNode(page, 'post');
    expect(await page.locator(s.tid('step-policy')).getAttribute('data-open')).toBe('true');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('field-policy.retries.maxAttempts')}`).inputValue()).toBe('3');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('field-policy.requiredInputs.0')}`).inputValue()).toBe('email');

    // Emptying every field leaves no policy at all in the document.
    await page.locator(s.tid('toggle-policy.retries')).click();
    await page.locator(s.tid('btn-remove-policy.errorMap.0')).click();
    await page.locator(s.tid('btn-remove-policy.requiredInputs.0')).click();
    await s.fillField(page, 'policy.preCheck', '');
    await s.fillField(page, 'policy.timeoutMs', '');
    expect(await page.locator(s.tid('step-policy-count')).count()).toBe(0);
    await s.save(page);
    flow = await savedFlow(entry.id);
    for (const n of flow.nodes) expect(n).not.toHaveProperty('policy');
    expect(studio.pageErrors).toEqual([]);
  });

  test('flow settings: business key and Safe Stop next to the concurrency, kept in the saved settings', async () => {
    const entry = await createFlowViaApi(studio.url, 'Signups', [{ id: 'tag', type: 'core.set-fields', x: 300, y: 200 }], [['trigger', 'out', 'tag']]);
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await page.locator(s.tid('flow-inspector')).waitFor();

    // Only the concurrency while a node is selected; the flow's own settings without a selection.
    await s.selectNode(page, 'tag');
    expect(await page.locator(s.tid('settings-form')).count()).toBe(0);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.locator(s.tid('flow-inspector')).waitFor();

    await s.fillField(page, 'settings.concurrency', '3');
    await s.fillField(page, 'settings.businessKey', 'email');
    expect(await page.locator(`${s.tid('inspector')} [data-field="settings.safeStop"]`).getAttribute('data-enabled')).toBe('false');
    await page.locator(s.tid('toggle-settings.safeStop')).click();
    await s.fillField(page, 'settings.safeStop.threshold', '0.2');
    await s.save(page);
    expect((await savedFlow(entry.id)).settings).toEqual({ concurrency: 3, businessKey: 'email', safeStop: { window: 50, minSamples: 20, threshold: 0.2 } });

    // Reopened, the editor shows them (and has nothing unsaved).
    await page.reload();
    await s.waitForCanvas(page);
    await page.locator(s.tid('flow-inspector')).waitFor();
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('field-settings.businessKey')}`).inputValue()).toBe('email');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('field-settings.safeStop.threshold')}`).inputValue()).toBe('0.2');
    expect(await page.locator(s.tid('dirty-indicator')).getAttribute('data-dirty')).toBe('false');

    // Turned off and emptied: only the concurrency is left.
    await page.locator(s.tid('toggle-settings.safeStop')).click();
    await s.fillField(page, 'settings.businessKey', '');
    await s.save(page);
    expect((await savedFlow(entry.id)).settings).toEqual({ concurrency: 3 });
    expect(studio.pageErrors).toEqual([]);
  });
});
