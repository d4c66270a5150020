import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('the flow list', () => {
  test('lists flows with their node count, renames, exports and deletes them', async () => {
    const a = await api<{ id: string }>(studio.url, 'POST', '/api/flows', { name: 'Invoices' });
    const b = await api<{ id: string }>(studio.url, 'POST', '/api/flows', { name: 'Onboarding' });
    const page = await studio.page();
    await page.goto(studio.url + '/');
    const rowA = page.locator(s.tid(`flow-row-${a.id}`));
    await rowA.waitFor();
    await page.locator(s.tid(`flow-row-${b.id}`)).waitFor();
    await expect(rowA.locator(s.tid('flow-node-count')).textContent()).resolves.toBe('1 node');

    // Rename.
    await rowA.locator(s.tid('btn-rename')).click();
    // A pasted name over the limit is kept whole and said to be too long (the field used to cut it at 200 in silence).
    await page.locator(s.tid('prompt-input')).fill('x'.repeat(230));
    await expect(page.locator(s.tid('prompt-too-long')).textContent()).resolves.toContain('this name has 230');
    await expect(page.locator(s.tid('prompt-input')).inputValue()).resolves.toHaveLength(230);
    await expect(page.locator(s.tid('btn-prompt-ok')).isDisabled()).resolves.toBe(true);
    await page.locator(s.tid('prompt-input')).fill('Supplier invoices');
    await page.locator(s.tid('prompt-too-long')).waitFor({ state: 'detached' });
    await page.locator(s.tid('btn-prompt-ok')).click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="flow-row-${id}"] [data-testid="flow-name"]`)?.textContent === 'Supplier invoices', a.id);
    expect((await api<{ name: string }>(studio.url, 'GET', `/api/flows/${a.id}`)).name).toBe('Supplier invoices');

    // Export from the list.
    const [download] = await Promise.all([page.waitForEvent('download'), rowA.locator(s.tid('btn-export')).click()]);
    const file = path.join(tmpdir(), `conveyor-list-export-${Date.now()}.json`);
    await download.saveAs(file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ format: 'conveyor.flow/v1', id: a.id, name: 'Supplier invoices' });

    // Delete asks first; cancelling keeps the flow.
    await page.locator(s.tid(`flow-row-${b.id}`)).locator(s.tid('btn-delete')).click();
    await page.locator(s.tid('confirm-dialog')).waitFor();
    await page.locator(s.tid('btn-confirm-cancel')).click();
    await page.locator(s.tid(`flow-row-${b.id}`)).waitFor();
    await page.locator(s.tid(`flow-row-${b.id}`)).locator(s.tid('btn-delete')).click();
    await page.locator(s.tid('btn-confirm')).click();
    await page.locator(s.tid(`flow-row-${b.id}`)).waitFor({ state: 'detached' });
    expect((await api<Array<{ id: string }>>(studio.url, 'GET', '/api/flows')).map((f) => f.id)).toEqual([a.id]);

    // Opening a flow that does not exist says so.
    await page.goto(studio.url + '/flows/no-such-flow');
    await page.locator(s.tid('error-state')).filter({ hasText: 'does not exist' }).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
