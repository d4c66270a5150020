import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const FIELD = 'fields.0.value';

describe('the expression editor', () => {
  test('highlights JSONata, completes field names from the sample and previous steps, and the preview follows', async () => {
    const created = await createFlowViaApi(
      studio.url,
      'Greetings',
      [
        { id: 'greet', type: 'core.set-fields', x: 300, y: 200, params: { fields: [{ name: 'full', value: 'first & " " & last' }] } },
        { id: 'note', type: 'core.log', x: 600, y: 200, params: { message: 'Hello' } },
      ],
      [
        ['trigger', 'out', 'greet'],
        ['greet', 'out', 'note'],
      ],
    );
    const doc = structuredClone(created.flow);
    doc.nodes[0].params = { ...doc.nodes[0].params, format: 'json', records: '[{"first": "Ada", "last": "Lovelace", "email": "ada@example.com"}]' };
    const entry = await api<FlowEntry>(studio.url, 'PUT', `/api/flows/${created.id}`, doc);

    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'greet');
    const inspector = page.locator(s.tid('inspector'));
    const field = inspector.locator(s.tid(`field-${FIELD}`));
    const value = inspector.locator(s.tid(`preview-value-${FIELD}`));
    await expect.poll(() => value.textContent()).toBe('"Ada Lovelace"');

    // Highlighting: field names, text and operators are told apart.
    expect(await field.locator('.tok-propertyName').allTextContents()).toEqual(['first', 'last']);
    expect(await field.locator('.tok-string').allTextContents()).toEqual(['" "']);
    expect(await field.locator('.tok-operator').count()).toBe(2);

    // Completion: typing a field's start offers the sample's fields; Tab takes the one chosen.
    await field.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('$uppercase(em');
    const options = page.locator('.cm-tooltip-autocomplete li .cm-completionLabel');
    await expect.poll(() => options.allTextContents()).toEqual(['email']);
    await page.keyboard.press('Tab');
    expect(await s.fieldValue(page, FIELD)).toBe('$uppercase(email)');
    await expect.poll(() => value.textContent()).toBe('"ADA@EXAMPLE.COM"');
    expect(await field.locator('.tok-variableName').allTextContents()).toEqual(['$uppercase']);

    // After `$.` every field is offered; arrows move through them and Enter inserts the one chosen.
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('$.');
    await expect.poll(async () => new Set(await options.allTextContents())).toEqual(new Set(['first', 'last', 'email']));
    const labels = await options.allTextContents();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await s.fieldValue(page, FIELD)).toBe(`$.${labels[1]}`);
    const expected = { first: 'Ada', last: 'Lovelace', email: 'ada@example.com' }[labels[1]];
    await expect.poll(() => value.textContent()).toBe(JSON.stringify(expected));

    // A template: after `{{ ` the fields are offered, including what the Set fields step before adds.
    await s.selectNode(page, 'note');
    const message = inspector.locator(s.tid('field-message'));
    await s.fillField(page, 'message', '{{ last }}');
    await expect.poll(() => inspector.locator(s.tid('preview-value-message')).textContent()).toBe('"Lovelace"');
    await message.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('Hi {{ ');
    await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['first', 'email', 'full']));
    await page.keyboard.type('fir');
    await page.keyboard.press('Enter');
    expect(await s.fieldValue(page, 'message')).toBe('Hi {{ first}}');
    expect(await message.locator('.tok-meta').allTextContents()).toEqual(['{{', '}}']);
    await expect.poll(() => inspector.locator(s.tid('preview-value-message')).textContent()).toBe('"Hi Ada"');

    // A mistake in a placeholder shows with its position; the fix is saved as typed.
    await s.fillField(page, 'message', 'Hi {{ first & }}');
    expect(await inspector.locator(s.tid('problem-message')).textContent()).toMatch(/^The template is not valid: .*at character \d+/);
    await s.fillField(page, 'message', 'Dear {{ $uppercase(last) }}');
    await expect.poll(() => inspector.locator(s.tid('preview-value-message')).textContent()).toBe('"Dear LOVELACE"');
    await s.save(page);
    const saved = await api<FlowEntry>(studio.url, 'GET', `/api/flows/${entry.id}`);
    expect(saved.flow.nodes.find((n) => n.id === 'note')?.params.message).toBe('Dear {{ $uppercase(last) }}');
    expect(studio.pageErrors).toEqual([]);
  });
});
