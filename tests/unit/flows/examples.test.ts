import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { serializeFlow } from '../../../server/contract/flow/serialize.ts';
import { writePeopleSheet } from '../../../scripts/people-sheet.ts';
import type { RunInput } from '../../../nodes/sdk/types.ts';

let c: Conveyor;
afterEach(async () => c && (await c.close()));

async function runExample(file: string, input?: RunInput) {
  c = await openConveyor(mkdtempSync(path.join(os.tmpdir(), 'conveyor-examples-')));
  const text = readFileSync(path.join('flows', file), 'utf8');
  const entry = await c.flows.import(JSON.parse(text));
  // Each example is stored in canonical form: importing it changes nothing.
  expect(serializeFlow(entry.flow)).toBe(text);
  const run = await c.engine.startRun(entry.flow, { input });
  const summary = await c.engine.waitForRun(run.id);
  const records = (await c.store.listRecords(run.id, { limit: 1000 })).items;
  return { summary, records };
}

describe('example flows in flows/ import and run as they are', () => {
  it('hello-records: greets everyone, adults succeed, the minor goes to review', async () => {
    const { summary, records } = await runExample('hello-records.json');
    expect(summary.status).toBe('completed');
    expect(summary.counts).toMatchObject({ success: 2, needs_review: 1, failed: 0 });
    expect(records[0].output).toMatchObject({ email: 'ada@example.com', greeting: 'Hello, Ada Lovelace!' });
  });

  it('order-totals: split lines, collect them back and total each order', async () => {
    const { summary, records } = await runExample('order-totals.json');
    expect(summary.counts).toMatchObject({ success: 1, needs_review: 1, skipped: 1, failed: 0 });
    expect(records[0].output).toMatchObject({ order: 'A-1', total: 12.5 });
    expect(records[1]).toMatchObject({ status: 'needs_review', output: { order: 'A-2', total: 180 } });
    expect(records[2].status).toBe('skipped');
  });

  it('route-by-country: each customer follows their country branch', async () => {
    const { summary, records } = await runExample('route-by-country.json');
    expect(summary.counts).toMatchObject({ success: 3, skipped: 1 });
    expect(records.map((r) => r.output?.greeting ?? null)).toEqual(['Bonjour Amélie', 'Hallo Hans', null, 'Bonjour Marie']);
  });

  it('website-check: a site that does not answer is retried, then goes to review through the error port', async () => {
    const { summary, records } = await runExample('website-check.json');
    expect(summary.status).toBe('completed');
    expect(summary.counts.failed).toBe(0);
    expect(records[0]).toMatchObject({ status: 'needs_review', output: { error: { code: 'E_HTTP_NETWORK' } } });
    const steps = await c.store.listSteps(summary.id, 0);
    expect(steps.filter((s) => s.nodeId === 'call').map((s) => s.attempt)).toEqual([1, 2]);
  });

  it('spreadsheet-contacts: the sample file runs its valid rows, the invalid ones are rejected before the run', async () => {
    const file = { path: path.resolve('flows/samples/contacts.csv'), name: 'contacts.csv' };
    const { summary, records } = await runExample('spreadsheet-contacts.json', { file });
    expect(summary.status).toBe('completed');
    expect(summary.recordCount).toBe(5);
    expect(summary.counts).toMatchObject({ success: 5, failed: 0 });
    expect(records.map((r) => r.output?.full_name)).toEqual(['Ada Lovelace', 'Alan Turing', 'Katherine Johnson', 'Margaret Hamilton', 'Barbara Liskov']);
    expect(records[1].output).toMatchObject({ email: 'alan.turing@example.com' });
    const rejects = await c.store.listRejects(summary.id);
    expect(rejects.map(({ row, field, rule, value }) => ({ row, field, rule, value }))).toEqual([
      { row: 4, field: 'email', rule: 'email', value: 'grace@example' },
      { row: 7, field: 'email', rule: 'email', value: 'not an email' },
      { row: 9, field: 'email', rule: 'required', value: '' },
    ]);
  });

  it('people-by-domain: a generated sheet of 300 people, three broken emails rejected, the rest kept', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'conveyor-people-')), 'people.xlsx');
    await writePeopleSheet(file, 300);
    const { summary, records } = await runExample('people-by-domain.json', { file: { path: file, name: 'people.xlsx' } });
    expect(summary.counts).toMatchObject({ success: 297, failed: 0 });
    expect(records[0].output).toMatchObject({ full_name: 'First0 Last0', email: 'person0@example.com', domain: 'example.com' });
    expect((await c.store.listRejects(summary.id)).map((r) => r.row)).toEqual([101, 201, 301]);
  });

  it('scheduled-check: a tick record says how late it fired; started by hand it is a manual check', async () => {
    const tick = { scheduledFor: '2024-04-01T07:00:00.000Z', firedAt: '2024-04-01T07:00:00.250Z', tick: 1 };
    const { summary, records } = await runExample('scheduled-check.json', { records: [tick] });
    expect(summary.counts).toMatchObject({ success: 1, failed: 0 });
    expect(records[0].output).toMatchObject({ ...tick, kind: 'scheduled', lateMs: 250 });
    const manual = await c.engine.startRun((await c.flows.get('scheduled-check')).flow);
    await c.engine.waitForRun(manual.id);
    expect((await c.store.getRecord(manual.id, 0))!.output).toMatchObject({ manual: true, scheduledFor: null, kind: 'manual', lateMs: null });
  });
});
