/** Contract: node state (with its step, or on its own), checkpoints kept as rows, and deleting runs. */
import { describe, expect, it } from 'vitest';
import type { RecordCheckpoint, Store, TokenState } from '../../../../server/store/types.ts';
import { doneUpdate, instant, recordData, runRow, stepRow, stepUpdate } from '../fixtures.ts';
import type { StoreHarness } from './harness.ts';

export const AUDIT = { at: '2024-02-01T00:00:00.000Z', actor: 'operator' as const, action: 'run.delete' as const, records: 3, bytes: 1234 };

/** Run `id` with `n` records of 3 steps each, logs, events, a reject and node state; ended `status`. */
export async function fillRun(store: Store, id: string, n: number, status: 'completed' | 'running' = 'completed'): Promise<void> {
  await store.createRun(runRow(id, 'f', instant(0, 0), n), Array.from({ length: n }, (_, i) => recordData(i)), {
    rejects: [{ row: 9, field: 'email', rule: 'email', value: 'x', message: 'not an email' }],
  });
  for (let i = 0; i < n; i++) {
    for (let seq = 1; seq <= 3; seq++) await store.commitStep(stepRow(id, i, seq), stepUpdate(id, i, seq), seq === 3 ? [{ scope: `run:${id}`, nodeId: 'node1', key: `k${i}`, value: i }] : undefined);
    await store.updateRecord({ ...doneUpdate(id, i, 3), event: { at: instant(i, 9), from: 'running', to: 'success', actor: 'engine', action: 'done', note: null, data: null } });
  }
  await store.appendLogs([{ runId: id, recordIndex: 0, nodeId: null, level: 'info', message: `log of ${id}`, data: null, at: instant(0, 1) }]);
  if (status !== 'running') await store.updateRun(id, { status, endedAt: instant(n, 0) });
}

/** What the store holds of a run, through its public reads. */
export async function holds(store: Store, id: string) {
  return {
    run: (await store.getRun(id))?.id ?? null,
    records: (await store.listRecords(id)).total,
    steps: (await store.listSteps(id, 0)).length,
    counts: Object.keys(await store.stepCounts(id)).length,
    logs: (await store.listLogs(id)).total,
    events: (await store.listRunEvents(id)).total,
    rejects: (await store.listRejects(id)).length,
    state: (await store.listNodeState(`run:${id}`, 'node1')).length,
  };
}

export const GONE = { run: null, records: 0, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 };

const token = (id: number, nodeId: string): TokenState => ({ id, nodeId, data: { id, text: `token ${id}` }, fromStep: 1, groups: [1] });

