/**
 * The studio on the PostgreSQL store (CONVEYOR_STORE=postgres): a flow run from the editor's Run
 * dialog ends with exact counters on the canvas, its records and report come from the database,
 * and the runs list shows it — all through the built studio in Chromium.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../unit/store/contract/pg-database.ts';
import { useStudio } from './support/fixtures.ts';
import { api, createFlowViaApi, type RunSummary } from './support/api.ts';
import * as s from './support/studio.ts';

let db: TestDatabase;
const saved = { store: process.env.CONVEYOR_STORE, url: process.env.DATABASE_URL };
// Registered before the studio's own hooks: the database exists before the studio opens it.
beforeAll(async () => {
  db = await createTestDatabase();
  process.env.CONVEYOR_STORE = 'postgres';
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  process.env.CONVEYOR_STORE = saved.store ?? '';
  if (saved.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved.url;
  await db?.drop();
});

const studio = useStudio();

describe('the studio on PostgreSQL', () => {
  test('runs a flow from the editor: canvas counters, records and the runs list read the database', async () => {
    const entry = await createFlowViaApi(
      studio.url,
      'Scored on PostgreSQL',
      [
        { id: 'score', type: 'core.set-fields', x: 260, y: 200, params: { fields: [{ name: 'score', value: '$number(n) * 2' }] } },
        { id: 'gate', type: 'core.if', x: 520, y: 200, params: { condition: 'score > 12' } },
        { id: 'ok', type: 'core.end', x: 780, y: 100, params: { status: 'success' } },
        { id: 'review', type: 'core.end', x: 780, y: 300, params: { status: 'needs_review', reason: 'small order' } },
      ],
      [
        ['trigger', 'out', 'score'],
        ['score', 'out', 'gate'],
        ['gate', 'true', 'ok'],
        ['gate', 'false', 'review'],
      ],
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    const runId = await s.startRun(page, s.records(12));
    await s.waitForRunStatus(page, 'completed');
    // n = 1..12: score = 2n > 12 for n = 7..12.
    await expect.poll(() => s.counter(page, 'score', 'success')).toBe(12);
    await expect.poll(() => s.counter(page, 'ok', 'success')).toBe(6);
    await expect.poll(() => s.counter(page, 'review', 'success')).toBe(6);

    const summary = await api<RunSummary>(studio.url, 'GET', `/api/runs/${runId}`);
    expect(summary.counts).toMatchObject({ success: 6, needs_review: 6, pending: 0, running: 0 });

    // The rows are in PostgreSQL, not in the data folder.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = (await client.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM records WHERE run_id = $1 GROUP BY status ORDER BY status', [runId])).rows;
    await client.end();
    expect(rows).toEqual([
      { status: 'needs_review', n: 6 },
      { status: 'success', n: 6 },
    ]);

    await page.goto(`${studio.url}/runs`);
    const row = page.locator(s.tid(`run-row-${runId}`));
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('completed');

    // The Storage page names the database, and what of it is evidence and uploads (none here).
    await page.goto(`${studio.url}/storage`);
    await expect.poll(() => page.locator(s.tid('storage-store-note')).textContent()).toBe('evidence 0 B, uploads 0 B of it');
    expect(await page.locator(`${s.tid('storage-totals')} dt`).allTextContents()).toEqual(expect.arrayContaining(['Database', "Evidence / uploads in this studio's folder"]));
    expect(studio.pageErrors).toEqual([]);
  }, 120_000);
});
