/**
 * Groups of search terms through the real engine and store: term by term, group by group, at the loop
 * interval; Pause, Stop and a restart resume at exactly the next unprocessed term; the counters per
 * group and per term are read back from what was committed.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RunGroups } from '../../../server/engine/run-groups.ts';

let c: Conveyor | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const GROUPS = [
  { name: 'Bakeries', terms: ['bakery lyon', 'boulangerie lyon', 'patisserie lyon'] },
  { name: 'Florists', terms: ['florist lyon', 'fleuriste lyon'] },
  { name: 'Cafés', terms: ['cafe lyon'] },
];

/** terms → results (3 per term; the term "fleuriste lyon" finds 2 bad ones) → split → if ok → end / fail. */
function termsFlow(intervalSeconds: number, extra: Partial<FlowDocument['settings']> = {}): FlowDocument {
  const node = (id: string, type: string, x: number, params: Record<string, unknown>) => ({ id, type, name: id, position: { x, y: 0 }, params });
  return {
    format: FLOW_FORMAT,
    id: 'flow_terms',
    name: 'Terms',
    description: '',
    settings: { concurrency: 1, ...extra },
    nodes: [
      node('terms', 'terms.groups', 0, { groups: GROUPS, intervalSeconds }),
      node('search', 'core.set-fields', 200, {
        fields: [{ name: 'results', value: `[1, 2, 3].({ "n": $, "ok": ($$.term != "fleuriste lyon" or $ = 1) })` }],
        keepOtherFields: true,
      }),
      node('each', 'core.split', 400, { field: 'results', as: 'result', keepParentFields: true }),
      node('check', 'core.if', 600, { condition: 'result.ok' }),
      node('done', 'core.end', 800, { status: 'success' }),
      node('bad', 'core.end', 800, { status: 'failed' }),
    ],
    edges: [
      { id: 'e1', source: 'terms', sourcePort: 'out', target: 'search', targetPort: 'in' },
      { id: 'e2', source: 'search', sourcePort: 'out', target: 'each', targetPort: 'in' },
      { id: 'e3', source: 'each', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e4', source: 'check', sourcePort: 'true', target: 'done', targetPort: 'in' },
      { id: 'e5', source: 'check', sourcePort: 'false', target: 'bad', targetPort: 'in' },
    ],
  };
}

async function open(dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-terms-'))): Promise<Conveyor> {
  c = await openConveyor(dir);
  return c;
}

/** First steps (the search after the trigger) committed per record: a term processed twice would show two. */
async function firstSteps(conv: Conveyor, runId: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await conv.store.listSteps(runId, i)).filter((s) => s.nodeId === 'search').length);
  return out;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('groups of search terms', () => {
  it('runs term by term, group by group, one term per loop interval, and counts per group and per term', async () => {
    const conv = await open();
    const run = await conv.engine.startRun(termsFlow(0.15));
    const summary = await conv.engine.waitForRun(run.id);
    expect(summary.status).toBe('completed');
    expect(summary.recordCount).toBe(6);
    const records = (await conv.store.listRecords(run.id)).items;
    expect(records.map((r) => [r.data.group, r.data.term])).toEqual(GROUPS.flatMap((g) => g.terms.map((t) => [g.name, t])));
    // In order, and each start at least one interval after the previous one.
    const starts = records.map((r) => Date.parse(r.startedAt!));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(150);

    const groups = (await conv.engine.groups(run.id))!;
    expect(groups.position).toBeNull();
    expect(groups.groups.map((g) => [g.name, g.total, g.processed, g.counts.success, g.counts.failed])).toEqual([
      ['Bakeries', 3, 3, 3, 0],
      ['Florists', 2, 2, 1, 1],
      ['Cafés', 1, 1, 1, 0],
    ]);
    // Per term: its results (split paths), 2 of 3 failing for "fleuriste lyon".
    const florists = groups.groups[1];
    expect(florists.items.map((i) => [i.name, i.status, i.results.success, i.results.failed])).toEqual([
      ['florist lyon', 'success', 3, 0],
      ['fleuriste lyon', 'failed', 1, 2],
    ]);
    expect(florists.results).toEqual({ success: 4, failed: 2, needs_review: 0, skipped: 0 });
  });

  it('Pause, then Resume, continues at exactly the next unprocessed term and keeps the interval', async () => {
    const conv = await open();
    const run = await conv.engine.startRun(termsFlow(0.3));
    await waitFor(async () => (await conv.store.countRecords(run.id)).success >= 2, 'two terms done');
    await conv.engine.pause(run.id);
    const paused = await conv.engine.waitForRun(run.id);
    expect(paused.status).toBe('paused');
    const done = paused.counts.success + paused.counts.failed;
    const before = (await conv.engine.groups(run.id)) as RunGroups;
    // The position is the first term not processed yet.
    const flat = GROUPS.flatMap((g) => g.terms.map((t) => ({ group: g.name, item: t })));
    expect(before.position).toMatchObject({ ...flat[done], index: done, status: 'pending' });
    expect(before.groups.reduce((n, g) => n + g.processed, 0)).toBe(done);

    const lastStart = Date.parse((await conv.store.listRecords(run.id)).items[done - 1].startedAt!);
    await conv.engine.resume(run.id);
    const summary = await conv.engine.waitForRun(run.id);
    expect(summary.status).toBe('completed');
    const records = (await conv.store.listRecords(run.id)).items;
    // The first term after the pause started at least one interval after the last one before it.
    expect(Date.parse(records[done].startedAt!) - lastStart).toBeGreaterThanOrEqual(300);
    expect(await firstSteps(conv, run.id, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    // The trigger's step is counted once per term, as the canvas shows it.
    expect(summary.nodes.terms).toMatchObject({ success: 6, failed: 0 });
  });

  it('a restart of the studio mid-loop resumes at the next unprocessed term, nothing processed twice', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-terms-'));
    let conv = await open(dir);
    const doc = termsFlow(0.2);
    const run = await conv.engine.startRun(doc);
    await waitFor(async () => (await conv.store.countRecords(run.id)).success >= 3, 'three terms done');
    // Closing the studio pauses its runs; a new process finds the run where it stopped.
    await conv.close();
    c = null;
    conv = await open(dir);
    const reopened = await conv.engine.summary(run.id);
    expect(['paused', 'interrupted']).toContain(reopened.status);
    const position = (await conv.engine.groups(run.id))!.position!;
    const left = (await conv.store.unfinishedRecords(run.id)).map((r) => r.index);
    expect(position.index).toBe(left[0]);
    await conv.engine.resume(run.id);
    const summary = await conv.engine.waitForRun(run.id);
    expect(summary.status).toBe('completed');
    expect(summary.counts).toMatchObject({ success: 5, failed: 1, pending: 0, running: 0 });
    expect(await firstSteps(conv, run.id, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    // The trigger's step is counted once per term, as the canvas shows it.
    expect(summary.nodes.terms).toMatchObject({ success: 6, failed: 0 });
    const groups = (await conv.engine.groups(run.id))!;
    expect(groups.groups.map((g) => g.processed)).toEqual([3, 2, 1]);
  });

  it('Stop ends the wait between terms at once, and the stopped run resumes at the next term', async () => {
    const conv = await open();
    const run = await conv.engine.startRun(termsFlow(3600));
    await waitFor(async () => (await conv.store.countRecords(run.id)).success >= 1, 'the first term done');
    // The second term would start in an hour: Stop does not wait for it.
    await conv.engine.stop(run.id);
    const stopped = await conv.engine.waitForRun(run.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.counts).toMatchObject({ success: 1, pending: 5 });
    expect((await conv.engine.groups(run.id))!.position).toMatchObject({ group: 'Bakeries', item: 'boulangerie lyon', index: 1 });
    const logs = (await conv.store.listLogs(run.id, { limit: 100 })).items.map((l) => l.message);
    expect(logs.some((m) => /Next record \(#2\) starts in 60 min/.test(m))).toBe(true);
  });

  it('refuses a run without terms, and reports empty or repeated terms as rejects', async () => {
    const conv = await open();
    const doc = termsFlow(0);
    doc.nodes[0].params = { groups: [{ name: 'Empty', terms: ['  ', ''] }] };
    await expect(conv.engine.startRun(doc)).rejects.toMatchObject({ code: 'E_TERMS_EMPTY' });
    doc.nodes[0].params = { groups: [{ name: 'G', terms: ['a', 'A ', ''] }] };
    const run = await conv.engine.startRun(doc);
    await conv.engine.waitForRun(run.id);
    expect(run.recordCount).toBe(1);
    const rejects = await conv.store.listRejects(run.id);
    expect(rejects.map((r) => r.rule).sort()).toEqual(['duplicate', 'required']);
  });
});
