import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type FlowEntry, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const FIELD = 'fields.0.value';

describe('expressions in the inspector', () => {
  test('a mistake shows inline with its position as it is typed; a valid expression previews its result on a sample record', async () => {
    const created = await createFlowViaApi(
      studio.url,
      'Names',
      [
        { id: 'greet', type: 'core.set-fields', x: 300, y: 200, params: { fields: [{ name: 'full', value: 'first & " " & last' }] } },
        { id: 'shout', type: 'core.set-fields', x: 600, y: 200, params: { fields: [{ name: 'loud', value: 'first' }] } },
      ],
      [
        ['trigger', 'out', 'greet'],
        ['greet', 'out', 'shout'],
      ],
    );
    // The trigger's own records are the sample before the flow has run.
    const doc = structuredClone(created.flow);
    doc.nodes[0].params = { ...doc.nodes[0].params, format: 'json', records: '[{"first": "Ada", "last": "Lovelace", "age": "36"}, {"first": "Alan", "last": "Turing"}]' };
    const entry = await api<FlowEntry>(studio.url, 'PUT', `/api/flows/${created.id}`, doc);

    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'greet');
    const problem = page.locator(`${s.tid('inspector')} ${s.tid(`problem-${FIELD}`)}`);
    const preview = page.locator(`${s.tid('inspector')} ${s.tid(`preview-${FIELD}`)}`);
    const value = page.locator(`${s.tid('inspector')} ${s.tid(`preview-value-${FIELD}`)}`);

    // The stored expression is valid: its result on the trigger's first record, saying which record that is.
    await expect.poll(() => value.textContent()).toBe('"Ada Lovelace"');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid(`preview-sample-${FIELD}`)}`).textContent()).toMatch(/the trigger's first record/);

    // Typed with a mistake: the error, with its position, under the field; no preview.
    await s.fillField(page, FIELD, '$.a & (');
    await problem.waitFor();
    expect(await problem.textContent()).toBe('The expression is not valid: Expected ")" before end of expression (at character 7 of "$.a & (").');
    expect(await preview.count()).toBe(0);

    // Corrected: the error goes, the preview shows the new result.
    await s.fillField(page, FIELD, '$uppercase(last) & ", " & first');
    await expect.poll(() => value.textContent()).toBe('"LOVELACE, Ada"');
    expect(await problem.count()).toBe(0);

    // An expression that is valid but cannot be worked out for the sample says so in the preview.
    await s.fillField(page, FIELD, 'age + 1');
    const evalError = page.locator(`${s.tid('inspector')} ${s.tid(`preview-error-${FIELD}`)}`);
    await evalError.waitFor();
    expect(await evalError.textContent()).toMatch(/could not be worked out for this record: The left side of the "\+" operator must evaluate to a number/);

    // The step policy's checks get the same inline check.
    await page.locator(s.tid('step-policy-toggle')).click();
    await s.fillField(page, 'policy.preCheck', 'age >');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('problem-policy.preCheck')}`).textContent()).toMatch(/^The expression is not valid: .*\(at character 5 of "age >"\)\.$/);
    await s.fillField(page, 'policy.preCheck', '$number(age) > 18');
    await expect.poll(() => page.locator(`${s.tid('inspector')} ${s.tid('preview-value-policy.preCheck')}`).textContent()).toBe('true');

    // After a run, a later step previews on the last run's record as it reached that step.
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id });
    await waitForRun(studio.url, run.id);
    await page.reload();
    await s.waitForCanvas(page);
    await s.selectNode(page, 'shout');
    await s.fillField(page, FIELD, '$uppercase(full)');
    await expect.poll(() => value.textContent()).toBe('"ADA LOVELACE"');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid(`preview-sample-${FIELD}`)}`).textContent()).toContain(`record #1 of the last run (${run.id}), as it reached this step`);
    expect(studio.pageErrors).toEqual([]);
  });
});
