import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { doneUpdate, instant, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterEach(removeTempDirs);

const AUDIT = { at: '2024-02-01T00:00:00.000Z', actor: 'operator' as const, action: 'run.delete' as const, records: 3, bytes: 1234 };

/** Run `id` with `n` records of 3 steps each, logs, an event, a reject, node state; ended `status`. */
async function fillRun(store: SqlJsStore, id: string, n: number, status: 'completed' | 'running' = 'completed'): Promise<void> {
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
async function holds(store: SqlJsStore, id: string) {
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

const GONE = { run: null, records: 0, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 };

describe('deleting a run in the store', () => {
  it('removes the run and everything of it at once, keeps other runs, and writes an audit row that outlives it', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
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
    const audit = await store.listAudit();
    expect(audit.total).toBe(1);
    expect(audit.items[0]).toMatchObject({ actor: 'operator', action: 'run.delete', runId: 'a', records: 3, bytes: 1234 });

    // Replayed from the journal alone (a crash: no snapshot), and reopened after a clean close.
    const copy = tempDir('conveyor-store-copy-');
    for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
    const replayed = await openSqlJsStore(copy);
    expect(await holds(replayed, 'a')).toEqual(GONE);
    expect(await holds(replayed, 'b')).toEqual(before);
    expect((await replayed.listAudit()).items[0]).toMatchObject({ runId: 'a', action: 'run.delete' });
    await replayed.kill();

    await store.close();
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'a')).toEqual(GONE);
    expect(await holds(reopened, 'b')).toEqual(before);
    expect((await reopened.listAudit()).total).toBe(1);
    await reopened.close();
  });

  it('a crash in the middle of writing the deletion leaves the run whole (the torn entry is dropped on open)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'a', 2);
    const before = await holds(store, 'a');
    const journal = fs.readdirSync(dir).find((f) => f.startsWith('journal-'))!;
    const sizeBefore = fs.statSync(path.join(dir, journal)).size;
    await store.deleteRun('a', { audit: AUDIT });
    const sizeAfter = fs.statSync(path.join(dir, journal)).size;
    expect(sizeAfter).toBeGreaterThan(sizeBefore);
    // As a crash during its write leaves it: the deletion's frame cut short, at several points.
    for (const keep of [sizeBefore + 3, sizeBefore + 20, sizeAfter - 1]) {
      const copy = tempDir('conveyor-store-copy-');
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      fs.truncateSync(path.join(copy, journal), keep);
      const warnings: string[] = [];
      const reopened = await openSqlJsStore(copy, { onWarning: (m) => warnings.push(m) });
      expect(await holds(reopened, 'a')).toEqual(before);
      expect((await reopened.listAudit()).total).toBe(0);
      expect(warnings.join(' ')).toMatch(/torn|dropped/i);
      await reopened.close();
    }
    await store.close();
  });

  it('refuses an active run and, without force, a run with records in review: nothing changes, on replay too', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
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
    await store.kill();
    // The refused deletions replay as refused, the forced one as done: the same state.
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'live')).toEqual(GONE);
    expect((await reopened.listAudit()).total).toBe(1);
    await reopened.close();
  });

  it('a new run that reuses the deleted run key starts clean (no steps, counts or cached key of the old run)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'old', 2);
    await store.deleteRun('old', { audit: AUDIT });
    await store.createRun(runRow('new', 'f', instant(5, 0), 1), [recordData(0)]);
    expect(await holds(store, 'new')).toEqual({ run: 'new', records: 1, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 });
    expect(await holds(store, 'old')).toEqual(GONE);
    await store.kill();
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'new')).toEqual({ run: 'new', records: 1, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 });
    await reopened.close();
  });

  it('a step committed in the same group commit as the deletion of its run is refused alone', async () => {
    const store = await openSqlJsStore(tempDir());
    await fillRun(store, 'a', 1);
    await fillRun(store, 'b', 1);
    const del = store.deleteRun('a', { audit: AUDIT });
    const late = store.commitStep(stepRow('a', 0, 4), stepUpdate('a', 0, 4));
    const other = store.commitStep(stepRow('b', 0, 4), stepUpdate('b', 0, 4));
    await expect(del).resolves.toEqual({ records: 1 });
    await expect(late).rejects.toThrow(/no run "a"/);
    await expect(other).resolves.toBeUndefined();
    expect(await holds(store, 'a')).toEqual(GONE);
    expect((await store.stepCounts('b')).node0).toBeDefined();
    await store.close();
  });
});

describe('a lost deletion', () => {
  it('is named in what damage would lose, as the run status "deleted", not as an unreadable entry', async () => {
    const { describeEntries } = await import('../../../server/store/integrity.ts');
    const { deleteRunOp, auditOp } = await import('../../../server/store/retention.ts');
    const loss = describeEntries([
      { seq: 7, payload: JSON.stringify(deleteRunOp('run_a', false, AUDIT)) },
      { seq: 8, payload: JSON.stringify(auditOp({ ...AUDIT, action: 'uploads.cleanup' })) },
    ]);
    expect(loss.unreadable).toBe(0);
    expect(loss.runs).toEqual([expect.objectContaining({ runId: 'run_a', statuses: ['deleted'] })]);
  });
});