export function stateContract(h: StoreHarness): void {
  describe('node state', () => {
    it('commits state with its step, deletes with null, lists by prefix, keeps it across a reopen', async () => {
      let store = await h.open();
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 2), [recordData(0), recordData(1)]);
      await store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [
        { scope: 'flow:f', nodeId: 'dist', key: 'count:a', value: 1 },
        { scope: 'flow:f', nodeId: 'dist', key: 'count:b', value: { n: 2 } },
        { scope: 'flow:f', nodeId: 'dist', key: 'rr', value: 'b' },
        { scope: 'flow:f', nodeId: 'dist', key: 'count_%', value: 'not a count' },
      ]);
      await store.commitStep(stepRow('r', 1, 1), stepUpdate('r', 1, 1), [
        { scope: 'flow:f', nodeId: 'dist', key: 'count:a', value: 2 },
        { scope: 'flow:f', nodeId: 'dist', key: 'rr', value: null },
      ]);
      await store.putNodeState([{ scope: 'schedule:f', nodeId: 'trigger', key: 'last', value: '2024-01-01T00:00:00.000Z' }]);
      await store.putNodeState([]);
      expect(await store.getNodeState('flow:f', 'dist', 'count:a')).toBe(2);
      expect(await store.getNodeState('flow:f', 'dist', 'rr')).toBeNull();
      const counts = [
        { key: 'count:a', value: 2 },
        { key: 'count:b', value: { n: 2 } },
      ];
      expect(await store.listNodeState('flow:f', 'dist', 'count:')).toEqual(counts);
      expect((await store.listNodeState('flow:f', 'dist', 'count_')).map((s) => s.key)).toEqual(['count_%']);
      expect(await store.listNodeState('flow:g', 'dist')).toEqual([]);
      store = await h.reopen(store);
      expect(await store.listNodeState('flow:f', 'dist', 'count:')).toEqual(counts);
      expect(await store.getNodeState('schedule:f', 'trigger', 'last')).toBe('2024-01-01T00:00:00.000Z');
      await store.clearNodeState('flow:f', 'dist');
      expect(await store.listNodeState('flow:f', 'dist')).toEqual([]);
      expect(await store.getNodeState('schedule:f', 'trigger', 'last')).toBe('2024-01-01T00:00:00.000Z');
      await store.close();
    });

    it('claims a key once: the first value written is kept and answered to every later or simultaneous claim', async () => {
      const store = await h.open();
      const claims = await Promise.all(['a', 'b', 'c', 'd'].map((v) => store.claimNodeState('install', '~claim', 'k', { v })));
      const first = claims[0];
      expect(claims).toEqual([first, first, first, first]);
      expect(await store.getNodeState('install', '~claim', 'k')).toEqual(first);
      expect(await store.claimNodeState('install', '~claim', 'k', { v: 'later' })).toEqual(first);
      expect(await store.claimNodeState('install', '~claim', 'other', 7)).toBe(7);
      await store.close();
    });

    it('pages a node state by key, counting the keys that hold a text (taken as it is: % and _ match themselves)', async () => {
      const store = await h.open();
      const keys = Array.from({ length: 250 }, (_, i) => `p${String(i).padStart(3, '0')}@example.test`);
      keys.push('a_b@x.test', 'a%b@x.test', 'axb@x.test');
      await store.putNodeState(keys.map((key) => ({ scope: 'install', nodeId: '~list', key, value: { address: key } })));
      await store.putNodeState([{ scope: 'install', nodeId: 'other', key: 'p001@example.test', value: 1 }]);
      const all = await store.pageNodeState('install', '~list', { offset: 100, limit: 50 });
      expect(all.total).toBe(253);
      expect(all.items.map((i) => i.key)).toEqual([...keys].sort().slice(100, 150));
      expect(all.items[0].value).toEqual({ address: all.items[0].key });
      const some = await store.pageNodeState('install', '~list', { contains: '01', offset: 2, limit: 3 });
      const holding = [...keys].sort().filter((k) => k.includes('01'));
      expect(some).toEqual({ total: holding.length, items: holding.slice(2, 5).map((key) => ({ key, value: { address: key } })) });
      expect((await store.pageNodeState('install', '~list', { contains: 'a_b', offset: 0, limit: 10 })).items.map((i) => i.key)).toEqual(['a_b@x.test']);
      expect((await store.pageNodeState('install', '~list', { contains: 'a%b', offset: 0, limit: 10 })).items.map((i) => i.key)).toEqual(['a%b@x.test']);
      expect(await store.pageNodeState('install', '~list', { contains: 'nobody', offset: 0, limit: 10 })).toEqual({ total: 0, items: [] });
      expect((await store.pageNodeState('install', '~list', { offset: 500, limit: 10 })).items).toEqual([]);
      await store.close();
    });

    it('a step the store refuses writes none of its state; the last write of a key in one step wins', async () => {
      const store = await h.open();
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
      await store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [
        { scope: 'run:r', nodeId: 'n', key: 'k', value: 0 },
        { scope: 'run:r', nodeId: 'n', key: 'k', value: 1 },
      ]);
      await expect(store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [{ scope: 'run:r', nodeId: 'n', key: 'k', value: 99 }])).rejects.toThrow();
      expect(await store.getNodeState('run:r', 'n', 'k')).toBe(1);
      await store.close();
    });
  });

  describe('checkpoints kept as rows (a record that fanned out)', () => {
    it('reads the whole checkpoint back from the header and the rows that changed; a whole checkpoint replaces the rows', async () => {
      let store = await h.open();
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
      const header = { tokens: [], groups: [], nextTokenId: 4, nextGroupId: 2, seq: 1, outcomes: [], outcomeCounts: { success: 2, failed: 1 } } as unknown as RecordCheckpoint;
      const group = { id: 1, size: 3, ended: 0, parentGroups: [] };
      await store.commitStep(stepRow('r', 0, 1), {
        runId: 'r',
        index: 0,
        status: 'running',
        checkpoint: header,
        tokenRows: { put: [['t', 3, 2, token(3, 'b')], ['t', 1, 1, token(1, 'a')], ['t', 2, 3, token(2, 'c')], ['g', 1, 1, group]], drop: [] },
      });
      const whole = (await store.getRecord('r', 0))!.checkpoint!;
      expect(whole.tokens.map((t) => t.id)).toEqual([1, 3, 2]);
      expect(whole.groups).toEqual([group]);
      expect(whole.outcomes).toEqual(['success', 'success', 'failed']);
      await store.updateRecord({ runId: 'r', index: 0, status: 'running', checkpoint: { ...header, seq: 2 }, tokenRows: { put: [['t', 1, 1, token(1, 'z')]], drop: [['t', 3]] } });
      store = await h.reopen(store);
      expect((await store.getRecord('r', 0))!.checkpoint!.tokens.map((t) => [t.id, t.nodeId])).toEqual([[1, 'z'], [2, 'c']]);
      expect((await store.unfinishedRecords('r'))[0].checkpoint!.tokens).toHaveLength(2);
      await store.updateRecord({ runId: 'r', index: 0, status: 'running', checkpoint: { tokens: [token(9, 'y')], groups: [], nextTokenId: 10, nextGroupId: 2, seq: 3, outcomes: [] } });
      expect((await store.getRecord('r', 0))!.checkpoint!.tokens.map((t) => t.id)).toEqual([9]);
      await store.close();
    });
  });

  describe('deleting a run', () => {
    it('removes the run and everything of it at once, keeps other runs, and writes an audit row that outlives it', async () => {
      let store = await h.open();
      await fillRun(store, 'a', 3);
      await fillRun(store, 'b', 2);
      const before = await holds(store, 'b');
      expect(await holds(store, 'a')).toEqual({ run: 'a', records: 3, steps: 3, counts: 3, logs: 1, events: 3, rejects: 1, state: 3 });
      const size = await store.runStoreSize('a');
      expect(size).toMatchObject({ records: 3, steps: 9 });
      expect(size!.bytes).toBeGreaterThan(2000);
      expect(await store.deleteRun('a', { audit: { ...AUDIT, runId: 'a', flowId: 'f' } })).toEqual({ records: 3 });
      expect(await holds(store, 'a')).toEqual(GONE);
      expect(await store.runStoreSize('a')).toBeNull();
      expect(await holds(store, 'b')).toEqual(before);
      expect((await store.listRuns()).map((r) => r.id)).toEqual(['b']);
      store = await h.reopen(store);
      const audit = await store.listAudit();
      expect(audit.total).toBe(1);
      expect(audit.items[0]).toMatchObject({ actor: 'operator', action: 'run.delete', runId: 'a', records: 3, bytes: 1234 });
      expect((await store.listAudit({ runId: 'b' })).total).toBe(0);
      expect(await holds(store, 'b')).toEqual(before);
      await store.close();
    });

    it('refuses an active run and, without force, a run with records in review: nothing changes', async () => {
      const store = await h.open();
      await fillRun(store, 'live', 2, 'running');
      await expect(store.deleteRun('live', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_ACTIVE' } });
      await store.updateRun('live', { status: 'pausing' });
      await expect(store.deleteRun('live', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_ACTIVE' } });
      await store.updateRun('live', { status: 'paused' });
      await store.updateRecord({ runId: 'live', index: 1, status: 'needs_review', checkpoint: null });
      await expect(store.deleteRun('live', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_IN_REVIEW' } });
      expect(await store.reviewCount('live')).toBe(1);
      expect((await store.listReview({})).total).toBe(1);
      expect((await holds(store, 'live')).records).toBe(2);
      expect((await store.listAudit()).total).toBe(0);
      await expect(store.deleteRun('nope', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_NOT_FOUND' } });
      await store.deleteRun('live', { force: true, audit: AUDIT });
      expect((await store.listReview({})).total).toBe(0);
      expect(await holds(store, 'live')).toEqual(GONE);
      expect((await store.listAudit()).total).toBe(1);
      await store.close();
    });

    it('a step submitted right after the deletion of its run is refused alone; a new run starts clean', async () => {
      const store = await h.open();
      await fillRun(store, 'a', 1);
      await fillRun(store, 'b', 1);
      const del = store.deleteRun('a', { audit: AUDIT });
      const late = store.commitStep(stepRow('a', 0, 4), stepUpdate('a', 0, 4));
      const other = store.commitStep(stepRow('b', 0, 4), stepUpdate('b', 0, 4));
      await expect(del).resolves.toEqual({ records: 1 });
      await expect(late).rejects.toThrow(/no run "a"/);
      await expect(other).resolves.toBeUndefined();
      expect(await holds(store, 'a')).toEqual(GONE);
      expect((await store.listSteps('b', 0)).map((s) => s.seq)).toEqual([1, 2, 3, 4]);
      await store.createRun(runRow('a', 'f', instant(5, 0), 1), [recordData(0)]);
      expect(await holds(store, 'a')).toEqual({ run: 'a', records: 1, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 });
      await store.close();
    });

    it('knows which uploads the runs name', async () => {
      const store = await h.open();
      await store.createRun({ ...runRow('u1', 'f', instant(0, 0), 0), settings: { concurrency: 1, upload: 'up_a' } }, []);
      await store.createRun({ ...runRow('u2', 'f', instant(1, 0), 0), settings: { concurrency: 1, upload: 'up_a' } }, []);
      await store.createRun({ ...runRow('u3', 'f', instant(2, 0), 0), settings: { concurrency: 1, upload: 'up_b' } }, []);
      await store.createRun(runRow('plain', 'f', instant(3, 0), 0), []);
      expect([...(await store.referencedUploads())].sort()).toEqual(['up_a', 'up_b']);
      expect(await store.runsUsingUpload('up_a', 'u1')).toBe(1);
      expect(await store.runsUsingUpload('up_b', 'u3')).toBe(0);
      expect((await store.listRunHeads()).map((r) => [r.id, r.upload])).toEqual([['u1', 'up_a'], ['u2', 'up_a'], ['u3', 'up_b'], ['plain', null]]);
      await store.close();
    });
  });
}
