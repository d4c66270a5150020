import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, waitForRun, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const PEOPLE = [
  { first: 'Ada', last: 'Lovelace', age: '36' },
  { first: 'Alan', last: 'Turing', age: 'forty' },
  { first: 'Grace', last: 'Hopper', age: '85' },
];

describe('data on the canvas', () => {
  test("after a run, a node's Data tab shows its input and output for a chosen record; the last run's counters stay; a pinned sample feeds the preview", async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'People',
      [
        { id: 'calc', type: 'core.set-fields', x: 300, y: 200, params: { fields: [{ name: 'double', value: '$number(age) * 2' }, { name: 'full', value: 'first & " " & last' }] } },
        { id: 'shout', type: 'core.set-fields', x: 600, y: 200, params: { fields: [{ name: 'loud', value: '$uppercase(full)' }] } },
      ],
      [
        ['trigger', 'out', 'calc'],
        ['calc', 'out', 'shout'],
      ],
    );
    const run = await api<RunSummary>(studio.url, 'POST', '/api/runs', { flowId: entry.id, input: { records: PEOPLE } });
    await waitForRun(studio.url, run.id);

    // Reopening the flow: the last run's counters are on the canvas, marked as such.
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await page.locator(`${s.tid('counters-calc')}[data-source="last-run"]`).waitFor();
    expect(await page.locator(s.tid('counters-calc-last-run')).textContent()).toBe('last run');
    expect(await s.counter(page, 'calc', 'success')).toBe(2);
    expect(await s.counter(page, 'calc', 'failed')).toBe(1);
    expect(await s.counter(page, 'shout', 'success')).toBe(2);
    // The trigger counts every record it passed on (its step is counted, not stored).
    expect(await s.counter(page, 'trigger', 'success')).toBe(3);

    // The Data tab next to Settings: record #1 by default, its input and output as field tables.
    await s.selectNode(page, 'calc');
    await page.locator(s.tid('inspector-tab-data')).click();
    const panel = page.locator(`${s.tid('node-data')}[data-run-id="${run.id}"]`);
    await panel.locator(`${s.tid('data-record')}[data-index="0"]`).waitFor();
    const cell = (block: string, field: string) => panel.locator(`${s.tid(block)} [data-field="${field}"] ${s.tid('data-value')}`);
    expect(await cell('data-input', 'first').textContent()).toBe('Ada');
    expect(await cell('data-input', 'age').textContent()).toBe('36');
    expect(await cell('data-output-out', 'double').textContent()).toBe('72');
    expect(await cell('data-output-out', 'full').textContent()).toBe('Ada Lovelace');

    // JSON view: the record's fields, never the store's [{ port, data }] list.
    await panel.locator(s.tid('data-mode-json')).click();
    expect(JSON.parse((await panel.locator(s.tid('data-output-out')).textContent())!)).toEqual({ ...PEOPLE[0], double: 72, full: 'Ada Lovelace' });
    expect(await panel.innerText()).not.toContain('"port"');
    await panel.locator(s.tid('data-mode-table')).click();

    // First failed: record #2, with the step's error and no output.
    await panel.locator(s.tid('data-first-failed')).click();
    await panel.locator(`${s.tid('data-record')}[data-index="1"]`).waitFor();
    expect(await panel.locator(s.tid('data-record-status')).getAttribute('data-status')).toBe('failed');
    expect(await panel.locator(s.tid('data-error')).textContent()).toMatch(/number/i);
    expect(await cell('data-input', 'age').textContent()).toBe('forty');
    expect(await panel.locator(s.tid('data-output-out')).count()).toBe(0);

    // By number, then by search over the record's fields.
    await panel.locator(s.tid('data-record-index')).fill('1');
    await panel.locator(s.tid('data-record-index')).press('Enter');
    await panel.locator(`${s.tid('data-record')}[data-index="0"]`).waitFor();
    await panel.locator(s.tid('data-search')).fill('hopper');
    await panel.locator(s.tid('data-search')).press('Enter');
    await panel.locator(`${s.tid('data-search-results')}[data-count="1"]`).waitFor();
    await panel.locator(`${s.tid('data-record')}[data-index="2"]`).waitFor();
    expect(await cell('data-output-out', 'full').textContent()).toBe('Grace Hopper');

    // The chosen record follows the person to the next node; the failed record did not reach it.
    await s.selectNode(page, 'shout');
    await panel.locator(`${s.tid('data-record')}[data-index="2"]`).waitFor();
    expect(await cell('data-input', 'full').textContent()).toBe('Grace Hopper');
    expect(await cell('data-output-out', 'loud').textContent()).toBe('GRACE HOPPER');

    // The trigger's Data tab shows the record it passed on, as it was given to the run.
    await s.selectNode(page, 'trigger');
    await panel.locator(`${s.tid('data-record')}[data-index="2"]`).waitFor();
    expect(await cell('data-output-out', 'first').textContent()).toBe('Grace');
    await s.selectNode(page, 'shout');

    // Without a pin the preview works on record #1; pinned, on the pinned record.
    await page.locator(s.tid('inspector-tab-settings')).click();
    const value = page.locator(`${s.tid('inspector')} ${s.tid('preview-value-fields.0.value')}`);
    await expect.poll(() => value.textContent()).toBe('"ADA LOVELACE"');
    await page.locator(s.tid('inspector-tab-data')).click();
    await panel.locator(`${s.tid('data-record')}[data-index="2"]`).waitFor();
    await panel.locator(s.tid('btn-pin-input')).click();
    expect(await panel.locator(s.tid('pinned-sample-label')).textContent()).toContain('record #3');
    await page.locator(s.tid('inspector-tab-settings')).click();
    await expect.poll(() => value.textContent()).toBe('"GRACE HOPPER"');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('preview-sample-fields.0.value')}`).textContent()).toMatch(/the pinned sample/);

    // The pin is kept for this flow in the browser, and is not part of the flow file.
    await page.reload();
    await s.waitForCanvas(page);
    await s.selectNode(page, 'shout');
    await expect.poll(() => value.textContent()).toBe('"GRACE HOPPER"');
    const exported = await (await fetch(`${studio.url}/api/flows/${entry.id}/export`)).text();
    expect(exported).not.toContain('Hopper');

    // Unpinned: back to the last run's record.
    await page.locator(s.tid('inspector-tab-data')).click();
    await page.locator(s.tid('btn-unpin-sample')).click();
    await page.locator(s.tid('inspector-tab-settings')).click();
    await expect.poll(() => value.textContent()).toBe('"ADA LOVELACE"');

    // The run's record details show a step's output per port as well, never the stored port list.
    await page.goto(`${studio.url}/runs/${run.id}`);
    await page.locator(s.tid('run-view')).waitFor();
    await page.locator(`${s.tid('records-table')} ${s.tid('record-row-0')}`).click();
    const calcStep = page.locator(`${s.tid('record-detail')} li[data-testid^="step-"]`, { hasText: 'Set fields' }).first();
    await calcStep.locator('summary').click();
    expect(JSON.parse((await calcStep.locator(`${s.tid('record-step-output-out')} pre`).textContent())!)).toEqual({ ...PEOPLE[0], double: 72, full: 'Ada Lovelace' });
    expect(studio.pageErrors).toEqual([]);
  });
});
