import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../../../nodes/index.ts';
import { defineTrigger } from '../../../nodes/sdk/define-node.ts';
import { tempDir, writeCsv } from '../../../nodes/spreadsheet/test-files.ts';
import { preflight } from '../../../server/engine/preflight.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';

const FLOW = JSON.parse(readFileSync('flows/spreadsheet-contacts.json', 'utf8'));
const registry = createRegistry();
const sample = { path: path.resolve('flows/samples/contacts.csv'), name: 'contacts.csv' };

describe('preflight (dry check)', () => {
  it('reads the trigger records and rejects without running anything', async () => {
    const r = await preflight(FLOW, registry, { file: sample });
    expect(r).toMatchObject({ ok: false, canStart: true, problems: [], recordCount: 5, rejectCount: 3 });
    expect(r.rejects.map((x) => x.row)).toEqual([4, 7, 9]);
    expect(r.sample[0]).toEqual({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' });
  });

  it('keeps the first maxRejects rejects but counts them all', async () => {
    const r = await preflight(FLOW, registry, { file: sample }, { maxRejects: 1 });
    expect(r.rejects).toHaveLength(1);
    expect(r.rejectCount).toBe(3);
  });

  it('is ok when nothing is to fix; a flow without file-reading trigger uses its own records', async () => {
    const file = writeCsv(path.join(tempDir(), 'good.csv'), 'first_name,last_name,email\nAda,Lovelace,ada@example.com\n');
    expect(await preflight(FLOW, registry, { file: { path: file, name: 'good.csv' } })).toMatchObject({ ok: true, canStart: true, recordCount: 1, rejects: [] });
    const hello = JSON.parse(readFileSync('flows/hello-records.json', 'utf8'));
    expect(await preflight(hello, registry)).toMatchObject({ ok: true, recordCount: 3, problems: [] });
  });

  it('lists flow problems and still reads the file; every row rejected is a problem too', async () => {
    const doc = { ...FLOW, name: '', edges: [...FLOW.edges, { id: 'e9', source: 'done', sourcePort: 'out', target: 'sheet', targetPort: 'in' }] };
    const r = await preflight(doc, registry, { file: sample });
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.name', '$.edges[2].sourcePort']));
    expect(r.recordCount).toBe(5);
    const allBad = writeCsv(path.join(tempDir(), 'bad.csv'), 'first_name,last_name,email\nAda,Lovelace,nope\n');
    const none = await preflight(FLOW, registry, { file: { path: allBad, name: 'bad.csv' } });
    expect(none).toMatchObject({ ok: false, canStart: false, recordCount: 0, rejectCount: 1, problems: [{ path: '$.nodes[0]', code: 'E_NO_RECORDS' }] });
  });

  it('a trigger that crashes becomes a problem at its node; no trigger, no reading', async () => {
    const crashing = defineTrigger({
      type: 'test.crash',
      title: 'Crash',
      category: 'Triggers',
      description: '',
      params: z.object({}),
      outputs: [{ id: 'out', label: 'Out' }],
      effect: 'none',
      records() {
        throw new Error('boom');
      },
    });
    const doc = { ...FLOW, nodes: [{ id: 'c', type: 'test.crash', position: { x: 0, y: 0 }, params: {} }], edges: [] };
    const r = await preflight(doc, createRegistry([crashing]));
    expect(r.problems).toEqual([{ path: '$.nodes[0]', code: 'E_NODE_CRASHED', message: 'The trigger "Crash" failed unexpectedly: boom', hint: expect.any(String) }]);
    const noTrigger = await preflight({ ...FLOW, nodes: FLOW.nodes.slice(1), edges: FLOW.edges.slice(1) }, registry);
    expect(noTrigger).toMatchObject({ ok: false, canStart: false, recordCount: 0 });
    expect(noTrigger.problems[0].message).toMatch(/no trigger/);
  });

  describe('records a run would skip (business key)', () => {
    const KEYED = { ...FLOW, settings: { ...FLOW.settings, businessKey: 'email' } };
    const csv = (name: string, lines: string[]) => ({ path: writeCsv(path.join(tempDir(), name), `first_name,last_name,email\n${lines.join('\n')}\n`), name });

    it('counts duplicates and keys already done by a past run, with the same reasons and sheet rows the run then gives', async () => {
      const dir = tempDir();
      const store = await openSqlJsStore(path.join(dir, 'store'));
      const engine = new Engine({ store, registry, dataDir: dir });
      try {
        // A first run does ada and alan.
        const first = await engine.startRun(KEYED, { input: { file: csv('first.csv', ['Ada,Lovelace,ada@example.com', 'Alan,Turing,alan@example.com']) } });
        await engine.waitForRun(first.id);

        // The second file: ada again (done), grace, grace again (duplicate), a rejected row, alan again (done).
        const second = csv('second.csv', ['Ada,Lovelace,ADA@example.com', 'Grace,Hopper,grace@example.com', '', 'Grace,H.,grace@example.com', 'Bad,Row,nope', 'Alan,Turing,alan@example.com', 'Edsger,Dijkstra,edsger@example.com']);
        const check = await preflight(KEYED, registry, { file: second }, { store });
        expect(check).toMatchObject({ recordCount: 5, runCount: 2, skipCount: 3, rejectCount: 1 });
        expect(check.skips).toEqual([
          { index: 0, row: 2, reason: expect.stringMatching(new RegExp(`^Already done in run ${first.id} \\(record #1, same email "ada@example.com"\\)`)) },
          { index: 2, row: 5, reason: 'Duplicate of record #2 (sheet row 3) (same email "grace@example.com").' },
          { index: 3, row: 7, reason: expect.stringMatching(/^Already done in run .*record #2, same email "alan@example.com"/) },
        ]);

        // The run decides exactly the same.
        const run = await engine.startRun(KEYED, { input: { file: second } });
        const summary = await engine.waitForRun(run.id);
        expect(summary.counts.skipped).toBe(check.skipCount);
        expect(summary.counts.success).toBe(check.runCount);
        const stored = (await store.listRecords(run.id)).items;
        expect(stored.filter((r) => r.status === 'skipped').map((r) => ({ index: r.index, row: r.sourceRow, reason: r.reason }))).toEqual(check.skips);
        // Every record knows its sheet row; the data holds only the mapped fields.
        expect(stored.map((r) => r.sourceRow)).toEqual([2, 3, 5, 7, 8]);
        expect(Object.keys(stored[0].data)).toEqual(['first_name', 'last_name', 'email']);

        // With reprocess, only the duplicate is skipped.
        const again = await preflight(KEYED, registry, { file: second }, { store, reprocess: true });
        expect(again).toMatchObject({ runCount: 4, skipCount: 1 });
      } finally {
        await engine.shutdown();
        await store.close();
      }
    });

    it('without a business key or without a store, nothing is counted as skipped', async () => {
      const file = csv('dups.csv', ['Ada,Lovelace,ada@example.com', 'Ada,Lovelace,ada@example.com']);
      expect(await preflight(FLOW, registry, { file })).toMatchObject({ recordCount: 2, runCount: 2, skipCount: 0, skips: [] });
      expect(await preflight(KEYED, registry, { file })).toMatchObject({ runCount: 2, skipCount: 0 });
    });
  });
});
